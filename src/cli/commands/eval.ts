import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so that `foreshock --help` is complete.
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('foreshock eval is not built yet');
    });
}
