/**
 * The demo's recorded history, replayed without the demo: backfilled into a fresh Prometheus
 * (ending just before now, with the demo's recording rules) and a demo config that points at
 * it. `scripts/backtest-demo-history.ts` and the backtest integration test run on this.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PrometheusServer } from '../testing/prometheus';
import { PROJECT_ROOT, toolPaths } from '../tools';
import { renderDemoConfig } from './config';
import { backfillHistory, DEMO_HISTORY_FILE, promtoolPath } from './history';
import { allocateDemoPorts } from './stack';

export interface HistoryReplayOptions {
  /** A folder of the caller's; the TSDB, the config and the run folder go inside it. */
  dir: string;
  /** @default config/demo/history.om.gz */
  historyFile?: string;
  /** @default config/demo/foreshock.yaml */
  template?: string;
}

export interface HistoryReplay {
  prometheus: PrometheusServer;
  configFile: string;
  /** The recording's span up to now, whole minutes (what `--since` needs to cover it). */
  minutes: number;
}

export async function startHistoryReplay(options: HistoryReplayOptions): Promise<HistoryReplay> {
  const demoDir = path.join(PROJECT_ROOT, 'config', 'demo');
  const backfilled = await backfillHistory({
    historyFile: options.historyFile ?? DEMO_HISTORY_FILE,
    tsdbDir: path.join(options.dir, 'data'),
    endMs: Date.now() - 5000,
    instances: {},
    promtool: promtoolPath(toolPaths().prometheus),
  });
  const minutes = Math.ceil((Date.now() - backfilled.fromMs) / 60_000);
  const ports = await allocateDemoPorts();
  const prometheus = await PrometheusServer.start({
    targets: [],
    dataDir: options.dir,
    port: ports.prometheus,
    rules: readFileSync(path.join(demoDir, 'rules.yml'), 'utf8'),
  });
  const configFile = path.join(options.dir, 'foreshock.yaml');
  writeFileSync(
    configFile,
    renderDemoConfig(readFileSync(options.template ?? path.join(demoDir, 'foreshock.yaml'), 'utf8'), {
      ports,
      agentPort: 1,
      runDir: path.join(options.dir, 'run'),
      temporalUi: false,
      apiUnderFiu: false,
    }),
  );
  return { prometheus, configFile, minutes };
}
