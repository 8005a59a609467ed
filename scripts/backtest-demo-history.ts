/**
 * `foreshock backtest` on the demo's recorded history, without the demo: backfills the recording
 * into a fresh Prometheus (promtool, as the demo does, ending just before now, with the demo's
 * recording rules), writes the demo config pointing at it, runs the backtest command with the
 * arguments given after `--`, then stops Prometheus and removes its files.
 *
 *   npx tsx scripts/backtest-demo-history.ts [--history config/demo/history.om.gz]
 *       [--template config/demo/foreshock.yaml] -- --horizon 5m --every 20s [--json]
 *
 * `--since` is filled in with the recording's span unless given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Command } from 'commander';
import { registerBacktest } from '../src/cli/commands/backtest';
import { startHistoryReplay } from '../src/demo/history-replay';
import type { PrometheusServer } from '../src/testing/prometheus';

const { values, positionals } = parseArgs({
  options: {
    history: { type: 'string' },
    template: { type: 'string' },
  },
  allowPositionals: true,
});

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-backtest-'));
  let prometheus: PrometheusServer | undefined;
  try {
    const replay = await startHistoryReplay({
      dir,
      ...(values.history ? { historyFile: values.history } : {}),
      ...(values.template ? { template: values.template } : {}),
    });
    prometheus = replay.prometheus;
    const since = positionals.includes('--since') ? [] : ['--since', `${replay.minutes}m`];
    const program = new Command('foreshock').exitOverride();
    registerBacktest(program);
    await program.parseAsync([
      'node',
      'foreshock',
      'backtest',
      '--config',
      replay.configFile,
      ...since,
      ...positionals,
    ]);
  } finally {
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`backtest-demo-history: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
