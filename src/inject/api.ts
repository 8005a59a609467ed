/**
 * The agent's control API, shared by the agent (server) and the activities (client).
 * Kept small and stable: apply, renew, revert, status, list, failover.
 *
 *   POST   /v1/faults                 ApplyFaultRequest   → FaultState (200; idempotent by faultId)
 *   POST   /v1/faults/:id/renew       { leaseSeconds }    → FaultState
 *   PATCH  /v1/faults/:id             { params }          → FaultState (change strength: graceful degradation)
 *   DELETE /v1/faults/:id                                 → RevertResult (idempotent; verified)
 *   GET    /v1/faults/:id                                 → FaultState (404 when unknown)
 *   GET    /v1/faults                                     → { faults: FaultState[] }
 *   POST   /v1/resources/:name/failover  { active, leaseSeconds? } → { resource, upstream, faultId }
 *          (the failover is the leased fault `failover:<name>`: renewed with its resource's faults)
 *   GET    /healthz, GET /metrics (Prometheus text)
 *
 * All but /healthz need `Authorization: Bearer <token>`. Errors: 4xx/5xx with ApiErrorBody.
 */
import type { FailureMode } from '../config/fault-params';

export interface ApplyFaultRequest {
  /** Caller-chosen id; applying the same id twice is a no-op that returns the existing fault. */
  faultId: string;
  resource: string;
  mode: FailureMode;
  /** Parameters as in the config's injection_parameters (strings like "200ms" accepted). */
  params: Record<string, unknown>;
  /** The agent reverts the fault by itself when the lease is not renewed in time. */
  leaseSeconds: number;
}

/** `applying`: accepted, waiting for its turn on the resource (a revert now cancels it). */
export type FaultPhase = 'applying' | 'applied' | 'reverted' | 'expired' | 'failed';

/** A failure mode, or `failover` (the proxy pointed at its failover upstream, a leased fault too). */
export type FaultMode = FailureMode | 'failover';

export interface FaultState {
  faultId: string;
  resource: string;
  mode: FaultMode;
  params: Record<string, unknown>;
  phase: FaultPhase;
  appliedAt: string;
  leaseExpiresAt: string;
  revertedAt?: string;
  /** Mechanism-specific facts, e.g. the cgroup path or the previous quota. */
  detail?: Record<string, unknown>;
  /** Set when the fault was reverted but the journal could not record it (yet). */
  journalError?: string;
}

export interface RevertResult {
  faultId: string;
  /** true when the agent read the state back and found no trace of the fault. */
  verified: boolean;
  /** false when the fault was already gone (idempotent revert). */
  wasActive: boolean;
  /** false when the revert happened but could not be journaled yet (see journalError). */
  journaled?: boolean;
  journalError?: string;
}

export interface ApiErrorBody {
  error: string;
  field?: string;
  allowed?: string;
}
