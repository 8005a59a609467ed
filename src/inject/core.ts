/**
 * The agent's fault book: applies, renews, updates and reverts faults; knows nothing of HTTP.
 *
 * One map of faults keyed by id across every resource, with the applies still queued behind
 * another operation on their resource in it too (./fault-records.ts), so that an id names one
 * fault: a second apply
 * of the id with another resource, mode or params is a conflict, and a revert of a queued id
 * cancels it (or, when it is already running, waits for it and then takes it back out). Each
 * fault has a lease and, when its params carry a `duration`, a deadline no renewal moves.
 * A failover is a fault too (`failover:<resource>`, ./failover.ts): leased, journaled, listed.
 * PATCH bodies are checked in ./validation.ts (only live params change).
 */
import type { FailureMode } from '../config/fault-params';
import type { ResourceConfig } from '../config/schema';
import type { ApplyFaultRequest, FaultState, RevertResult } from './api';
import { FaultConflictError, FaultNotFoundError, InjectionFailedError, InvalidRequestError } from './errors';
import { applyFailover, failoverLeaseSeconds } from './failover';
import { FaultRecords, newRecord, type FaultRecord, type PendingApply } from './fault-records';
import { faultType, type ActiveFault, type FaultTarget, type HostServices } from './faults/index';
import { LeaseBook } from './leases';
import type { AgentMetrics, RevertReason } from './metrics';
import { PidPins, resolvePids } from './pids';
import { checkAllowed, HostBudget, type FailureModesConfig, type HostBudgetLimits } from './policy';
import type { ResourceProxy } from './proxy/resource-proxy';
import type { Supervisor } from './supervisor';
import {
  FAILOVER_PREFIX,
  parseApplyRequest,
  parseFailoverBody,
  parseParams,
  parsePatch,
  sameFault,
} from './validation';

export { DEFAULT_FAILOVER_LEASE_SECONDS } from './failover';

/**
 * How long past its `duration` a fault may stay before the agent takes it out itself (at
 * least; a fault applied with a longer lease gets that lease): the caller's own rollback at
 * the end of the window comes first, even after a worker crash; the agent's is the backstop.
 */
export const DEFAULT_DURATION_GRACE_MS = 5000;
/** How soon a revert that failed, or could not be verified, is tried again. */
const RETRY_SECONDS = 5;

export interface FaultBookOptions {
  resources: ReadonlyMap<string, ResourceConfig>;
  proxies: ReadonlyMap<string, ResourceProxy>;
  supervisors: ReadonlyMap<string, Supervisor>;
  host: HostServices;
  metrics: AgentMetrics;
  /** Pids never touched, besides 1, the agent and its parent. */
  protectedPids: ReadonlySet<number>;
  /** @default 1 */
  maxFaultsPerResource?: number;
  /** The config's per-type modes and strengths. @default no restriction beyond the param schemas */
  failureModes?: FailureModesConfig;
  /** Host-wide ceilings across active faults. @default HostBudget's defaults */
  budget?: HostBudgetLimits;
  /**
   * The agent reverts a fault at applied at + duration + this, however often it is renewed.
   * @default the larger of 5 s and the fault's first lease
   */
  durationGraceMs?: number;
  log?: (line: string) => void;
}

export class InjectionAgent {
  private readonly records: FaultRecords;
  private readonly leases: LeaseBook;
  private readonly locks = new Map<string, Promise<unknown>>();
  /** The process each pid-file resource named when first validated. */
  readonly pidPins = new PidPins();
  private readonly log: (line: string) => void;
  readonly maxFaultsPerResource: number;
  readonly metrics: AgentMetrics;
  readonly budget: HostBudget;

  constructor(private readonly options: FaultBookOptions) {
    this.maxFaultsPerResource = options.maxFaultsPerResource ?? 1;
    this.budget = new HostBudget(options.budget);
    this.metrics = options.metrics;
    this.log = options.log ?? (() => {});
    this.leases = new LeaseBook((faultId, reason) => {
      void this.revert(faultId, reason).catch((err: unknown) =>
        this.log(`${reason} of ${faultId}: revert failed: ${(err as Error).message}`),
      );
    });
    this.records = new FaultRecords(this.leases);
  }

  private get faults(): Map<string, FaultRecord> {
    return this.records.faults;
  }

  private get pending(): Map<string, PendingApply> {
    return this.records.pending;
  }

  /** Operations on one resource run one at a time, so limits and idempotency hold. */
  private serial<T>(resource: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(resource) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.locks.set(
      resource,
      next.catch(() => {}),
    );
    return next;
  }

  /** Every fault this agent knows, those still being applied (phase `applying`) included. */
  list(): FaultState[] {
    return this.records.list();
  }

  get(faultId: string): FaultState {
    return this.records.get(faultId);
  }

  activeCount(resource?: string): number {
    return this.records.applied(resource).length;
  }

