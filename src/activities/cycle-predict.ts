/**
 * The chaos cycle's side of prediction, inside the worker: load the config a cycle refers to,
 * collect one shard's telemetry and score it, and return only the scenarios worth selecting
 * plus a compact summary. Telemetry windows and forecasts never enter the workflow history,
 * so a cycle over hundreds of resources keeps every payload small.
 *
 *   planCycle(configPath) ─▶ collectAndPredict(shard 0..n) ─▶ scenarios + counts
 *   runningInjections ─▶ resources with an injection running now (max_concurrent)
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { loadConfig } from '../config/loader';
import { ConfigValidationError } from '../config/errors';
import type { ForeshockConfig } from '../config/schema';
import { createTelemetryActivities } from './telemetry';
import { createPredictActivities, type PredictActivityDeps } from './predict';
import type { PrometheusAdapter } from '../prometheus/adapter';
import type {
  CollectAndPredictInput,
  CycleConfig,
  CyclePlan,
  ShardPrediction,
} from '../workflows/cycle-types';
import { planOf } from '../workflows/cycle-plan';
import { WORKFLOW_TYPES } from '../workflows/messages';
import { searchAttributeKeys } from '../workflows/search-attributes';
import { FAILURE_TYPES } from '../workflows/types';
import { atOrAbove } from '../workflows/severity';

export interface CyclePredictActivityDeps {
  prometheus: PrometheusAdapter;
  predict: PredictActivityDeps;
  /** The worker's own config file: used when a cycle names none. */
  defaultConfigPath?: string;
  /** @default loadConfig */
  loadConfig?: (file: string) => Promise<{ config: ForeshockConfig }>;
}

/** Failure messages stay small: a config with hundreds of problems must not make a huge payload. */
const MAX_MESSAGE = 4000;

function badConfig(message: string): ApplicationFailure {
  const short = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}… (truncated)` : message;
  return ApplicationFailure.create({ message: short, type: FAILURE_TYPES.invalidInput, nonRetryable: true });
}

/**
 * The highest-scoring scenario of each resource. The cycle injects at most one fault per
 * resource and every other skip reason (guards red, alert, cooldown, max_concurrent) holds for
 * the whole resource, so the runners-up could never be chosen: they stay in the worker.
 */
export function bestPerResource<T extends { resource: string; score: number; id: string }>(
  scenarios: readonly T[],
): T[] {
  const best = new Map<string, T>();
  for (const s of scenarios) {
    const current = best.get(s.resource);
    if (!current || s.score > current.score || (s.score === current.score && s.id < current.id))
      best.set(s.resource, s);
  }
  return [...best.values()];
}

export function createCyclePredictActivities(deps: CyclePredictActivityDeps) {
  const load = deps.loadConfig ?? ((file: string) => loadConfig(file));
  const telemetry = createTelemetryActivities({ prometheus: deps.prometheus });
  const predict = createPredictActivities(deps.predict);

  async function configOf(input: { configPath?: string; config?: CycleConfig }): Promise<CycleConfig> {
    if (input.config) return input.config;
    const file = input.configPath ?? deps.defaultConfigPath;
    if (!file) throw badConfig('the cycle names no config (configPath) and the worker has no default config');
    try {
      return (await load(file)).config;
    } catch (err) {
      // A broken config file will not fix itself on retry; the message names file:line:col.
      if (err instanceof ConfigValidationError) throw badConfig(err.message);
      throw err;
    }
  }

  return {
    async planCycle(input: { configPath?: string }): Promise<CyclePlan> {
      return planOf(await configOf(input));
    },

    async collectAndPredict(input: CollectAndPredictInput): Promise<ShardPrediction> {
      const config = await configOf(input);
      const { index, size } = input.shard;
      const resources = config.resources.slice(index * size, (index + 1) * size);
      const beat = setInterval(() => Context.current().heartbeat(), 1000);
      try {
        const snapshot = await telemetry.collectTelemetry({
          resources,
          lookbackMs: config.prometheus.lookback,
          stepMs: config.prometheus.step,
        });
        const prediction = await predict.predictFailures({
          snapshot,
          config: {
            resources,
            resource_failure_modes: config.resource_failure_modes,
            failure_injection_profile: config.failure_injection_profile,
          },
        });
        const threshold = config.failure_injection_profile.severity_threshold;
        const eligible = prediction.scenarios.filter((s) => atOrAbove(s.severity, threshold));
        const kept = bestPerResource(eligible);
        const guardsOf = new Map(
          resources.map((r) => [r.name, r.guards.map((g) => ({ name: g.name, expr: g.expr, forMs: g.for }))]),
        );
        return {
          scenarios: kept.map((s) => ({ ...s, guards: guardsOf.get(s.resource) ?? [] })),
          redGuards: snapshot.redGuards,
          firingAlerts: snapshot.firingAlerts,
          model: prediction.model,
          resources: resources.length,
          signals: {
            total: snapshot.signals.length,
            stale: snapshot.signals.filter((s) => s.stale).length,
            failed: snapshot.signals.filter((s) => s.values.length === 0).length,
          },
          belowThreshold: prediction.scenarios.length - eligible.length,
          sameResource: eligible.length - kept.length,
        };
      } finally {
        clearInterval(beat);
      }
    },

    async runningInjections(input: {
      taskQueue?: string;
      excludeWorkflowIdPrefix?: string;
    }): Promise<string[]> {
      const { client, info } = Context.current();
      const taskQueue = input.taskQueue ?? info.taskQueue;
      const query = `WorkflowType = '${WORKFLOW_TYPES.injection}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replace(/'/g, "\\'")}'`;
      const resources: string[] = [];
      for await (const execution of client.workflow.list({ query })) {
        if (input.excludeWorkflowIdPrefix && execution.workflowId.startsWith(input.excludeWorkflowIdPrefix))
          continue;
        resources.push(
          execution.typedSearchAttributes.get(searchAttributeKeys.resource) ?? execution.workflowId,
        );
      }
      return resources;
    },
  };
}

export type CyclePredictActivities = ReturnType<typeof createCyclePredictActivities>;
