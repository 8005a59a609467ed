/**
 * The agent's fault book: applies, renews, updates and reverts faults; knows nothing of HTTP.
 *
 * One map of faults keyed by id across every resource, with the applies still queued behind
 * another operation on their resource in it too, so that an id names one fault: a second apply
 * of the id with another resource, mode or params is a conflict, and a revert of a queued id
 * cancels it (or, when it is already running, waits for it and then takes it back out). Each
 * fault has a lease and, when its params carry a `duration`, a deadline no renewal moves.
 * A failover is a fault too (`failover:<resource>`): leased, journaled, listed.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FailureMode } from '../config/fault-params';
import type { ResourceConfig } from '../config/schema';
import type { ApplyFaultRequest, FaultMode, FaultState, RevertResult } from './api';
import { FaultConflictError, FaultNotFoundError, InjectionFailedError, InvalidRequestError } from './errors';
import { faultType, type ActiveFault, type FaultTarget, type HostServices } from './faults/index';
import { LeaseBook, MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from './leases';
import type { AgentMetrics, RevertReason } from './metrics';
import { PidPins, resolvePids } from './pids';
import { checkAllowed, HostBudget, type FailureModesConfig, type HostBudgetLimits } from './policy';
import type { ResourceProxy } from './proxy/resource-proxy';
import type { Supervisor } from './supervisor';
import { FAILOVER_PREFIX, parseApplyRequest, parseFailoverBody, parseParams, sameFault } from './validation';

/** Finished faults remembered for status and idempotent revert. */
const MAX_FINISHED_FAULTS = 1000;
/** A failover's lease when the request names none and no fault on its resource holds one. */
export const DEFAULT_FAILOVER_LEASE_SECONDS = 30;
/**
 * How long past its `duration` a fault may stay before the agent takes it out itself (at
 * least; a fault applied with a longer lease gets that lease): the caller's own rollback at
 * the end of the window comes first, even after a worker crash; the agent's is the backstop.
 */
export const DEFAULT_DURATION_GRACE_MS = 5000;
/** How soon a revert that failed, or could not be verified, is tried again. */
const RETRY_SECONDS = 5;

interface FaultRecord {
  state: FaultState;
  /** The params of the first apply: a repeated apply must match these. */
  appliedParams: Record<string, unknown>;
  journaled: boolean;
  active?: ActiveFault;
}

