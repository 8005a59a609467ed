/**
 * `npm run demo`: foreshock against the real demo stack on this machine.
 *
 *   embedded Temporal (+ Web UI) ─ worker (all activities, workflows) ─ chaos cycles
 *   PostgreSQL ─ agent (proxies web/api/orders-db, supervises the API) ─ nginx ─ exporters
 *   load generator with drift ─ Prometheus scraping everything (stack, agent, worker)
 *
 * Bounded mode (`--cycles N`) runs N cycles and prints one JSON object as the last stdout line.
 * Ctrl-C (or the end) halts: cancels the running cycle (its injection rolls back in a
 * non-cancellable scope), checks the agent holds no applied fault, writes the report, and
 * stops every process the demo started, then checks none is left.
 *
 * The parts: ./environment.ts (stack, agent, Temporal, worker, teardown), ./train.ts (history
 * training), ./live-view.ts, ./cycles.ts, ./finish.ts (settling, backtest, report).
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { ForeshockClient } from '../client/foreshock-client';
import { AgentClient } from '../inject/client';
import { PrometheusAdapter } from '../prometheus/adapter';
import type { CycleConfig } from '../workflows/cycle-types';
import type { BacktestResult } from '../predict/backtest';
import { freePort, waitUntil } from '../testing/ports';
import { PROJECT_ROOT, toolPaths } from '../tools';
import { loadDemoConfig } from './config';
import { runCycles, haltCycles } from './cycles';
import {
  installSdkRuntime,
  startStackWithAgent,
  startTemporalAndWorker,
  teardown,
  type DemoHandles,
} from './environment';
import { backtestSince, settle, writeDemoReport } from './finish';
import { DEMO_HISTORY_FILE, readHistoryMeta } from './history';
import { startLiveView } from './live-view';
import { fileLogger } from './log';
import { serveRegistry } from './metrics-server';
import type { ProgressState } from './progress';
import { allocateDemoPorts, descendantsOf } from './stack';
import { finishTraining, startHistoryTraining } from './train';
import {
  DEMO_HORIZON_MS,
  type DemoContext,
  type DemoEvents,
  type DemoOptions,
  type DemoSummary,
} from './types';

export { tally } from './summary-parts';
export { DEMO_HORIZON_MS, DEMO_LOAD } from './types';
export type { DemoContext, DemoOptions, DemoSummary } from './types';

export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const ui = options.ui ?? true;
  const say = options.say ?? ((line: string) => process.stderr.write(line + '\n'));
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const runDir = path.resolve(
    options.runDir ?? path.join(PROJECT_ROOT, '.foreshock', 'demo', `run-${runId}`),
  );
  mkdirSync(runDir, { recursive: true });
  chmodSync(runDir, 0o755);
  const logger = fileLogger(path.join(runDir, 'demo.log'));
  const log = logger.child('demo');
  const lines: string[] = [];
  const events: DemoEvents = {
    lines,
    event: (text, fields = {}) => {
      lines.push(`${new Date().toISOString().slice(11, 19)} ${text}`);
      log.info(text, fields);
      if (!ui) say(text);
    },
  };
  say(`foreshock demo: files and JSON logs in ${runDir}`);

  const historyFile =
    options.history === false
      ? undefined
      : (options.history ?? (existsSync(DEMO_HISTORY_FILE) ? DEMO_HISTORY_FILE : undefined));
  const historyMeta = historyFile ? readHistoryMeta(historyFile) : undefined;
  const ports = await allocateDemoPorts();
  const agentPort = await freePort();
  const workerMetricsPort = await freePort();
  const agentMetricsPort = await freePort();
  const tools = toolPaths();
  const { config } = loadDemoConfig({
    ports,
    agentPort,
    runDir,
    temporalUi: ui,
    apiUnderFiu: tools.fiuRun !== undefined,
  });
  const cycleConfig: CycleConfig = {
    resources: config.resources,
    resource_failure_modes: config.resource_failure_modes,
    failure_injection_profile: config.failure_injection_profile,
    prometheus: config.prometheus,
  };
  const predictionsFile = path.join(runDir, 'predictions.jsonl');
  const outcomesFile = config.history.outcomes;
  const token = randomBytes(24).toString('base64url');

  const handles: DemoHandles = {};
  let stopRequested = false;
  void options.stopSignal?.then(() => {
    stopRequested = true;
  });
  const summary: DemoSummary = {
    cycles: 0,
    injections: 0,
    rollbacks: 0,
    guard_breaches: 0,
    orphaned_faults: 0,
    report: path.join(runDir, 'report.html'),
    leftover_processes: 0,
    run_dir: runDir,
    model_kinds: [],
    top_scenarios: [],
  };
  const startedMs = Date.now();
  // children this process had before the demo (tsx's esbuild service) are not the demo's
  const preexisting = new Set(descendantsOf([process.pid]));

  try {
    handles.agentMetrics = await serveRegistry(agentMetricsPort, () => handles.agent?.metrics.registry);
    // 1. the stack, with the agent started between the database and the front end
    const stack = await startStackWithAgent(handles, {
      config,
      ports,
      agentPort,
      agentMetricsPort,
      workerMetricsPort,
      token,
      runDir,
      logger,
      events,
      ...(historyFile ? { historyFile } : {}),
      ...(historyMeta ? { historyMeta } : {}),
    });
    const prometheus = new PrometheusAdapter({ url: config.prometheus.url, timeoutMs: 5000 });
    const agentClient = new AgentClient({ url: `http://127.0.0.1:${agentPort}`, token, timeoutMs: 4000 });
    events.event('stack up: nginx → API → PostgreSQL, exporters, load with drift, Prometheus', {
      prometheus: config.prometheus.url,
    });
    const context: DemoContext = {
      config,
      prometheusUrl: config.prometheus.url,
      postgresUrl: stack.urls.postgres,
      startedMs,
      outcomesFile,
    };
    await options.afterStart?.(context);
    const backfilled = stack.backfilled;
    const training = backfilled
      ? startHistoryTraining({
          backfilled,
          config,
          prometheus,
          horizonMs: DEMO_HORIZON_MS,
          summary,
          events,
          ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
        })
      : undefined;

    // 2. Temporal (embedded dev server), then the worker with every foreshock activity
    installSdkRuntime(logger, ui, workerMetricsPort);
    const { target } = await startTemporalAndWorker(handles, {
      config,
      prometheus,
      agentClient,
      outcomesFile,
      predictionsFile,
      log,
    });
    summary.temporal_ui = target.devServer?.uiUrl;
    say(`Temporal at ${target.address}${summary.temporal_ui ? `, Web UI at ${summary.temporal_ui}` : ''}`);
    say(`Prometheus at ${config.prometheus.url}`);
    events.event('worker running', { taskQueue: target.taskQueue });

    // 3. live view
    const state: ProgressState = {
      nowMs: Date.now(),
      startedMs,
      cycle: 0,
      cycles: options.cycles,
      phase: 'warming up',
      temporalUi: summary.temporal_ui,
      prometheus: config.prometheus.url,
      topScenarios: [],
      activeFaults: [],
      guards: [],
      injections: 0,
      rollbacks: 0,
      breaches: 0,
      load: { ok: 0, failed: 0 },
      lastEvents: events.lines,
    };
    handles.progressTimer = startLiveView({
      state,
      ui,
      prometheus,
      agentClient,
      cycleConfig,
      stack,
      predictionsFile,
      outcomesFile,
      currentCycle: () => handles.currentCycle,
      log,
    });

    // 4. warm-up: the forecaster needs some telemetry first (and its training, when there is history)
    if (training) {
      state.phase = 'training';
      await finishTraining(training, events);
    }
    const warmupMs = options.warmupMs ?? 10_000;
    await waitUntil(
      'first telemetry',
      async () => (await prometheus.instantQuery('loadgen_requests_total')).length > 0,
      { timeoutMs: 60_000 },
    );
    const warmEnd = Date.now() + warmupMs;
    while (Date.now() < warmEnd && !stopRequested) await new Promise((r) => setTimeout(r, 250));

    // 5. cycles
    const temporal = new Client({ connection: target.connection, namespace: target.namespace });
    const foreshock = new ForeshockClient({
      client: temporal,
      taskQueue: target.taskQueue,
      agent: agentClient,
      config,
    });
    const stopped = options.stopSignal?.then(() => 'stop' as const) ?? new Promise<never>(() => undefined);
    const pendingResults = await runCycles({
      temporal,
      taskQueue: target.taskQueue,
      config,
      cycleConfig,
      runId,
      ...(options.cycles !== undefined ? { cycles: options.cycles } : {}),
      handles,
      state,
      summary,
      events,
      log,
      stopRequested: () => stopRequested,
      stopped,
    });
    if (stopRequested) {
      state.phase = 'halting';
      await haltCycles(foreshock, temporal, events);
      handles.currentCycle = undefined;
    }
    await Promise.race([Promise.allSettled(pendingResults), new Promise((r) => setTimeout(r, 15_000))]);
    state.phase = 'stopping';

    // 6. nothing may stay applied: count what the agent still holds, then revert it anyway
    await settle({ agentClient, prometheus, outcomesFile, predictionsFile, summary, events });

    await options.beforeStop?.(context);

    // 7. the report, while Prometheus still runs; with history, the engine replayed over it
    let backtest: BacktestResult | undefined;
    if (backfilled)
      backtest = await backtestSince({ config, prometheus, fromMs: backfilled.fromMs, summary, events });
    clearInterval(handles.progressTimer);
    handles.progressTimer = undefined;
    await writeDemoReport({
      config,
      prometheus,
      outcomesFile,
      predictionsFile,
      startedMs,
      summary,
      ...(backtest ? { backtest } : {}),
      events,
    });
  } finally {
    summary.leftover_processes = await teardown(handles, preexisting, log);
    log.info('demo finished', { ...summary });
  }
  if (!existsSync(summary.report)) summary.report = '';
  return summary;
}
