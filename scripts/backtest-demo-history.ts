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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Command } from 'commander';
import { registerBacktest } from '../src/cli/commands/backtest';
import { backfillHistory, DEMO_HISTORY_FILE, promtoolPath } from '../src/demo/history';
import { renderDemoConfig } from '../src/demo/config';
import { allocateDemoPorts } from '../src/demo/stack';
import { PrometheusServer } from '../src/testing/prometheus';
import { PROJECT_ROOT, toolPaths } from '../src/tools';

const { values, positionals } = parseArgs({
  options: {
    history: { type: 'string', default: DEMO_HISTORY_FILE },
    template: { type: 'string', default: path.join(PROJECT_ROOT, 'config', 'demo', 'foreshock.yaml') },
  },
  allowPositionals: true,
});

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-backtest-'));
  let prometheus: PrometheusServer | undefined;
  try {
    const backfilled = await backfillHistory({
      historyFile: values.history ?? DEMO_HISTORY_FILE,
      tsdbDir: path.join(dir, 'data'),
      endMs: Date.now() - 5000,
      instances: {},
      promtool: promtoolPath(toolPaths().prometheus),
    });
    const ports = await allocateDemoPorts();
    prometheus = await PrometheusServer.start({
      targets: [],
      dataDir: dir,
      port: ports.prometheus,
      rules: readFileSync(path.join(PROJECT_ROOT, 'config', 'demo', 'rules.yml'), 'utf8'),
    });
    const configFile = path.join(dir, 'foreshock.yaml');
    writeFileSync(
      configFile,
      renderDemoConfig(readFileSync(values.template ?? '', 'utf8'), {
        ports,
        agentPort: 1,
        runDir: path.join(dir, 'run'),
        temporalUi: false,
        apiUnderFiu: false,
      }),
    );
    const since = positionals.includes('--since')
      ? []
      : ['--since', `${Math.ceil((Date.now() - backfilled.fromMs) / 60_000)}m`];
    const program = new Command('foreshock').exitOverride();
    registerBacktest(program);
    await program.parseAsync([
      'node',
      'foreshock',
      'backtest',
      '--config',
      configFile,
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
