import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { parseDuration } from '../../config/duration';
import { runDemo } from '../../demo/run';
import { DEMO_CONFIG_TEMPLATE } from '../../demo/config';

interface DemoCliOptions {
  cycles?: string;
  ui: boolean;
  warmup: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'run foreshock against a real stack (nginx → API → PostgreSQL) with live progress and a report',
    )
    .option('--cycles <n>', 'run this many chaos cycles, print one JSON summary line, and exit')
    .option('--no-ui', 'no live terminal view and no Temporal Web UI (plain log lines on stderr)')
    .option('--warmup <duration>', 'telemetry to gather before the first cycle', '10s')
    .action(async (opts: DemoCliOptions) => {
      if (!existsSync(DEMO_CONFIG_TEMPLATE))
        throw new Error(
          `the demo runs from a clone of the foreshock repository (its stack config ${DEMO_CONFIG_TEMPLATE} is not in the npm package): clone it, then npm ci && npm run demo`,
        );
      const cycles = opts.cycles === undefined ? undefined : Number(opts.cycles);
      if (cycles !== undefined && !(Number.isInteger(cycles) && cycles >= 1 && cycles <= 1000))
        throw new Error(`--cycles: expected a whole number from 1 to 1000, got "${opts.cycles}"`);
      const warmupMs = parseDuration(opts.warmup);
      if (warmupMs === undefined)
        throw new Error(`--warmup: expected a duration such as 20s, got "${opts.warmup}"`);
      let interrupts = 0;
      let requestStop: () => void = () => undefined;
      const stopSignal = new Promise<void>((resolve) => (requestStop = resolve));
      const onSignal = () => {
        interrupts++;
        if (interrupts === 1) {
          process.stderr.write(
            '\nforeshock demo: halting — rolling back and stopping every process (Ctrl-C twice more to abandon)\n',
          );
          requestStop();
        } else if (interrupts >= 3) {
          process.stderr.write('foreshock demo: abandoned; the agent lease reverts any fault left applied\n');
          process.exit(130);
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // In a terminal, Ctrl-C would signal the whole foreground group, so the servers the demo
      // started would die before it could roll back; raw mode turns Ctrl-C into a byte for us.
      const stdin = process.stdin;
      const onKey = (key: Buffer) => {
        if (key.includes(3)) onSignal();
      };
      if (stdin.isTTY) {
        stdin.setRawMode(true);
        stdin.on('data', onKey);
        stdin.resume();
      }
      try {
        const summary = await runDemo({ cycles, ui: opts.ui, warmupMs, stopSignal });
        const ok =
          summary.orphaned_faults === 0 &&
          summary.leftover_processes === 0 &&
          (cycles === undefined || summary.cycles === cycles);
        console.log(JSON.stringify(summary));
        if (!ok) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (stdin.isTTY) {
          stdin.off('data', onKey);
          stdin.setRawMode(false);
          stdin.pause();
        }
      }
    });
}
