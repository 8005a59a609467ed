import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so that `foreshock --help` is complete.
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('foreshock run is not built yet');
    });
}
