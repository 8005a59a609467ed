/**
 * Shapes of the chaos cycle: its input, its compact summary, and the contract of the
 * Predictive Failure Engine's activities it calls (telemetry, predict).
 */
import type { ForeshockConfig } from '../config/schema';
import type { PredictionResult, TelemetrySnapshot } from '../predict/types';
import type { RollbackPath } from './types';

/** The parts of the config a cycle needs; the schedule embeds them in its action. */
export type CycleConfig = Pick<
  ForeshockConfig,
  'resources' | 'resource_failure_modes' | 'failure_injection_profile' | 'prometheus'
>;

export interface ChaosCycleInput {
  config: CycleConfig;
  /** Overrides the profile's dry_run for this cycle. */
  dryRun?: boolean;
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
}

export interface CycleStatus {
  phase: 'collecting' | 'predicting' | 'selecting' | 'injecting' | 'done';
  injections: CycleInjectionSummary[];
}
