import type { Command } from 'commander';
import { NoWorkerError } from '../../client/errors';
import { printJson, withDevOption, withForeshock } from './support';

export function registerHalt(program: Command): void {
  withDevOption(
    program
      .command('halt <config>')
      .description(
        'pause every foreshock schedule, cancel every running injection, verify all faults are gone',
      ),
  )
    .option('--resume', 'undo a halt: resume the foreshock schedules')
    .option('--timeout <ms>', 'how long the faults may take to go', '2000')
    .option('--reason <text>', 'recorded on the paused schedules')
    .action(
      async (
        configFile: string,
        opts: { resume?: boolean; timeout: string; reason?: string; dev?: boolean },
      ) => {
        const timeoutMs = Number(opts.timeout);
        if (!Number.isFinite(timeoutMs) || timeoutMs < 0 || timeoutMs > 3_600_000)
          throw new Error(`--timeout must be milliseconds 0..3600000 (got ${opts.timeout})`);
        await withForeshock(
          configFile,
          async ({ foreshock, config }) => {
            if (opts.resume) {
              printJson(await foreshock.resume());
              return;
            }
            if (!process.env[config.agent.tokenEnv]) {
              console.error(
                `warning: ${config.agent.tokenEnv} is not set: cannot verify at the agent that faults are gone`,
              );
            }
            // Halt still pauses, cancels and reverts at the agent without a worker; it only warns.
            await foreshock.requireWorker().catch((err: unknown) => {
              if (!(err instanceof NoWorkerError)) throw err;
              console.error(`warning: ${err.message}; faults are reverted at the agent directly`);
            });
            printJson(
              await foreshock.halt({
                timeoutMs,
                ...(opts.reason ? { reason: opts.reason } : {}),
              }),
            );
          },
          { dev: opts.dev ?? false },
        );
      },
    );
}