interface PendingApply {
  resource: string;
  mode: FaultMode;
  appliedParams: Record<string, unknown>;
  cancelled: boolean;
  done: Promise<FaultState>;
}

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
  private readonly faults = new Map<string, FaultRecord>();
  private readonly pending = new Map<string, PendingApply>();
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
    const applying = [...this.pending]
      .filter(([id]) => !this.faults.has(id))
      .map(([id, p]) => this.pendingState(id, p));
    return [...[...this.faults.values()].map((r) => this.snapshot(r)), ...applying];
  }

  get(faultId: string): FaultState {
    const record = this.faults.get(faultId);
    if (record) return this.snapshot(record);
    const pending = this.pending.get(faultId);
    if (pending) return this.pendingState(faultId, pending);
    throw new FaultNotFoundError(faultId);
  }

  activeCount(resource?: string): number {
    return [...this.faults.values()].filter(
      (r) => r.state.phase === 'applied' && (resource === undefined || r.state.resource === resource),
    ).length;
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
      return this.snapshot(existing);
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
      const record = this.newRecord(request, undefined, false);
      record.state.phase = 'reverted';
      record.state.revertedAt = new Date().toISOString();
      this.remember(record);
      this.log(`cancelled ${request.mode} ${request.faultId} before it was applied`);
      return this.snapshot(record);
    }
    const active = [...this.faults.values()].filter(
      (r) =>
        r.state.phase === 'applied' && r.state.resource === request.resource && r.state.mode !== 'failover',
    ).length;
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
    const record = this.newRecord(request, fault, type.journaled);
    record.state.appliedAt = new Date(appliedAt).toISOString();
    this.remember(record);
    const duration = request.params.duration;
    if (typeof duration === 'number') {
      const grace =
        this.options.durationGraceMs ?? Math.max(DEFAULT_DURATION_GRACE_MS, request.leaseSeconds * 1000);
      this.leases.setDeadline(request.faultId, appliedAt + duration + grace);
    }
    this.leases.grant(request.faultId, request.leaseSeconds);
    this.metrics.faultApplied(request.mode);
    this.log(`applied ${request.mode} ${request.faultId} on ${request.resource}`);
    return this.snapshot(record);
  }

  private newRecord(
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

  /** Keeps the records of finished faults bounded; the oldest finished ones go first. */
  private remember(record: FaultRecord): void {
    this.faults.set(record.state.faultId, record);
    const finished = [...this.faults.values()].filter((r) => r.state.phase !== 'applied');
    for (const old of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_FAULTS))) {
      this.faults.delete(old.state.faultId);
    }
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
    return this.snapshot(record);
  }

  async update(faultId: string, body: unknown): Promise<FaultState> {
    const record = this.faults.get(faultId);
    if (!record) throw new FaultNotFoundError(faultId);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidRequestError('the body must be a JSON object', 'body', '{params}');
    }
    const extra = Object.keys(body).find((k) => k !== 'params');
    if (extra !== undefined)
      throw new InvalidRequestError(`unknown field "${extra}"`, extra || 'body', 'params');
    const patch = (body as { params?: unknown }).params;
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new InvalidRequestError(
        'params must be an object',
        'params',
        `parameters of ${record.state.mode}`,
      );
    }
    const live = record.state.mode === 'failover' ? [] : (faultType(record.state.mode)?.liveParams ?? []);
    const dead = Object.keys(patch).filter((key) => !live.includes(key));
    // Other params may come along (a client sends the whole set) as long as they do not change.
    const merged =
      record.state.mode === 'failover' || dead.length === 0
        ? undefined
        : parseParams(record.state.mode, { ...record.state.params, ...patch });
    for (const key of dead) {
      if (merged && isDeepStrictEqual(merged[key], record.state.params[key])) continue;
      throw new InvalidRequestError(
        `params.${key} of ${record.state.mode} cannot change while the fault is applied`,
        `params.${key}`,
        live.length
          ? `only ${live.join(', ')} change live (others only with their current value)`
          : `nothing: ${record.state.mode} has no live parameters`,
      );
    }
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
      return this.snapshot(record);
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
        const upstream = proxy.setFailover(true);
        const record: FaultRecord = {
          journaled: true,
          appliedParams: {},
          active: {
            detail: { upstream },
            async revert() {
              proxy.setFailover(false);
            },
            async isPresent() {
              return proxy.onFailover;
            },
          },
          state: {
            faultId,
            resource,
            mode: 'failover',
            params: {},
            phase: 'applied',
            appliedAt: new Date().toISOString(),
            leaseExpiresAt: '',
            detail: { upstream },
          },
        };
        this.remember(record);
        this.metrics.faultApplied('failover');
        this.log(`${resource}: traffic now goes to ${upstream}`);
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
    const remaining = [...this.faults.values()]
      .filter(
        (r) => r.state.resource === resource && r.state.phase === 'applied' && r.state.mode !== 'failover',
      )
      .map((r) => ((this.leases.expiresAt(r.state.faultId) ?? now) - now) / 1000);
    const longest = Math.ceil(Math.max(0, ...remaining));
    return longest >= MIN_LEASE_SECONDS
      ? Math.min(longest, MAX_LEASE_SECONDS)
      : DEFAULT_FAILOVER_LEASE_SECONDS;
  }

  private pendingState(faultId: string, pending: PendingApply): FaultState {
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

  private snapshot(record: FaultRecord): FaultState {
    const expires = this.leases.expiresAt(record.state.faultId);
    return {
      ...record.state,
      leaseExpiresAt:
        expires !== undefined
          ? new Date(expires).toISOString()
          : (record.state.revertedAt ?? record.state.appliedAt),
    };
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
