/**
 * Severity and fault strength, in one table: the scenario builder scales a mode's configured
 * parameters by severity, the agent refuses parameters stronger than the config allows at the
 * strongest severity, and selection compares severities against the threshold. Plain constants
 * (no zod, no Node APIs), so workflow code may import it.
 */
import type { FailureMode } from '../config/fault-params';
import type { Severity } from '../config/schema';

/** Severities in order, weakest first. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2 };

/** true when `severity` is at or above `threshold`. */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

/** Configured parameters × this factor at each severity (÷ for those stronger when smaller). */
export const SEVERITY_FACTOR: Readonly<Record<Severity, number>> = { low: 0.5, medium: 1, high: 1.5 };

/** The factor at the strongest severity: the agent accepts configured values × this at most. */
export const MAX_SEVERITY_FACTOR = SEVERITY_FACTOR.high;

/** How one numeric fault parameter relates to the fault's strength. */
export interface ParamStrength {
  /** larger: a larger value is a stronger fault (latency); smaller: a smaller one is (a rate, a CPU quota). */
  readonly stronger: 'larger' | 'smaller';
  /** false: severity leaves the configured value as it is (duration, keep_free); the agent still bounds it. */
  readonly scales: boolean;
  /** A share in [0, 1]: scaled and bounded values stop at 1 and are not rounded. */
  readonly share?: boolean;
  /** Scaled values are kept at or above this. */
  readonly min?: number;
  /** Scaled values are kept at or below this. */
  readonly max?: number;
}

const larger: ParamStrength = { stronger: 'larger', scales: true };
const smaller: ParamStrength = { stronger: 'smaller', scales: true };
const share: ParamStrength = { stronger: 'larger', scales: true, share: true };
const duration: ParamStrength = { stronger: 'larger', scales: false };

/** Per mode, the parameters that make its fault stronger; parameters not listed (status, points, method, direction) do not. */
export const FAULT_STRENGTH: Readonly<Record<FailureMode, Readonly<Record<string, ParamStrength>>>> = {
  network_latency: { latency: larger, jitter: larger, duration },
  bandwidth: { rate: smaller, duration },
  connection_reset: { share, duration },
  blackhole: { duration },
  http_error: { share, duration },
  http_delay: { delay: larger, share, duration },
  cpu_throttle: { percent: { ...smaller, min: 1, max: 99 }, duration },
  cpu_stress: { workers: larger, load: { ...larger, max: 100 }, duration },
  memory_pressure: { size: larger, duration },
  disk_error: { probability: share, duration },
  disk_fill: { size: larger, keep_free: { stronger: 'smaller', scales: false }, duration },
  process_crash: { duration },
  process_pause: { duration },
};

/** How `key` relates to the strength of a `mode` fault; undefined when it does not. */
export function strengthOf(mode: FailureMode, key: string): ParamStrength | undefined {
  const table = FAULT_STRENGTH[mode];
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** A configured value at a severity factor: scaled, rounded (shares excepted) and kept in bounds. */
export function scaleParam(strength: ParamStrength, value: number, factor: number): number {
  if (!strength.scales) return value;
  if (strength.share) return Math.min(1, value * factor);
  const scaled = Math.round(strength.stronger === 'larger' ? value * factor : value / factor);
  return Math.min(strength.max ?? Infinity, Math.max(strength.min ?? -Infinity, scaled));
}

/**
 * The strongest value the agent accepts for a parameter configured at `configured`: the
 * configured value at the strongest severity, or what the scenario builder makes of it there
 * after rounding, whichever is further, so the agent never refuses a scenario's own parameters.
 */
export function strongestAllowed(strength: ParamStrength, configured: number): number {
  const exact =
    strength.stronger === 'smaller' ? configured / MAX_SEVERITY_FACTOR : configured * MAX_SEVERITY_FACTOR;
  const bound = strength.share ? Math.min(1, exact) : exact;
  if (!strength.scales) return bound;
  const scaled = scaleParam(strength, configured, MAX_SEVERITY_FACTOR);
  return strength.stronger === 'smaller' ? Math.min(bound, scaled) : Math.max(bound, scaled);
}
