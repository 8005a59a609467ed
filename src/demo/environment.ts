/**
 * The demo's environment: the stack with the agent started in it, the Temporal SDK runtime,
 * the embedded Temporal server and the worker with every foreshock activity; and its teardown,
 * which stops everything the demo started and counts what is left. What has started is kept
 * in `DemoHandles` as it starts, so a failure half-way still stops the parts that did.
 */
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { connectTemporal, type TemporalTarget } from '../client/connection';
import { createCyclePredictActivities } from '../activities/cycle-predict';
import { createTelemetryActivities } from '../activities/telemetry';
import { createPredictActivities } from '../activities/predict';
import type { ForeshockConfig } from '../config/schema';
import { startAgent, type RunningAgent } from '../inject/agent';
import type { AgentClient } from '../inject/client';
import type { PrometheusAdapter } from '../prometheus/adapter';
import type { PredictionResult } from '../predict/types';
import { appendJsonl } from '../report/jsonl';
import { waitForPort } from '../testing/ports';
import { createForeshockWorker } from '../worker/worker';
import type { HistoryMeta } from './history';
import type { ComponentLogger, DemoLogger } from './log';
import type { MetricsServer } from './metrics-server';
import { pidAlive } from './processes';
import { DemoStack, descendantsOf, type DemoPorts } from './stack';
import { DEMO_HORIZON_MS, DEMO_LOAD, type DemoEvents } from './types';

/** Everything the demo started, filled in as it starts. */
export interface DemoHandles {
  agent?: RunningAgent;
  agentMetrics?: MetricsServer;
  stack?: DemoStack;
  target?: TemporalTarget;
  worker?: Worker;
  workerRun?: Promise<void>;
  progressTimer?: NodeJS.Timeout;
  /** The cycle running now, cancelled on the way out. */
  currentCycle?: WorkflowHandle;
}

export interface StackStartOptions {
  config: ForeshockConfig;
  ports: DemoPorts;
  agentPort: number;
  agentMetricsPort: number;
  workerMetricsPort: number;
  token: string;
  runDir: string;
  logger: DemoLogger;
  events: DemoEvents;
  historyFile?: string;
  historyMeta?: HistoryMeta;
}

/** The stack, with the agent started between the database and the front end. */
export async function startStackWithAgent(handles: DemoHandles, o: StackStartOptions): Promise<DemoStack> {
  const { config, ports } = o;
  handles.stack = await DemoStack.start({
    ports,
    workDir: path.join(o.runDir, 'stack'),
    startApi: false,
    load: DEMO_LOAD,
    wiring: {
      nginxUpstream: `127.0.0.1:${ports.apiProxy}`,
      apiDatabase: `127.0.0.1:${ports.dbProxy}`,
      frontDoor: `http://127.0.0.1:${ports.webProxy}`,
    },
    extraTargets: [
      { job: 'foreshock-agent', targets: [`127.0.0.1:${o.agentMetricsPort}`] },
      { job: 'foreshock-worker', targets: [`127.0.0.1:${o.workerMetricsPort}`] },
    ],
    log: o.logger.child('stack'),
    logMetrics: true,
    ...(o.historyFile
      ? { history: { file: o.historyFile }, ordersRows: o.historyMeta?.ordersRows ?? 0 }
      : {}),
    afterDatabase: async () => {
      const agentLog: ComponentLogger = o.logger.child('agent');
      handles.agent = await startAgent({
        config: { resources: config.resources, agent: config.agent },
        listen: `127.0.0.1:${o.agentPort}`,
        token: o.token,
        stateDir: config.agent.stateDir,
        cgroupPrefix: `foreshock-demo-${process.pid}`,
        protectedPids: [process.pid],
        log: (line) => agentLog.info(line),
      });
      await waitForPort(ports.api, 60_000);
      o.events.event('agent up: proxies web, api, orders-db; API supervised', { url: handles.agent.url });
    },
  });
  return handles.stack;
}

/** The SDK's metrics for Prometheus, and its logs into the JSON log (the terminal is the live view's). */
export function installSdkRuntime(logger: DemoLogger, ui: boolean, workerMetricsPort: number): void {
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
}

export interface WorkerStartOptions {
  config: ForeshockConfig;
  prometheus: PrometheusAdapter;
  agentClient: AgentClient;
  outcomesFile: string;
  predictionsFile: string;
  log: ComponentLogger;
}

/** The embedded Temporal server, then the worker with every foreshock activity (predictions also go to predictionsFile). */
export async function startTemporalAndWorker(
  handles: DemoHandles,
  o: WorkerStartOptions,
): Promise<{ target: TemporalTarget; worker: Worker }> {
  const { config, prometheus, outcomesFile, predictionsFile } = o;
  const target = await connectTemporal(config, { log: (line) => o.log.info(line) });
  handles.target = target;
  const historyFiles = { incidents: config.history.incidents, outcomes: outcomesFile };
  const predict = createPredictActivities({
    modelsDir: path.resolve(config.models.dir),
    historyFiles,
    horizonMs: DEMO_HORIZON_MS,
  });
  const worker = await createForeshockWorker({
    connection: await target.nativeConnection(),
    namespace: target.namespace,
    taskQueue: target.taskQueue,
    identity: `foreshock-demo-${process.pid}`,
    agent: o.agentClient,
    prometheus,
    outcomesFile,
    extraActivities: {
      ...createCyclePredictActivities({
        prometheus,
        predict: {
          modelsDir: path.resolve(config.models.dir),
          historyFiles,
          horizonMs: DEMO_HORIZON_MS,
          predictionsFile,
        },
      }),
      ...createTelemetryActivities({ prometheus }),
      // the report reads the predictions back from here
      async predictFailures(input: Parameters<typeof predict.predictFailures>[0]): Promise<PredictionResult> {
        const result = await predict.predictFailures(input);
        appendJsonl(predictionsFile, result);
        return result;
      },
    },
  });
  handles.worker = worker;
  handles.workerRun = worker.run();
  return { target, worker };
}

/**
 * Stops everything the demo started (the cycle, the worker, Temporal, the agent, the stack)
 * and resolves to how many of its processes are still alive. `preexisting`: children this
 * process had before the demo (tsx's esbuild service), which are not the demo's.
 */
export async function teardown(
  handles: DemoHandles,
  preexisting: ReadonlySet<number>,
  log: ComponentLogger,
): Promise<number> {
  if (handles.progressTimer) clearInterval(handles.progressTimer);
  // everything we started is a descendant of this process: remember them, stop, verify
  const started = new Set(descendantsOf([process.pid]));
  if (handles.currentCycle) await handles.currentCycle.cancel().catch(() => undefined);
  const { worker } = handles;
  if (worker) {
    try {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    } catch (err) {
      log.warn('worker shutdown failed', { error: (err as Error).message });
    }
    await handles.workerRun?.catch((err: Error) =>
      log.warn('worker ended with an error', { error: err.message }),
    );
  }
  await handles.target
    ?.close()
    .catch((err: Error) => log.warn('temporal close failed', { error: err.message }));
  await handles.agent?.stop().catch((err: Error) => log.warn('agent stop failed', { error: err.message }));
  await handles.agentMetrics?.stop();
  const stackLeft = (await handles.stack?.stop().catch(() => [])) ?? [];
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
  const leftover = new Set([...left, ...stackLeft]).size;
  if (leftover > 0) log.error('processes left running', { pids: left, stackLeft });
  return leftover;
}
