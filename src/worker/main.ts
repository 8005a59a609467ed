/**
 * The foreshock worker for a config: every foreshock activity (agent, guards, history,
 * telemetry, predict, training) and workflow on the config's task queue, with the SDK's
 * runtime metrics optionally served for Prometheus. A PostgreSQL store it opens is closed when
 * the worker has shut down (its `run` or `runUntil` settled) or failed to start.
 */
import type { Worker } from '@temporalio/worker';
import type { ForeshockConfig } from '../config/schema';
import type { TemporalTarget } from '../client/connection';
import { openPostgresStores } from '../store/postgres';
import type { Stores } from '../store/types';
import { createConfigActivities } from './config-activities';
import { createForeshockWorker } from './worker';
import { installRuntimeMetrics } from './runtime-metrics';

export { MissingAgentTokenError } from './errors';

export interface ConfigWorkerOptions {
  config: ForeshockConfig;
  /** The config file, for the training activity (it reloads the file to see current settings). */
  configPath?: string;
  target: Pick<TemporalTarget, 'nativeConnection' | 'namespace' | 'taskQueue'>;
  /** Agent bearer token. @default the variable named by config.agent.tokenEnv */
  agentToken?: string;
  /** host:port to serve Temporal SDK metrics on (must be set before the first connection). */
  metricsBindAddress?: string;
}

export async function createConfigWorker(options: ConfigWorkerOptions): Promise<Worker> {
  const { config } = options;
  if (options.metricsBindAddress) installRuntimeMetrics(options.metricsBindAddress);
  // store.kind postgres: outcomes, cooldowns, models and predictions shared by every worker
  const stores =
    config.store.url && config.store.kind === 'postgres'
      ? await openPostgresStores({ url: config.store.url })
      : undefined;
  try {
    const activities = createConfigActivities(config, {
      agentToken: options.agentToken,
      configPath: options.configPath,
      stores,
    });
    const worker = await createForeshockWorker({
      connection: await options.target.nativeConnection(),
      namespace: options.target.namespace,
      taskQueue: options.target.taskQueue,
      activities,
    });
    if (stores) closeAfterRun(worker, stores);
    return worker;
  } catch (err) {
    await stores?.close();
    throw err;
  }
}

/** Ends the store's connection pool once the worker's run settles (`runUntil` goes through `run`). */
export function closeAfterRun(worker: Pick<Worker, 'run'>, stores: Pick<Stores, 'close'>): void {
  const run = worker.run.bind(worker);
  worker.run = () => run().finally(() => stores.close());
}
