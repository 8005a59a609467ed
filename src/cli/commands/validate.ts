import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so that `foreshock --help` is complete.
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('foreshock validate is not built yet');
    });
}
