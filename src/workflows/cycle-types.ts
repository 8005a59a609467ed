/**
 * Shapes of the chaos cycle: its input, its compact summary, and the contract of the
 * Predictive Failure Engine's activities it calls (telemetry, predict).
 */
import type { ForeshockConfig, ProfileConfig } from '../config/schema';
import type { FailureScenario, PredictionResult, TelemetrySnapshot } from '../predict/types';
import type { GuardSpec, RollbackPath, Verdict } from './types';

/** The parts of the config a cycle needs when it is passed inline. */
export type CycleConfig = Pick<
  ForeshockConfig,
  'resources' | 'resource_failure_modes' | 'failure_injection_profile' | 'prometheus'
>;

/**
 * A chaos cycle's input: a reference to the config the worker loads (what a schedule
 * carries), or the config inline (small setups, tests). With neither, the worker's own
 * config is used.
 */
export interface ChaosCycleInput {
  /** A config file path, read on the worker. */
  configPath?: string;
  config?: CycleConfig;
  /** Overrides the profile's dry_run for this cycle. */
  dryRun?: boolean;
  /** Resources per collect-and-predict activity. @default 100 */
  shardSize?: number;
}

/** The profile settings the cycle decides with (plain JSON, no schema). */
export type CycleProfile = Pick<
  ProfileConfig,
  | 'enabled'
  | 'severity_threshold'
  | 'max_concurrent'
  | 'cooldown'
  | 'dry_run'
  | 'monitor_interval'
  | 'lease'
  | 'rollback_policy'
>;

/** What the worker tells the cycle about a referenced config before the shards run. */
export interface CyclePlan {
  profile: CycleProfile;
  resourceCount: number;
}

/** A scenario as a shard returns it: with the resource's guards, ready to become an injection. */
export interface CycleScenario extends FailureScenario {
  guards: GuardSpec[];
}

export interface CollectAndPredictInput {
  configPath?: string;
  config?: CycleConfig;
  /** Which resources: `resources.slice(index × size, (index + 1) × size)`. */
  shard: { index: number; size: number };
}

/** One shard's answer: scenarios at or above the severity threshold and a compact summary. */
export interface ShardPrediction {
  scenarios: CycleScenario[];
  redGuards: string[];
  firingAlerts: string[];
  model: PredictionResult['model'];
  resources: number;
  signals: { total: number; stale: number; failed: number };
  /** Scenarios below the severity threshold, counted and dropped in the worker. */
  belowThreshold: number;
  /** Runners-up of a resource that has a better scenario (at most one fault per resource per cycle). */
  sameResource?: number;
}

/** The Predictive Failure Engine's activities, by contract (registered on the same worker). */
export interface CycleActivities {
  collectTelemetry(input: {
    resources: ForeshockConfig['resources'];
    lookbackMs: number;
    stepMs: number;
  }): Promise<TelemetrySnapshot>;
  predictFailures(input: {
    snapshot: TelemetrySnapshot;
    config: Pick<ForeshockConfig, 'resources' | 'resource_failure_modes' | 'failure_injection_profile'>;
  }): Promise<PredictionResult>;
}

/** The cycle's own activities (src/activities/cycle-predict.ts), 0.2 on. */
export interface CyclePredictActivities {
  planCycle(input: { configPath?: string }): Promise<CyclePlan>;
  collectAndPredict(input: CollectAndPredictInput): Promise<ShardPrediction>;
  /** Resources of the injection workflows running now (visibility), for max_concurrent. */
  runningInjections(input: { taskQueue?: string; excludeWorkflowIdPrefix?: string }): Promise<string[]>;
}

export type SkipReason =
  | 'below_severity_threshold'
  | 'guards_red'
  | 'alert_firing'
  | 'cooldown'
  | 'resource_already_chosen'
  | 'max_concurrent';

export interface SkippedScenario {
  id: string;
  reason: SkipReason;
}

export interface CycleInjectionSummary {
  scenario: string;
  workflowId: string;
  severity: string;
  probability: number;
  rollbackPath?: RollbackPath;
  breached?: boolean;
  verdict?: Verdict;
  error?: string;
}

export interface CycleSummary {
  cycleId: string;
  model: PredictionResult['model'] | null;
  considered: number;
  injections: CycleInjectionSummary[];
  skipped: SkippedScenario[];
  /** Set when the cycle did nothing at all, e.g. the profile is disabled. */
  note?: string;
  /** How many collect-and-predict shards ran (0.2 on). */
  shards?: number;
  /** Signals collected, stale and failed, over every shard (0.2 on). */
  signals?: ShardPrediction['signals'];
  /** Scenarios below the severity threshold (dropped in the worker, 0.2 on). */
  belowThreshold?: number;
  /** Runners-up of a resource with a better scenario (dropped in the worker, 0.2 on). */
  sameResource?: number;
  /** Injections already running when the cycle selected (they count against max_concurrent). */
  running?: string[];
}

export interface CycleStatus {
  phase: 'collecting' | 'predicting' | 'selecting' | 'injecting' | 'done';
  injections: CycleInjectionSummary[];
}
