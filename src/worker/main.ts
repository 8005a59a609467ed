/**
 * The foreshock worker for a config: every foreshock activity (agent, guards, history,
 * telemetry, predict, training) and workflow on the config's task queue, with the SDK's
 * runtime metrics optionally served for Prometheus.
 */
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import type { ForeshockConfig } from '../config/schema';
import { AgentRouter } from '../inject/agent-router';
import { PrometheusAdapter } from '../prometheus/adapter';
import { createTelemetryActivities } from '../activities/telemetry';
import { createPredictActivities } from '../activities/predict';
import { createTrainingActivities } from '../activities/training';
import { DEFAULT_PREDICTIONS_FILE } from '../report';
import type { TemporalTarget } from '../client/connection';
import { openPostgresStores } from '../store/postgres';
import { createStoreHistoryActivities } from '../store/history-activities';
import { createForeshockWorker } from './worker';
import { installRuntimeMetrics } from './runtime-metrics';

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

export class MissingAgentTokenError extends Error {
  override name = 'MissingAgentTokenError';
}

export async function createConfigWorker(options: ConfigWorkerOptions): Promise<Worker> {
  const { config } = options;
  if (options.metricsBindAddress) installRuntimeMetrics(options.metricsBindAddress);
  const token = options.agentToken ?? process.env[config.agent.tokenEnv];
  if (!token) {
    throw new MissingAgentTokenError(
      `no agent token: set ${config.agent.tokenEnv} (config field agent.tokenEnv) to the agent's bearer token`,
    );
  }
  const prometheus = new PrometheusAdapter({
    url: config.prometheus.url,
    timeoutMs: config.prometheus.timeout,
  });
  // store.kind postgres: outcomes, cooldowns, models and predictions shared by every worker
  const stores =
    config.store.url && config.store.kind === 'postgres'
      ? await openPostgresStores({ url: config.store.url })
      : undefined;
  return createForeshockWorker({
    connection: await options.target.nativeConnection(),
    namespace: options.target.namespace,
    taskQueue: options.target.taskQueue,
    agent: AgentRouter.fromConfig(config, { token, timeoutMs: 4000 }),
    prometheus,
    outcomesFile: path.resolve(config.history.outcomes),
    extraActivities: {
      ...(stores ? createStoreHistoryActivities(stores.history) : {}),
      ...createTelemetryActivities({ prometheus }),
      ...createPredictActivities({
        modelsDir: path.resolve(config.models.dir),
        historyFiles: {
          incidents: path.resolve(config.history.incidents),
          outcomes: path.resolve(config.history.outcomes),
        },
        // where `foreshock report` looks by default (run from the same folder)
        predictionsFile: path.resolve(DEFAULT_PREDICTIONS_FILE),
        ...(stores ? { stores } : {}),
      }),
      ...createTrainingActivities({
        ...(options.configPath ? { defaultConfigPath: path.resolve(options.configPath) } : {}),
        prometheus,
        ...(stores ? { models: stores.models } : {}),
      }),
    },
  });
}