  async apply(body: unknown): Promise<FaultState> {
    const request = parseApplyRequest(body, this.options.resources);
    checkAllowed(request.resourceConfig, request.mode, request.params, this.options.failureModes);
    const pending = this.pending.get(request.faultId);
    if (pending) {
      sameFault(request, pending);
      return pending.done;
    }
    const existing = this.faults.get(request.faultId);
    if (existing) {
      sameFault(request, { ...existing.state, appliedParams: existing.appliedParams });
      return this.records.snapshot(existing);
    }
    const entry: PendingApply = {
      resource: request.resource,
      mode: request.mode,
      appliedParams: request.params,
      cancelled: false,
      done: Promise.resolve(undefined as never),
    };
    this.pending.set(request.faultId, entry);
    entry.done = this.serial(request.resource, () => this.applyValidated(request, entry)).finally(() =>
      this.pending.delete(request.faultId),
    );
    return entry.done;
  }

  private async applyValidated(
    request: ApplyFaultRequest & { resourceConfig: ResourceConfig },
    entry: PendingApply,
  ): Promise<FaultState> {
    if (entry.cancelled) {
      // Reverted while it waited its turn: it never acts, and the id stays used.
      const record = newRecord(request, undefined, false);
      record.state.phase = 'reverted';
      record.state.revertedAt = new Date().toISOString();
      this.records.remember(record);
      this.log(`cancelled ${request.mode} ${request.faultId} before it was applied`);
      return this.records.snapshot(record);
    }
    const active = this.records.applied(request.resource, false).length;
    if (active >= this.maxFaultsPerResource) {
      throw new FaultConflictError(
        `resource ${request.resource} already has ${active} active fault(s)`,
        'resource',
        `at most ${this.maxFaultsPerResource} concurrent fault(s) per resource (agent.maxFaultsPerResource)`,
      );
    }
    const type = faultType(request.mode);
    if (!type)
      throw new InvalidRequestError(`no injector for ${request.mode}`, 'mode', 'a registered fault type');
    const appliedAt = Date.now();
    const lease = { faultId: request.faultId, expiresAt: appliedAt + request.leaseSeconds * 1000 };
    this.budget.reserve(request.faultId, request.mode, request.params);
    let fault: ActiveFault;
    try {
      fault = await type.apply(
        this.targetOf(request.resourceConfig),
        request.params as never,
        lease,
        this.options.host,
      );
    } catch (err) {
      this.budget.release(request.faultId);
      throw err;
    }
    const record = newRecord(request, fault, type.journaled);
    record.state.appliedAt = new Date(appliedAt).toISOString();
    this.records.remember(record);
    const duration = request.params.duration;
    if (typeof duration === 'number') {
      const grace =
        this.options.durationGraceMs ?? Math.max(DEFAULT_DURATION_GRACE_MS, request.leaseSeconds * 1000);
      this.leases.setDeadline(request.faultId, appliedAt + duration + grace);
    }
    this.leases.grant(request.faultId, request.leaseSeconds);
    this.metrics.faultApplied(request.mode);
    this.log(`applied ${request.mode} ${request.faultId} on ${request.resource}`);
    return this.records.snapshot(record);
  }

  async renew(faultId: string, leaseSeconds: number): Promise<FaultState> {
    await this.pending.get(faultId)?.done.catch(() => {});
    const record = this.faults.get(faultId);
    if (!record) throw new FaultNotFoundError(faultId);
    if (record.state.phase !== 'applied') {
      throw new FaultConflictError(
        `fault ${faultId} is ${record.state.phase}`,
        'faultId',
        'an applied fault',
      );
    }
    const expiresAt = this.leases.grant(faultId, leaseSeconds);
    // A failover lasts as long as the fault it is there for is watched.
    const failover = this.faults.get(`${FAILOVER_PREFIX}${record.state.resource}`);
    if (failover && failover !== record && failover.state.phase === 'applied') {
      const current = this.leases.expiresAt(failover.state.faultId) ?? 0;
      if (current < expiresAt) this.leases.grant(failover.state.faultId, leaseSeconds);
    }
    return this.records.snapshot(record);
  }

  async update(faultId: string, body: unknown): Promise<FaultState> {
    const record = this.faults.get(faultId);
    if (!record) throw new FaultNotFoundError(faultId);
    const live = record.state.mode === 'failover' ? [] : (faultType(record.state.mode)?.liveParams ?? []);
    const patch = parsePatch(record.state, body, live);
    return this.serial(record.state.resource, async () => {
      if (record.state.phase !== 'applied' || !record.active?.update) {
        throw new FaultConflictError(
          `fault ${faultId} is ${record.state.phase}`,
          'faultId',
          'an applied fault',
        );
      }
      const params = parseParams(record.state.mode as FailureMode, { ...record.state.params, ...patch });
      await record.active.update(params);
      record.state.params = params;
      return this.records.snapshot(record);
    });
  }

  async revert(faultId: string, reason: RevertReason = 'requested'): Promise<RevertResult> {
    const pending = this.pending.get(faultId);
    if (pending) {
      pending.cancelled = true;
      await pending.done.catch(() => {});
    }
    const record = this.faults.get(faultId);
    if (!record) {
      // Reverting a fault this agent never saw is a verified no-op: there is nothing of it here.
      return { faultId, verified: true, wasActive: false };
    }
    return this.serial(record.state.resource, () => this.revertRecord(record, reason));
  }

