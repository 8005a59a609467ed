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
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { connectTemporal, type TemporalTarget } from '../client/connection';
import { ForeshockClient } from '../client/foreshock-client';
import { createCyclePredictActivities } from '../activities/cycle-predict';
import { applySchedules, scheduleDefinitions } from '../client/schedules';
import { WORKFLOW_TYPES } from '../workflows/messages';
import { startAgent, type RunningAgent } from '../inject/agent';
import { AgentClient } from '../inject/client';
import { PrometheusAdapter } from '../prometheus/adapter';
import { createTelemetryActivities } from '../activities/telemetry';
import { createPredictActivities } from '../activities/predict';
import { createForeshockWorker } from '../worker/worker';
import type { CycleConfig, CycleSummary } from '../workflows/cycle-types';
import type { PredictionResult } from '../predict/types';
import { freePort, waitForPort, waitUntil } from '../testing/ports';
import { PROJECT_ROOT, toolPaths } from '../tools';
import { isOutcomeRecord, isPredictionResult } from '../report/assemble';
import { appendJsonl, readJsonl } from '../report/jsonl';
import { writeReport } from '../report';
import type { OutcomeRecord } from '../report/types';
import { loadDemoConfig } from './config';
import { fileLogger, type ComponentLogger } from './log';
import { pidAlive } from './processes';
import { serveRegistry, type MetricsServer } from './metrics-server';
import { renderProgress, type GuardLight, type ProgressState } from './progress';
import { allocateDemoPorts, DemoStack, descendantsOf } from './stack';
import { DEMO_HISTORY_FILE, readHistoryMeta } from './history';
import { trainOnHistory } from './train';
import {
  backtestSummary,
  modelKinds,
  topScenarios,
  type BacktestSummary,
  type TopScenario,
} from './summary-parts';
import { backtestRange } from '../activities/backtest';
import type { BacktestResult } from '../predict/backtest';

