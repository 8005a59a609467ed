/**
 * foreshock's package entry (Node side). Workflows live behind the sandbox-safe
 * `foreshock/workflows` entry instead.
 */
export { ForeshockClient, type ForeshockClientOptions, type HaltReport } from './client/foreshock-client';
export * from './client/errors';
export { applySchedules, scheduleDefinitions, scheduleIds, SCHEDULE_PREFIX } from './client/schedules';
export { connectTemporal, type TemporalTarget } from './client/connection';
export {
  ForeshockPlugin,
  FORESHOCK_WORKFLOWS_PATH,
  ACTIVITY_ROUTING_INTERCEPTOR_PATH,
  type ForeshockPluginOptions,
  type ForeshockPluginBuiltOptions,
  type ForeshockPluginCommonOptions,
  type ForeshockPluginConfigOptions,
  type ForeshockWorkerRole,
} from './worker/plugin';
export * from './worker/errors';
export {
  FORESHOCK_ACTIVITY_NAMES,
  ACTIVITY_QUEUE_SUFFIX,
  foreshockActivityQueue,
  type ForeshockActivityName,
} from './worker/activity-names';
export { checkSearchAttributes, searchAttributeCreateCommand } from './worker/search-attribute-check';
export { FORESHOCK_SEARCH_ATTRIBUTES } from './worker/dev-server';
export {
  createConfigActivities,
  type ConfigActivityOptions,
  type ConfigActivities,
} from './worker/config-activities';
export { createForeshockWorker, type ForeshockWorkerOptions } from './worker/worker';
export { createConfigWorker, type ConfigWorkerOptions } from './worker/main';
export { installRuntimeMetrics } from './worker/runtime-metrics';
export {
  createForeshockActivities,
  createInjectActivities,
  createGuardActivities,
  createHistoryActivities,
  type ForeshockActivities,
} from './activities';
export { createTelemetryActivities } from './activities/telemetry';
export { createPredictActivities, type PredictActivityDeps } from './activities/predict';
export {
  createCyclePredictActivities,
  type CyclePredictActivityDeps,
  type CyclePredictActivities,
} from './activities/cycle-predict';
export {
  createTrainingActivities,
  type TrainingActivityDeps,
  type TrainSizes,
  type TrainedModelSummary,
} from './activities/training';
export { PrometheusAdapter } from './prometheus/adapter';
export { loadConfig, parseConfigText, ConfigValidationError, type LoadedConfig } from './config';
export type { ForeshockConfig, RollbackPolicy, Severity } from './config/schema';
export type { FailureScenario, PredictionResult, TelemetrySnapshot } from './predict/types';
export type {
  InjectionInput,
  InjectionOutcome,
  InjectionStatus,
  AbortAck,
  GuardSpec,
  GuardBreach,
} from './workflows/types';
export type { ChaosCycleInput, CycleSummary } from './workflows/cycle-types';
export { abortUpdate, statusQuery, cycleStatusQuery, WORKFLOW_TYPES } from './workflows/messages';
export { AgentClient, AgentApiError } from './inject/client';
export { AgentRouter, type AgentTarget } from './inject/agent-router';
export { startAgent, type AgentOptions, type RunningAgent } from './inject/agent';
