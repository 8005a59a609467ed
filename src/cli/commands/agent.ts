import type { Command } from 'commander';

// Placeholder until its issue lands: the command exists so that `foreshock --help` is complete.
export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('foreshock agent is not built yet');
    });
}