export interface DemoOptions {
  /** Bounded mode: run this many cycles, then stop. Omitted → until Ctrl-C. */
  cycles?: number;
  /** Live terminal view and the Temporal Web UI. @default true */
  ui?: boolean;
  /** Telemetry to gather before the first cycle. @default 10s */
  warmupMs?: number;
  /** Where this run's files go. @default .foreshock/demo/run-<time> */
  runDir?: string;
  /** Human progress (stderr). */
  say?: (line: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  stopSignal?: Promise<void>;
  /**
   * Recorded telemetry (./history.ts) to start from: backfilled into Prometheus, the orders
   * table prefilled to where it ended, the forecasters trained on it before the first cycle.
   * false: start empty. @default config/demo/history.om.gz when present
   */
  history?: string | false;
  /** Runs once the stack is up (the history recorder starts its archive job here). */
  afterStart?: (context: DemoContext) => Promise<void>;
  /** Runs after the last cycle while the stack still runs (the history recorder exports here). */
  beforeStop?: (context: DemoContext) => Promise<void>;
}

/** What a beforeStop hook may read from the running demo. */
export interface DemoContext {
  prometheusUrl: string;
  postgresUrl: string;
  startedMs: number;
  outcomesFile: string;
}

export interface DemoSummary {
  cycles: number;
  injections: number;
  rollbacks: number;
  guard_breaches: number;
  orphaned_faults: number;
  report: string;
  leftover_processes: number;
  temporal_ui?: string;
  run_dir: string;
  /** Forecasters the predictions used, over every signal of every cycle. */
  model_kinds: string[];
  /** Each cycle's top-ranked scenario. */
  top_scenarios: TopScenario[];
  /** The engine replayed over the history and this run (also drawn in the report). */
  backtest?: BacktestSummary;
  /** Minutes of recorded history backfilled, and how long training on it took. */
  history?: { minutes: number; series: number; train_s: number; promoted: number; calibrated: number };
}

/** Counts from the outcome records: an injection is a fault that was applied; a rollback one that was removed again. */
export function tally(outcomes: OutcomeRecord[]) {
  const applied = outcomes.filter(
    (o) => !o.dryRun && o.rollbackPath !== 'inject_failed' && o.rollbackPath !== 'dry_run',
  );
  return {
    injections: applied.length,
    rollbacks: applied.filter((o) => o.verified !== false).length,
    guard_breaches: outcomes.reduce((n, o) => n + o.breaches.length, 0),
  };
}

/** Guards of every resource, red when their PromQL returns any sample. */
async function guardLights(prometheus: PrometheusAdapter, config: CycleConfig): Promise<GuardLight[]> {
  const lights: GuardLight[] = [];
  for (const r of config.resources) {
    for (const g of r.guards) {
      const red = await prometheus.instantQuery(g.expr).then(
        (s) => s.length > 0,
        () => false,
      );
      lights.push({ resource: r.name, guard: g.name, red });
    }
  }
  return lights;
}

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
  const events: string[] = [];
  const event = (text: string, fields: Record<string, unknown> = {}) => {
    events.push(`${new Date().toISOString().slice(11, 19)} ${text}`);
    log.info(text, fields);
    if (!ui) say(text);
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
  const loaded = loadDemoConfig({
    ports,
    agentPort,
    runDir,
    temporalUi: ui,
    apiUnderFiu: tools.fiuRun !== undefined,
  });
  const config = loaded.config;
  const cycleConfig: CycleConfig = {
    resources: config.resources,
    resource_failure_modes: config.resource_failure_modes,
    failure_injection_profile: config.failure_injection_profile,
    prometheus: config.prometheus,
  };
  const predictionsFile = path.join(runDir, 'predictions.jsonl');
  const outcomesFile = config.history.outcomes;
  const token = randomBytes(24).toString('base64url');

  let agent: RunningAgent | undefined;
  let stack: DemoStack | undefined;
  let target: TemporalTarget | undefined;
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
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
  const DEMO_HORIZON_MS = 5 * 60_000;
  const startedMs = Date.now();
  // children this process had before the demo (tsx's esbuild service) are not the demo's
  const preexisting = new Set(descendantsOf([process.pid]));
  let progressTimer: NodeJS.Timeout | undefined;
  let currentCycle: WorkflowHandle | undefined;

  let agentMetrics: MetricsServer | undefined;
  try {
    agentMetrics = await serveRegistry(agentMetricsPort, () => agent?.metrics.registry);
    // 1. the stack, with the agent started between the database and the front end
    stack = await DemoStack.start({
      ports,
      workDir: path.join(runDir, 'stack'),
      startApi: false,
      wiring: {
        nginxUpstream: `127.0.0.1:${ports.apiProxy}`,
        apiDatabase: `127.0.0.1:${ports.dbProxy}`,
        frontDoor: `http://127.0.0.1:${ports.webProxy}`,
      },
      extraTargets: [
        { job: 'foreshock-agent', targets: [`127.0.0.1:${agentMetricsPort}`] },
        { job: 'foreshock-worker', targets: [`127.0.0.1:${workerMetricsPort}`] },
      ],
      log: logger.child('stack'),
      logMetrics: true,
      ...(historyFile ? { history: { file: historyFile }, ordersRows: historyMeta?.ordersRows ?? 0 } : {}),
      afterDatabase: async () => {
        const agentLog: ComponentLogger = logger.child('agent');
        agent = await startAgent({
          config: { resources: config.resources, agent: config.agent },
          listen: `127.0.0.1:${agentPort}`,
          token,
          stateDir: config.agent.stateDir,
          cgroupPrefix: `foreshock-demo-${process.pid}`,
          protectedPids: [process.pid],
          log: (line) => agentLog.info(line),
        });
        await waitForPort(ports.api, 60_000);
        event('agent up: proxies web, api, orders-db; API supervised', { url: agent.url });
      },
    });
    const prometheus = new PrometheusAdapter({ url: config.prometheus.url, timeoutMs: 5000 });
    const agentClient = new AgentClient({ url: `http://127.0.0.1:${agentPort}`, token, timeoutMs: 4000 });
    event('stack up: nginx → API → PostgreSQL, exporters, load with drift, Prometheus', {
      prometheus: config.prometheus.url,
    });
    const context: DemoContext = {
      prometheusUrl: config.prometheus.url,
      postgresUrl: stack.urls.postgres,
      startedMs,
      outcomesFile,
    };
    await options.afterStart?.(context);
    const backfilled = stack.backfilled;
    let training: ReturnType<typeof trainOnHistory> | undefined;
    if (backfilled) {
      const minutes = (backfilled.toMs - backfilled.fromMs) / 60_000;
      event(
        `history: ${minutes.toFixed(0)} min of recorded telemetry backfilled (${backfilled.series} series, ${backfilled.samples} samples); training the forecasters on it`,
      );
      // Ctrl-C during training terminates the training threads
      const stopTraining = new AbortController();
      void options.stopSignal?.then(() => stopTraining.abort());
      training = trainOnHistory({
        config,
        prometheus,
        lookbackMs: Date.now() - backfilled.fromMs,
        horizonMs: DEMO_HORIZON_MS,
        say: (line) => event(line),
        signal: stopTraining.signal,
      });
      // the summary is filled in when the training is awaited, before the first cycle
      training.then(
        ({ models, ms }) => {
          summary.history = {
            minutes: +minutes.toFixed(1),
            series: backfilled.series,
            train_s: +(ms / 1000).toFixed(1),
            promoted: models.filter((m) => m.promoted).length,
            calibrated: models.filter((m) => m.calibration?.status === 'calibrated').length,
          };
        },
        () => undefined,
      );
    }

    // 2. Temporal (embedded dev server), then the worker with every foreshock activity
    // the SDK's metrics for Prometheus, and its logs into the JSON log (the terminal is the live view's)
    const sdkLog = logger.child('temporal-sdk');
    Runtime.install({
      // the demo's own Ctrl-C handling halts first; the SDK must not stop the worker before
      // the cancelled injections have rolled back
      shutdownSignals: [],
      logger: new DefaultLogger(ui ? 'WARN' : 'INFO', (entry) => {
        const fields = { ...(entry.meta ?? {}) };
        if (entry.level === 'ERROR') sdkLog.error(entry.message, fields);
        else if (entry.level === 'WARN') sdkLog.warn(entry.message, fields);
        else sdkLog.info(entry.message, fields);
      }),
      telemetryOptions: {
        metrics: {
          metricPrefix: 'temporal_',
          prometheus: { bindAddress: `127.0.0.1:${workerMetricsPort}`, countersTotalSuffix: true },
        },
      },
    });
    target = await connectTemporal(config, { log: (line) => log.info(line) });
    summary.temporal_ui = target.devServer?.uiUrl;
    say(`Temporal at ${target.address}${summary.temporal_ui ? `, Web UI at ${summary.temporal_ui}` : ''}`);
    say(`Prometheus at ${config.prometheus.url}`);
    const predict = createPredictActivities({
      modelsDir: path.resolve(config.models.dir),
      historyFiles: { incidents: config.history.incidents, outcomes: outcomesFile },
      horizonMs: DEMO_HORIZON_MS,
    });
    worker = await createForeshockWorker({
      connection: await target.nativeConnection(),
      namespace: target.namespace,
      taskQueue: target.taskQueue,
      identity: `foreshock-demo-${process.pid}`,
      agent: agentClient,
      prometheus,
      outcomesFile,
      extraActivities: {
        ...createCyclePredictActivities({
          prometheus,
          predict: {
            modelsDir: path.resolve(config.models.dir),
            historyFiles: { incidents: config.history.incidents, outcomes: outcomesFile },
            horizonMs: 5 * 60_000,
            predictionsFile,
          },
        }),
        ...createTelemetryActivities({ prometheus }),
        // the report reads the predictions back from here
        async predictFailures(
          input: Parameters<typeof predict.predictFailures>[0],
        ): Promise<PredictionResult> {
          const result = await predict.predictFailures(input);
          appendJsonl(predictionsFile, result);
          return result;
        },
      },
    });
    workerRun = worker.run();
    event('worker running', { taskQueue: target.taskQueue });

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
      lastEvents: events,
    };
    let refreshing = false;
    const refresh = async () => {
      if (refreshing) return;
      refreshing = true;
      try {
        state.nowMs = Date.now();
        state.load = { ...(stack?.load?.totals ?? { ok: 0, failed: 0 }) };
        const faults = await agentClient.list().catch(() => []);
        state.activeFaults = faults.filter((f) => f.phase === 'applied');
        state.guards = await guardLights(prometheus, cycleConfig);
        const latest = readJsonl(predictionsFile, isPredictionResult).records.at(-1);
        if (latest) {
          state.topScenarios = [...latest.scenarios].sort((a, b) => b.score - a.score).slice(0, 5);
          state.model = latest.model.kind;
        }
        Object.assign(
          state,
          (({ injections, rollbacks, guard_breaches }) => ({
            injections,
            rollbacks,
            breaches: guard_breaches,
          }))(tally(readJsonl(outcomesFile, isOutcomeRecord).records)),
        );
        if (currentCycle) {
          const cycleStatus = await currentCycle
            .query<{ phase: string }>('cycleStatus')
            .catch(() => undefined);
          if (cycleStatus) state.phase = `cycle ${cycleStatus.phase}`;
        }
        if (ui && process.stderr.isTTY)
          process.stderr.write('\x1b[2J\x1b[H' + renderProgress(state, process.stderr.columns || 100) + '\n');
        else
          log.info('progress', {
            phase: state.phase,
            activeFaults: state.activeFaults.length,
            guards: state.guards,
          });
      } finally {
        refreshing = false;
      }
    };
    progressTimer = setInterval(() => void refresh().catch(() => undefined), ui ? 1000 : 2000);

    // 4. warm-up: the forecaster needs some telemetry first (and its training, when there is history)
    if (training) {
      state.phase = 'training';
      const { models, ms } = await training.catch((err: Error) => {
        event(`training failed (${err.message}): Holt-Winters forecasts alone, uncalibrated`);
        return { models: [], ms: 0 };
      });
      event(
        `training done in ${(ms / 1000).toFixed(1)} s: ${models.filter((m) => m.promoted).length} of ${models.length} nets promoted, ${models.filter((m) => m.calibration?.status === 'calibrated').length} signals calibrated`,
      );
    }
    const warmupMs = options.warmupMs ?? 10_000;
    await waitUntil(
      'first telemetry',
      async () => (await prometheus.instantQuery('loadgen_requests_total')).length > 0,
      { timeoutMs: 60_000 },
    );
    const warmEnd = Date.now() + warmupMs;
    while (Date.now() < warmEnd && !stopRequested) await new Promise((r) => setTimeout(r, 250));

    // 5. cycles: bounded mode starts them itself (so it knows when the N-th is done); the
    // interactive mode applies the config's schedule and follows what Temporal starts.
    const temporal = new Client({ connection: target.connection, namespace: target.namespace });
    const foreshock = new ForeshockClient({
      client: temporal,
      taskQueue: target.taskQueue,
      agent: agentClient,
      config,
    });
    const describeCycle = (i: number | string, s: CycleSummary) =>
      `cycle ${i} done: ${s.considered} scenarios, ${s.injections.length} injected${s.injections
        .map(
          (inj) =>
            ` · ${inj.scenario} → ${inj.rollbackPath ?? '?'}${inj.breached ? ' (guard breached)' : ''}`,
        )
        .join('')}`;
    const stopped = options.stopSignal?.then(() => 'stop' as const) ?? new Promise<never>(() => undefined);
    // result() long-polls: each must settle before the connection closes
    const pendingResults: Promise<unknown>[] = [];
    if (options.cycles !== undefined) {
      for (let i = 1; i <= options.cycles && !stopRequested; i++) {
        state.cycle = i;
        state.phase = 'cycle starting';
        const workflowId = `foreshock-demo-cycle-${runId}-${i}`;
        currentCycle = await temporal.workflow.start('chaosCycle', {
          taskQueue: target.taskQueue,
          workflowId,
          args: [{ config: cycleConfig }],
        });
        event(`cycle ${i} started`, { workflowId });
        const result = currentCycle.result() as Promise<CycleSummary>;
        pendingResults.push(result.catch(() => undefined));
        const done = result.then(
          () => 'done' as const,
          () => 'done' as const,
        );
        if ((await Promise.race([done, stopped])) === 'stop') break;
        try {
          const cycleSummary = await result;
          summary.cycles++;
          event(describeCycle(i, cycleSummary), { summary: cycleSummary });
        } catch (err) {
          summary.cycles++;
          event(`cycle ${i} failed: ${(err as Error).message}`);
        }
        currentCycle = undefined;
      }
    } else {
      const definitions = scheduleDefinitions(config, target.taskQueue);
      await applySchedules(temporal, definitions);
      event(
        `schedule ${definitions.cycle.scheduleId} applied: a cycle every ${config.failure_injection_profile.injection_frequency}`,
      );
      await temporal.schedule.getHandle(definitions.cycle.scheduleId).trigger();
      const followed = new Set<string>();
      const follow = async () => {
        const query = `WorkflowType = '${WORKFLOW_TYPES.cycle}' AND ExecutionStatus = 'Running'`;
        for await (const execution of temporal.workflow.list({ query })) {
          if (followed.has(execution.workflowId + execution.runId)) continue;
          followed.add(execution.workflowId + execution.runId);
          const handle = temporal.workflow.getHandle(execution.workflowId, execution.runId);
          currentCycle = handle;
          state.cycle = followed.size;
          const n = followed.size;
          event(`cycle ${n} started by the schedule`, { workflowId: execution.workflowId });
          const result = (handle.result() as Promise<CycleSummary>).then(
            (cycleSummary) => {
              summary.cycles++;
              event(describeCycle(n, cycleSummary), { summary: cycleSummary });
            },
            (err: Error) => event(`cycle ${n} ended: ${err.message}`),
          );
          pendingResults.push(result);
        }
      };
      while (!stopRequested) {
        await follow().catch((err: Error) => log.warn('listing cycles failed', { error: err.message }));
        await Promise.race([new Promise((r) => setTimeout(r, 1000)), stopped]);
      }
    }
    if (stopRequested) {
      state.phase = 'halting';
      event('halting: schedules paused, running cycles cancelled (their injections roll back)');
      const halt = await foreshock
        .halt({ reason: 'demo stopping', timeoutMs: 30_000 })
        .catch((err: Error) => {
          event(`halt incomplete: ${err.message}`);
          return undefined;
        });
      if (halt) {
        event(
          `halted: ${halt.cancelledWorkflows.length} workflow(s) cancelled, faults gone after ${halt.faultsGoneAfterMs ?? '?'} ms`,
        );
        // the fault is gone before a cancelled injection has recorded its outcome: wait for the
        // workflows to close so the summary counts them
        await Promise.race([
          Promise.allSettled(halt.cancelledWorkflows.map((id) => temporal.workflow.getHandle(id).result())),
          new Promise((r) => setTimeout(r, 20_000)),
        ]);
      }
      currentCycle = undefined;
    }
    await Promise.race([Promise.allSettled(pendingResults), new Promise((r) => setTimeout(r, 15_000))]);
    state.phase = 'stopping';

    // 6. nothing may stay applied: count what the agent still holds, then revert it anyway
    const stillApplied = (await agentClient.list()).filter((f) => f.phase === 'applied');
    summary.orphaned_faults = stillApplied.length;
    for (const f of stillApplied) {
      event(`orphaned fault ${f.faultId} (${f.resource}:${f.mode}): reverting`);
      await agentClient.revert(f.faultId).catch(() => undefined);
    }
    Object.assign(summary, tally(readJsonl(outcomesFile, isOutcomeRecord).records));
    const predictions = readJsonl(predictionsFile, isPredictionResult).records;
    summary.model_kinds = modelKinds(predictions);
    summary.top_scenarios = topScenarios(predictions);
    const up = await prometheus.instantQuery('up').catch(() => []);
    event(`scrape targets: ${up.map((s) => `${s.labels.job}=${s.value}`).join(' ')}`, {
      scrape: Object.fromEntries(up.map((s) => [s.labels.job ?? '?', s.value])),
    });

    await options.beforeStop?.(context);

    // 7. the report, while Prometheus still runs; with history, the engine replayed over it
    let backtest: BacktestResult | undefined;
    if (backfilled) {
      backtest = await backtestRange(config, prometheus, {
        fromMs: backfilled.fromMs,
        toMs: Date.now(),
        horizonMs: DEMO_HORIZON_MS,
        everyMs: 30_000,
      }).then(
        (b) => b.result,
        (err: Error) => {
          event(`backtest skipped: ${err.message}`);
          return undefined;
        },
      );
      if (backtest) {
        summary.backtest = backtestSummary(backtest);
        const t = backtest.totals;
        event(
          `backtest over the history and this run: ${t.failuresForecast}/${t.failures} failures forecast, out-of-fold Brier skill ${backtest.outOfFold.brierSkill.toFixed(3)}`,
        );
      }
    }
    clearInterval(progressTimer);
    progressTimer = undefined;
    await writeReport({
      prometheus,
      resources: config.resources,
      outcomesFile,
      predictionsFile,
      sinceMs: startedMs,
      untilMs: Date.now(),
      title: `foreshock demo · ${new Date(startedMs).toISOString()}`,
      outFile: summary.report,
      ...(backtest ? { backtest } : {}),
    });
    event(`report written to ${summary.report}`);
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    // everything we started is a descendant of this process: remember them, stop, verify
    const started = new Set(descendantsOf([process.pid]));
    if (currentCycle) await currentCycle.cancel().catch(() => undefined);
    if (worker) {
      try {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      } catch (err) {
        log.warn('worker shutdown failed', { error: (err as Error).message });
      }
      await workerRun?.catch((err: Error) => log.warn('worker ended with an error', { error: err.message }));
    }
    await target?.close().catch((err: Error) => log.warn('temporal close failed', { error: err.message }));
    await agent?.stop().catch((err: Error) => log.warn('agent stop failed', { error: err.message }));
    await agentMetrics?.stop();
    const stackLeft = (await stack?.stop().catch(() => [])) ?? [];
    for (const pid of descendantsOf([process.pid])) started.add(pid);
    for (const pid of preexisting) started.delete(pid);
    // a process that got its signal may need a moment to exit
    const stillThere = () => {
      const now = new Set(descendantsOf([process.pid]));
      return [...started].filter((pid) => pidAlive(pid) && now.has(pid));
    };
    let left = stillThere();
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = stillThere();
    }
    summary.leftover_processes = new Set([...left, ...stackLeft]).size;
    if (summary.leftover_processes > 0) log.error('processes left running', { pids: left, stackLeft });
    log.info('demo finished', { ...summary });
  }
  if (!existsSync(summary.report)) summary.report = '';
  return summary;
}
