/**
 * foreshock's package entry (Node side). Workflows live behind the sandbox-safe
 * `foreshock/workflows` entry instead.
 */
export { ForeshockClient, type ForeshockClientOptions, type HaltReport } from './client/foreshock-client';
export * from './client/errors';
export { applySchedules, scheduleDefinitions, scheduleIds, SCHEDULE_PREFIX } from './client/schedules';
export { connectTemporal, type TemporalTarget } from './client/connection';
export { ForeshockPlugin, FORESHOCK_WORKFLOWS_PATH, type ForeshockPluginOptions } from './worker/plugin';
export { createForeshockWorker, type ForeshockWorkerOptions } from './worker/worker';
export { createConfigWorker } from './worker/main';
export { installRuntimeMetrics } from './worker/runtime-metrics';
export { createForeshockActivities, type ForeshockActivities } from './activities';
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
