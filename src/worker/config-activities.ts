/**
 * Every foreshock activity built from a config: agent (routed per host), guards, history,
 * telemetry, predict (one call, and the cycle's sharded collect-and-predict) and training. The CLI's worker and `ForeshockPlugin.fromConfig` share it.
 */
import path from 'node:path';
import type { ForeshockConfig } from '../config/schema';
import { AgentRouter } from '../inject/agent-router';
import { PrometheusAdapter } from '../prometheus/adapter';
import { createForeshockActivities } from '../activities';
import { createTelemetryActivities } from '../activities/telemetry';
import { createPredictActivities } from '../activities/predict';
import { createCyclePredictActivities } from '../activities/cycle-predict';
import { createTrainingActivities, type TrainSizes } from '../activities/training';
import { DEFAULT_PREDICTIONS_FILE } from '../report';
import type { Stores } from '../store';
import { createStoreHistoryActivities } from '../store/history-activities';
import { MissingAgentTokenError } from './errors';

export interface ConfigActivityOptions {
  /** Agent bearer token. @default the variable named by config.agent.tokenEnv */
  agentToken?: string | undefined;
  /** The config file: `trainModels` reloads it to see current settings. */
  configPath?: string | undefined;
  /** Where each prediction is appended (what `foreshock report` reads). @default ./.foreshock/predictions.jsonl */
  predictionsFile?: string | undefined;
  /** Smaller training sizes (tests, quick trials). @default the forecaster's defaults */
  trainSizes?: TrainSizes | undefined;
  /** Agent request timeout. @default 4000 */
  agentTimeoutMs?: number | undefined;
  /** Shared stores (PostgreSQL) for outcomes, cooldowns, predictions and models. @default the files the config names */
  stores?: Stores | undefined;
}

export function createConfigActivities(config: ForeshockConfig, options: ConfigActivityOptions = {}) {
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
  const outcomes = path.resolve(config.history.outcomes);
  const { stores } = options;
  const predict = {
    modelsDir: path.resolve(config.models.dir),
    historyFiles: { incidents: path.resolve(config.history.incidents), outcomes },
    predictionsFile: path.resolve(options.predictionsFile ?? DEFAULT_PREDICTIONS_FILE),
    ...(stores ? { stores } : {}),
  };
  return {
    ...createForeshockActivities({
      agent: AgentRouter.fromConfig(config, { token, timeoutMs: options.agentTimeoutMs ?? 4000 }),
      prometheus,
      outcomesFile: outcomes,
    }),
    ...(stores ? createStoreHistoryActivities(stores.history) : {}),
    ...createTelemetryActivities({ prometheus }),
    ...createPredictActivities(predict),
    ...createCyclePredictActivities({
      prometheus,
      predict,
      ...(options.configPath ? { defaultConfigPath: path.resolve(options.configPath) } : {}),
    }),
    ...createTrainingActivities({
      ...(options.configPath ? { defaultConfigPath: path.resolve(options.configPath) } : {}),
      prometheus,
      ...(options.trainSizes ? { trainOptions: options.trainSizes } : {}),
      ...(stores ? { models: stores.models } : {}),
    }),
  };
}

export type ConfigActivities = ReturnType<typeof createConfigActivities>;
