import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so that `foreshock --help` is complete.
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('foreshock worker is not built yet');
    });
}
