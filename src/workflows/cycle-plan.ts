/**
 * The chaos cycle's pure helpers: its input checks, the plan of an inline config, the shard
 * inputs, and merging the shards' answers. Sandbox-safe and tested without Temporal.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type {
  ChaosCycleInput,
  CollectAndPredictInput,
  CycleConfig,
  CyclePlan,
  CycleScenario,
  ShardPrediction,
} from './cycle-types';
import { FAILURE_TYPES } from './types';

/** Resources per collect-and-predict activity. */
export const DEFAULT_SHARD_SIZE = 100;
export const SHARD_SIZE_RANGE = { min: 1, max: 1000 } as const;

function invalid(field: string, allowed: string, got: unknown): never {
  throw ApplicationFailure.create({
    message: `invalid cycle input: ${field} must be ${allowed} (got ${typeof got === 'number' ? String(got) : (JSON.stringify(got) ?? 'nothing')})`,
    type: FAILURE_TYPES.invalidInput,
    nonRetryable: true,
    details: [{ field, allowed }],
  });
}

/** Checks a cycle input (0.2 on); returns the shard size. */
export function checkCycleInput(input: unknown): number {
  if (input === undefined || input === null) return DEFAULT_SHARD_SIZE;
  if (typeof input !== 'object' || Array.isArray(input)) invalid('input', 'one JSON object', input);
  const i = input as Record<string, unknown>;
  if (i.configPath !== undefined && (typeof i.configPath !== 'string' || i.configPath === ''))
    invalid('configPath', 'a config file path', i.configPath);
  if (i.dryRun !== undefined && typeof i.dryRun !== 'boolean') invalid('dryRun', 'true or false', i.dryRun);
  const size = i.shardSize ?? DEFAULT_SHARD_SIZE;
  if (
    typeof size !== 'number' ||
    !Number.isInteger(size) ||
    size < SHARD_SIZE_RANGE.min ||
    size > SHARD_SIZE_RANGE.max
  )
    invalid('shardSize', `an integer ${SHARD_SIZE_RANGE.min}..${SHARD_SIZE_RANGE.max}`, size);
  if (i.config !== undefined) {
    const c = i.config as Partial<CycleConfig> | null;
    if (!c || !Array.isArray(c.resources) || !c.failure_injection_profile || !c.prometheus)
      invalid('config', 'an object with resources, failure_injection_profile and prometheus', '…');
  }
  return size;
}

/** The plan of a config passed inline (what planCycle returns for a referenced one). */
export function planOf(config: CycleConfig): CyclePlan {
  const p = config.failure_injection_profile;
  return {
    profile: {
      enabled: p.enabled,
      severity_threshold: p.severity_threshold,
      max_concurrent: p.max_concurrent,
      cooldown: p.cooldown,
      dry_run: p.dry_run,
      monitor_interval: p.monitor_interval,
      lease: p.lease,
      rollback_policy: p.rollback_policy,
    },
    resourceCount: config.resources.length,
  };
}

/** One collect-and-predict input per shard; an inline config is sliced so no shard carries it all. */
export function shardInputs(input: ChaosCycleInput, plan: CyclePlan, size: number): CollectAndPredictInput[] {
  const count = Math.ceil(plan.resourceCount / size);
  return Array.from({ length: count }, (_, index) => {
    if (!input.config) {
      return { ...(input.configPath ? { configPath: input.configPath } : {}), shard: { index, size } };
    }
    const resources = input.config.resources.slice(index * size, (index + 1) * size);
    return { config: { ...input.config, resources }, shard: { index: 0, size: resources.length } };
  });
}

export interface MergedPrediction {
  scenarios: CycleScenario[];
  redGuards: string[];
  firingAlerts: string[];
  model: ShardPrediction['model'] | null;
  signals: ShardPrediction['signals'];
  belowThreshold: number;
  sameResource: number;
}

export function mergeShards(shards: ShardPrediction[]): MergedPrediction {
  const trained = shards.find((s) => s.model.kind !== 'trend');
  return {
    scenarios: shards.flatMap((s) => s.scenarios),
    redGuards: shards.flatMap((s) => s.redGuards),
    firingAlerts: shards.flatMap((s) => s.firingAlerts),
    model: (trained ?? shards[0])?.model ?? null,
    signals: {
      total: shards.reduce((n, s) => n + s.signals.total, 0),
      stale: shards.reduce((n, s) => n + s.signals.stale, 0),
      failed: shards.reduce((n, s) => n + s.signals.failed, 0),
    },
    belowThreshold: shards.reduce((n, s) => n + s.belowThreshold, 0),
    sameResource: shards.reduce((n, s) => n + (s.sameResource ?? 0), 0),
  };
}
