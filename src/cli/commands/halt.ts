import type { Command } from 'commander';
import { printJson, withForeshock } from './support';

export function registerHalt(program: Command): void {
  program
    .command('halt <config>')
    .description('pause every foreshock schedule, cancel every running injection, verify all faults are gone')
    .option('--resume', 'undo a halt: resume the foreshock schedules')
    .option('--timeout <ms>', 'how long the faults may take to go', '2000')
    .option('--reason <text>', 'recorded on the paused schedules')
    .action(async (configFile: string, opts: { resume?: boolean; timeout: string; reason?: string }) => {
      await withForeshock(configFile, async ({ foreshock, config }) => {
        if (opts.resume) {
          printJson(await foreshock.resume());
          return;
        }
        if (!process.env[config.agent.tokenEnv]) {
          console.error(
            `warning: ${config.agent.tokenEnv} is not set: cannot verify at the agent that faults are gone`,
          );
        }
        printJson(
          await foreshock.halt({
            timeoutMs: Number(opts.timeout),
            ...(opts.reason ? { reason: opts.reason } : {}),
          }),
        );
      });
    });
}
