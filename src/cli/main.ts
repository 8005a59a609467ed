/**
 * `foreshock` command line. Each sub-command lives in its own file under ./commands and
 * registers itself on the program.
 */
import { Command, CommanderError } from 'commander';
import { commandLoaders } from './commands';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('foreshock')
    .description('predictive chaos engineering for Temporal: forecast, inject, watch, always roll back')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  // Load only the command asked for; help and unknown commands load them all.
  const asked = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const names = asked && asked in commandLoaders ? [asked] : Object.keys(commandLoaders);
  for (const name of names) commandLoaders[name]!()(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    console.error(`foreshock: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
