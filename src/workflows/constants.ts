/**
 * The config's enumerations as plain constants, for the workflow sandbox: importing them from
 * the config module would pull zod and the config schema into every workflow bundle. A unit
 * test keeps them equal to the config's.
 */
import type { FailureMode } from '../config/fault-params';
import type { RollbackPolicy, Severity } from '../config/schema';

export const FAILURE_MODE_NAMES: readonly FailureMode[] = [
  'network_latency',
  'bandwidth',
  'connection_reset',
  'blackhole',
  'http_error',
  'http_delay',
  'cpu_throttle',
  'cpu_stress',
  'memory_pressure',
  'disk_error',
  'disk_fill',
  'process_crash',
  'process_pause',
];

export const SEVERITY_NAMES: readonly Severity[] = ['low', 'medium', 'high'];

export const ROLLBACK_POLICY_NAMES: readonly RollbackPolicy[] = [
  'immediate',
  'graceful_degradation',
  'automatic_failover',
];

/**
 * Names given to `patched()`: each marks one behaviour change in workflow code, so histories
 * recorded before it still replay. Never rename or reuse one; see docs/upgrades.md.
 */
export const PATCHES = {
  /** 0.2: every input field type-checked and bounded (NaN, strings, negatives rejected at once). */
  strictInput: 'foreshock-0.2-strict-input',
  /** 0.2: the fault id includes the first run id, so a reused workflow id gets a fresh fault. */
  faultIdPerRun: 'foreshock-0.2-fault-id-per-run',
  /** 0.2: recordOutcome retries a bounded number of times, then the outcome carries a note. */
  boundedRecord: 'foreshock-0.2-bounded-record',
  /** 0.2: the cycle predicts per shard in one activity and counts running injections. */
  cycleShards: 'foreshock-0.2-cycle-shards',
  /** 0.2: a cancelled or failed child injection is recorded, its siblings carry on. */
  cycleChildTolerant: 'foreshock-0.2-cycle-child-tolerant',
} as const;
