/**
 * The contract every fault type implements. A fault type is registered by name in
 * ./registry.ts; the agent validates parameters, checks safety and limits, and then calls
 * `apply`. The returned ActiveFault knows how to take itself back out and how to check,
 * by reading the state back, that it is gone.
 */
import type { FailureMode, FaultParams } from '../../config/fault-params';
import type { ResourceConfig } from '../../config/schema';
import type { Cgroups } from '../cgroups';
import type { Journal } from '../journal';
import type { ResourceProxy } from '../proxy/resource-proxy';
import type { Supervisor } from '../supervisor';
import type { ToolTimeouts } from '../tools';

/** What a fault acts on: a declared resource and the handles the agent holds for it. */
export interface FaultTarget {
  resource: ResourceConfig;
  proxy?: ResourceProxy;
  supervisor?: Supervisor;
  /** The resource's process ids, resolved and safety-checked (throws UnsafeTargetError). */
  processPids(): number[];
}

export interface FaultLease {
  faultId: string;
  expiresAt: number;
}

/** Host facilities a fault may need; missing ones make the fault refuse with a clear error. */
export interface HostServices {
  journal: Journal;
  cgroups?: Cgroups;
  tools: { fiuCtrl?: string; fiuRun?: string; stressNg?: string; fallocate?: string };
  /** Deadlines of the external tools, in ms. @default TOOL_TIMEOUT_MS */
  toolTimeoutsMs?: Partial<ToolTimeouts>;
}

export interface ActiveFault {
  /** Mechanism facts reported in FaultState.detail (cgroup path, pids, upstream…). */
  readonly detail: Record<string, unknown>;
  /** Changes the strength of the live fault (graceful degradation); absent when not possible. */
  update?(params: Record<string, unknown>): Promise<void>;
  /** Takes the fault out. Idempotent. */
  revert(): Promise<void>;
  /** Reads the state back: true while any trace of the fault remains. */
  isPresent(): Promise<boolean>;
}

/** What recovery knows of a journal record besides its detail, checked against the config. */
export interface RecoveryScope {
  faultId: string;
  resource: ResourceConfig;
}

export interface FaultType<M extends FailureMode = FailureMode> {
  readonly mode: M;
  /** Host-level faults are journaled before they act and undone from the journal on start. */
  readonly journaled: boolean;
  /** The params `update` can change on the live fault; a PATCH of any other is refused. @default none */
  readonly liveParams?: readonly string[];
  apply(
    target: FaultTarget,
    params: FaultParams<M>,
    lease: FaultLease,
    host: HostServices,
  ): Promise<ActiveFault>;
  /**
   * Undoes a journaled fault from its journal detail alone (the agent that applied it died).
   * The detail is checked against `scope` first: anything but this agent's own cgroup, fill
   * file or process is refused with RecoveryRefusedError and left alone.
   */
  recover?(detail: Record<string, unknown>, host: HostServices, scope: RecoveryScope): Promise<void>;
}
