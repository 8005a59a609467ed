/**
 * The enumerations workflows and the config share, as plain constants: the workflow sandbox
 * imports them from here (the config module would pull zod and the config schema into every
 * workflow bundle), and the config's schemas are built from them.
 */

export const FAILURE_MODE_NAMES = [
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
] as const;

export const SEVERITY_NAMES = ['low', 'medium', 'high'] as const;

export const ROLLBACK_POLICY_NAMES = ['immediate', 'graceful_degradation', 'automatic_failover'] as const;

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
