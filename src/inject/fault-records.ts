/**
 * The agent's records of faults: one map keyed by id across every resource (applied faults and
 * finished ones, bounded), and the applies still queued behind another operation on their
 * resource, so that an id names one fault wherever it is.
 */
import type { ApplyFaultRequest, FaultMode, FaultState } from './api';
import { FaultNotFoundError } from './errors';
import type { ActiveFault } from './faults/index';
import type { LeaseBook } from './leases';

/** Finished faults remembered for status and idempotent revert. */
const MAX_FINISHED_FAULTS = 1000;

export interface FaultRecord {
  state: FaultState;
  /** The params of the first apply: a repeated apply must match these. */
  appliedParams: Record<string, unknown>;
  journaled: boolean;
  active?: ActiveFault;
}

export interface PendingApply {
  resource: string;
  mode: FaultMode;
  appliedParams: Record<string, unknown>;
  cancelled: boolean;
  done: Promise<FaultState>;
}

export function newRecord(
  request: ApplyFaultRequest,
  fault: ActiveFault | undefined,
  journaled: boolean,
): FaultRecord {
  return {
    journaled,
    active: fault,
    appliedParams: request.params,
    state: {
      faultId: request.faultId,
      resource: request.resource,
      mode: request.mode,
      params: request.params,
      phase: 'applied',
      appliedAt: new Date().toISOString(),
      leaseExpiresAt: '',
      ...(fault ? { detail: fault.detail } : {}),
    },
  };
}

export class FaultRecords {
  readonly faults = new Map<string, FaultRecord>();
  readonly pending = new Map<string, PendingApply>();

  constructor(private readonly leases: LeaseBook) {}

  /** Every fault known, those still being applied (phase `applying`) included. */
  list(): FaultState[] {
    const applying = [...this.pending]
      .filter(([id]) => !this.faults.has(id))
      .map(([id, p]) => pendingState(id, p));
    return [...[...this.faults.values()].map((r) => this.snapshot(r)), ...applying];
  }

  get(faultId: string): FaultState {
    const record = this.faults.get(faultId);
    if (record) return this.snapshot(record);
    const pending = this.pending.get(faultId);
    if (pending) return pendingState(faultId, pending);
    throw new FaultNotFoundError(faultId);
  }

  /** Applied faults, of one resource when given, failovers left out when asked. */
  applied(resource?: string, withFailover = true): FaultRecord[] {
    return [...this.faults.values()].filter(
      (r) =>
        r.state.phase === 'applied' &&
        (resource === undefined || r.state.resource === resource) &&
        (withFailover || r.state.mode !== 'failover'),
    );
  }

  /** Keeps the records of finished faults bounded; the oldest finished ones go first. */
  remember(record: FaultRecord): void {
    this.faults.set(record.state.faultId, record);
    const finished = [...this.faults.values()].filter((r) => r.state.phase !== 'applied');
    for (const old of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_FAULTS))) {
      this.faults.delete(old.state.faultId);
    }
  }

  snapshot(record: FaultRecord): FaultState {
    const expires = this.leases.expiresAt(record.state.faultId);
    return {
      ...record.state,
      leaseExpiresAt:
        expires !== undefined
          ? new Date(expires).toISOString()
          : (record.state.revertedAt ?? record.state.appliedAt),
    };
  }
}

function pendingState(faultId: string, pending: PendingApply): FaultState {
  return {
    faultId,
    resource: pending.resource,
    mode: pending.mode,
    params: pending.appliedParams,
    phase: 'applying',
    appliedAt: '',
    leaseExpiresAt: '',
  };
}