  private async revertRecord(record: FaultRecord, reason: RevertReason): Promise<RevertResult> {
    const { faultId, mode, resource } = record.state;
    if (record.state.phase !== 'applied' || !record.active)
      return { faultId, verified: true, wasActive: false };
    const active = record.active;
    try {
      await active.revert();
    } catch (err) {
      this.metrics.verificationFailures.inc({ mode });
      this.leases.grant(faultId, RETRY_SECONDS, true);
      throw new InjectionFailedError(`revert of ${faultId} failed: ${(err as Error).message}`);
    }
    if (await active.isPresent()) {
      // Keep it applied, so a retry (or the lease, shortly) tries again.
      this.metrics.verificationFailures.inc({ mode });
      this.leases.grant(faultId, RETRY_SECONDS, true);
      this.log(`revert of ${faultId} could not be verified; retrying in ${RETRY_SECONDS}s`);
      return { faultId, verified: false, wasActive: true };
    }
    let journalError: string | undefined;
    if (record.journaled) {
      try {
        this.options.host.journal.recordRevert(faultId, mode, resource);
      } catch (err) {
        // The change is undone; only its record waits (it is written before the next one).
        journalError = (err as Error).message;
        this.log(`reverted ${faultId}, but the journal could not record it yet: ${journalError}`);
      }
    }
    this.leases.release(faultId);
    this.budget.release(faultId);
    record.active = undefined;
    record.state.phase = reason === 'lease_expired' || reason === 'duration_elapsed' ? 'expired' : 'reverted';
    record.state.revertedAt = new Date().toISOString();
    if (journalError !== undefined) record.state.journalError = journalError;
    this.metrics.faultReverted(mode, reason, true);
    this.log(`reverted ${mode} ${faultId} (${reason})`);
    return {
      faultId,
      verified: true,
      wasActive: true,
      ...(journalError !== undefined ? { journaled: false, journalError } : {}),
    };
  }

  async revertAll(reason: RevertReason): Promise<void> {
    for (const pending of this.pending.values()) pending.cancelled = true;
    await Promise.all([...this.pending.values()].map((p) => p.done.catch(() => {})));
    for (const record of [...this.faults.values()]) {
      if (record.state.phase === 'applied') {
        await this.revert(record.state.faultId, reason).catch((err: unknown) =>
          this.log(`revert of ${record.state.faultId} failed: ${(err as Error).message}`),
        );
      }
    }
    this.leases.releaseAll();
  }

  /** Points the resource's proxy at its failover upstream (a leased fault) or back. */
  async failover(
    resource: string,
    body: unknown,
  ): Promise<{ resource: string; upstream: string; faultId: string; leaseExpiresAt?: string }> {
    const proxy = this.options.proxies.get(resource);
    if (!proxy || !proxy.config.failover) {
      const withFailover = [...this.options.proxies.values()]
        .filter((p) => p.config.failover)
        .map((p) => p.resource);
      throw new InvalidRequestError(
        `resource ${resource} has no proxy with a failover upstream`,
        'resource',
        withFailover.join(' | ') || '(no resource declares proxy.failover)',
      );
    }
    const { active, leaseSeconds } = parseFailoverBody(body);
    const faultId = `${FAILOVER_PREFIX}${resource}`;
    if (!active) {
      await this.revert(faultId);
      return { resource, upstream: proxy.currentUpstream, faultId };
    }
    return this.serial(resource, async () => {
      const seconds = leaseSeconds ?? this.failoverLeaseSeconds(resource);
      const existing = this.faults.get(faultId);
      if (existing?.state.phase !== 'applied') {
        this.options.host.journal.recordApply(faultId, 'failover', resource, {
          upstream: proxy.config.failover,
        });
        const record = applyFailover(proxy, faultId);
        this.records.remember(record);
        this.metrics.faultApplied('failover');
        this.log(`${resource}: traffic now goes to ${proxy.currentUpstream}`);
      }
      const expiresAt = this.leases.grant(faultId, seconds);
      return {
        resource,
        upstream: proxy.currentUpstream,
        faultId,
        leaseExpiresAt: new Date(expiresAt).toISOString(),
      };
    });
  }

  /** As long as the longest lease of the resource's applied faults, else the default. */
  private failoverLeaseSeconds(resource: string): number {
    const now = Date.now();
    return failoverLeaseSeconds(
      this.records.applied(resource, false).map((r) => (this.leases.expiresAt(r.state.faultId) ?? now) - now),
    );
  }

  private targetOf(resource: ResourceConfig): FaultTarget {
    const supervisor = this.options.supervisors.get(resource.name);
    return {
      resource,
      proxy: this.options.proxies.get(resource.name),
      supervisor,
      processPids: () => resolvePids(resource, supervisor, this.options.protectedPids, this.pidPins),
    };
  }
}
