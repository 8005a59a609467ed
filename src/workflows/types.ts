/**
 * Plain JSON shapes that cross the workflow boundary: workflow inputs, results, the status
 * Query's answer and the outcome line. Sandbox-safe (types and constants only).
 */
import type { FailureMode } from '../config/fault-params';
import type { RollbackPolicy, Severity } from '../config/schema';
import type { ScenarioWhy } from '../predict/types';

/** A guard as the workflow carries it: PromQL that is red while it returns samples. */
export interface GuardSpec {
  name: string;
  expr: string;
  /** The guard must stay red this long before it counts as breached (Prometheus `for:`). */
  forMs: number;
}

export interface GuardBreach {
  guard: string;
  expr: string;
  /** Unix ms when the guard first went red in this streak. */
  redSince: number;
  /** Unix ms when the streak had lasted `for` and counted as a breach. */
  breachedAt: number;
  value?: number;
}

/** The single JSON object an injection workflow takes (the Web UI sends one payload). */
export interface InjectionInput {
  resource: string;
  /** @default 'unknown' */
  resourceType?: string;
  mode: FailureMode;
  /** Fault parameters as in the config (durations as "200ms" or ms numbers). */
  params: Record<string, unknown>;
  durationMs: number;
  guards?: GuardSpec[];
  /** @default 'immediate' */
  rollbackPolicy?: RollbackPolicy;
  /** @default 1000 */
  monitorIntervalMs?: number;
  /** Lease at the agent; renewed every monitor interval. @default 15000 */
  leaseMs?: number;
  /** @default false */
  dryRun?: boolean;
  /** @default 'medium' */
  severity?: Severity;
  why?: ScenarioWhy;
  /**
   * How long one guard query may take; kept below the monitor interval so a hanging
   * Prometheus counts as a failed check instead of stalling the watch.
   * @default min(10 s, max(50 ms, 0.8 × monitor interval))
   */
  queryTimeoutMs?: number;
  /** How long a silent watch activity counts as dead. @default max(3 s, 3 × monitor interval, 2 × query timeout) */
  heartbeatTimeoutMs?: number;
}

/**
 * What a pipeline acts on: `pass` (the window ran, no guard breached), `breach` (a guard
 * breached), `inconclusive` (the experiment did not run to a verdict: guards unreadable,
 * the fault lost at the agent, aborted, cancelled or failed).
 */
export type Verdict = 'pass' | 'breach' | 'inconclusive';

export type InjectionPhase =
  | 'starting'
  | 'injecting'
  | 'watching'
  | 'degrading'
  | 'failed_over'
  | 'rolling_back'
  | 'recording'
  | 'done';

/** How the fault came out again. */
export type RollbackPath =
  | 'duration_end'
  | 'immediate'
  | 'graceful_degradation'
  | 'automatic_failover'
  | 'aborted'
  | 'cancelled'
  | 'inject_failed'
  | 'dry_run';

/** One line of the outcomes JSONL file (the failure history the forecaster reads). */
export interface InjectionOutcome {
  resource: string;
  resourceType: string;
  mode: FailureMode;
  /** ISO 8601 */
  startedAt: string;
  /** ISO 8601 */
  endedAt: string;
  breached: boolean;
  breaches: GuardBreach[];
  rollbackPath: RollbackPath;
  dryRun: boolean;
  faultId: string;
  workflowId: string;
  /** Whether the agent confirmed that no trace of the fault is left. */
  verified?: boolean;
  /** Absent only in outcomes recorded before 0.2. */
  verdict?: Verdict;
  /** Why the verdict is inconclusive, or that the outcome could not be written to the history. */
  note?: string;
  error?: string;
}

export interface InjectionStatus {
  phase: InjectionPhase;
  faultId: string;
  resource: string;
  mode: FailureMode;
  dryRun: boolean;
  injectedAt?: number;
  endsAt?: number;
  breaches: GuardBreach[];
  rollbackPath?: RollbackPath;
  abortReason?: string;
  /** What the workflow decided and when (kept short: one line per decision). */
  decisions: string[];
}

export interface AbortRequest {
  reason?: string;
}

export interface AbortAck {
  acknowledged: true;
  /** The phase the abort found the injection in. */
  phase: InjectionPhase;
}

export type InjectionResult = InjectionOutcome;

/** `ApplicationFailure` types foreshock raises; all are non-retryable. */
export const FAILURE_TYPES = {
  /** The input is malformed or out of bounds (a field and its allowed range are named). */
  invalidInput: 'ForeshockInvalidInput',
  /** The agent refused the fault's parameters. */
  invalidFaultParams: 'ForeshockInvalidFaultParams',
  /** The agent refused the target (unknown resource, not allowed, too many faults). */
  unsafeTarget: 'ForeshockUnsafeTarget',
} as const;
