/**
 * The injection saga: one scenario, one fault.
 *
 *   register compensation ─▶ inject (lease) ─▶ watch: guards + lease renewal, one activity
 *        │                                        │ breach → rollback_policy
 *        │                                        ▼   (immediate | degrade until green | fail over)
 *        └──────────── finally, non-cancellable: rollback (verified, retried forever) ─▶ record outcome
 *
 * Deterministic: decisions and durable state only; every side effect is an activity.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { InjectActivities } from '../activities/inject';
import type { GuardActivities, WatchFaultResult } from '../activities/guards';
import type { HistoryActivities } from '../activities/history';
import { FAILURE_MODES } from '../config/fault-params';
import { ROLLBACK_POLICIES, SEVERITIES, type RollbackPolicy, type Severity } from '../config/schema';
import { abortUpdate, statusQuery } from './messages';
import { searchAttributeKeys } from './search-attributes';
import {
  FAILURE_TYPES,
  type AbortRequest,
  type GuardSpec,
  type InjectionInput,
  type InjectionOutcome,
  type InjectionStatus,
  type RollbackPath,
} from './types';

/** An injection input with every default filled in. */
export interface InjectionSpec extends Required<Omit<InjectionInput, 'why'>> {
  why?: InjectionInput['why'];
}

const MAX_DECISIONS = 100;
const MAX_DURATION_MS = 24 * 3_600_000;

function invalid(field: string, allowed: string, got: unknown): never {
  throw ApplicationFailure.create({
    message: `invalid injection input: ${field} must be ${allowed} (got ${JSON.stringify(got)})`,
    type: FAILURE_TYPES.invalidInput,
    nonRetryable: true,
    details: [{ field, allowed }],
  });
}

/** Validates the input and fills in defaults; throws a non-retryable ForeshockInvalidInput. */
export function normalizeInjectionInput(input: InjectionInput): InjectionSpec {
  if (typeof input !== 'object' || input === null) invalid('input', 'one JSON object', input);
  if (typeof input.resource !== 'string' || input.resource === '')
    invalid('resource', 'a resource name', input.resource);
  if (!(FAILURE_MODES as readonly string[]).includes(input.mode))
    invalid('mode', FAILURE_MODES.join(' | '), input.mode);
  if (typeof input.params !== 'object' || input.params === null)
    invalid('params', 'an object of fault parameters', input.params);
  if (typeof input.durationMs !== 'number' || input.durationMs < 1000 || input.durationMs > MAX_DURATION_MS)
    invalid('durationMs', `1000..${MAX_DURATION_MS}`, input.durationMs);
  const monitorIntervalMs = input.monitorIntervalMs ?? 1000;
  if (monitorIntervalMs < 100 || monitorIntervalMs > 600_000)
    invalid('monitorIntervalMs', '100..600000', monitorIntervalMs);
  const leaseMs = input.leaseMs ?? 15_000;
  if (leaseMs < Math.max(1000, 2 * monitorIntervalMs) || leaseMs > 3_600_000)
    invalid(
      'leaseMs',
      `${Math.max(1000, 2 * monitorIntervalMs)}..3600000 (at least two monitor intervals)`,
      leaseMs,
    );
  const rollbackPolicy: RollbackPolicy = input.rollbackPolicy ?? 'immediate';
  if (!ROLLBACK_POLICIES.includes(rollbackPolicy))
    invalid('rollbackPolicy', ROLLBACK_POLICIES.join(' | '), rollbackPolicy);
  const severity: Severity = input.severity ?? 'medium';
  if (!SEVERITIES.includes(severity)) invalid('severity', SEVERITIES.join(' | '), severity);
  const guards: GuardSpec[] = input.guards ?? [];
  guards.forEach((g, i) => {
    if (typeof g?.name !== 'string' || typeof g.expr !== 'string' || g.expr === '')
      invalid(`guards[${i}]`, '{ name, expr, forMs }', g);
    if (typeof g.forMs !== 'number' || g.forMs < 0) invalid(`guards[${i}].forMs`, 'a number ≥ 0', g.forMs);
  });
  return {
    resource: input.resource,
    resourceType: input.resourceType ?? 'unknown',
    mode: input.mode,
    params: input.params,
    durationMs: input.durationMs,
    guards,
    rollbackPolicy,
    monitorIntervalMs,
    leaseMs,
    dryRun: input.dryRun ?? false,
    severity,
    heartbeatTimeoutMs: input.heartbeatTimeoutMs ?? Math.max(3000, 3 * monitorIntervalMs),
    why: input.why,
  };
}

/**
 * The faultId is derived from the workflow id, so every retry and every worker uses the same
 * one. Characters the agent does not accept in ids are replaced, and a hash of the original
 * keeps replaced ids distinct.
 */
export function faultIdFor(workflowId: string): string {
  const safe = workflowId.replace(/[^A-Za-z0-9_.:@-]/g, '_');
  if (safe === workflowId && safe.length <= 190) return `fs-${safe}`;
  return `fs-${safe.slice(0, 180)}-${fnv1a(workflowId)}`;
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

const foreverRetry = { initialInterval: '250ms', backoffCoefficient: 2, maximumInterval: '5s' } as const;

export async function injectionWorkflow(input: InjectionInput): Promise<InjectionOutcome> {
  const spec = normalizeInjectionInput(input);
  const { workflowId } = workflowInfo();
  const faultId = faultIdFor(workflowId);
  const startedAt = Date.now();

  // A fault that cannot be injected after a few tries is given up; its removal never is.
  const { injectFault, setFailover } = proxyActivities<InjectActivities>({
    startToCloseTimeout: '15s',
    heartbeatTimeout: '2s',
    retry: { ...foreverRetry, maximumAttempts: 8 },
  });
  const { rollbackFault } = proxyActivities<InjectActivities>({
    startToCloseTimeout: '15s',
    heartbeatTimeout: '2s',
    retry: foreverRetry,
  });
  const { watchFault, degradeFault } = proxyActivities<GuardActivities>({
    startToCloseTimeout: spec.durationMs + 10 * 60_000,
    heartbeatTimeout: spec.heartbeatTimeoutMs,
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
  });
  const { recordOutcome } = proxyActivities<HistoryActivities>({
    startToCloseTimeout: '10s',
    retry: foreverRetry,
  });

  const status: InjectionStatus = {
    phase: 'starting',
    faultId,
    resource: spec.resource,
    mode: spec.mode,
    dryRun: spec.dryRun,
    breaches: [],
    decisions: [],
  };
  const decide = (text: string) => {
    if (status.decisions.length >= MAX_DECISIONS) status.decisions.shift();
    status.decisions.push(`${new Date().toISOString()} ${text}`);
  };

  upsertSearchAttributes([
    { key: searchAttributeKeys.resource, value: spec.resource },
    { key: searchAttributeKeys.mode, value: spec.mode },
    { key: searchAttributeKeys.severity, value: spec.severity },
    { key: searchAttributeKeys.outcome, value: 'running' },
  ]);
  if (spec.why) upsertMemo({ why: spec.why.text, probability: spec.why.probability });

  const experiment = new CancellationScope();
  let abortReason: string | undefined;
  setHandler(statusQuery, () => status);
  setHandler(
    abortUpdate,
    (request) => {
      abortReason = request.reason ?? 'aborted';
      const phase = status.phase;
      decide(`abort requested: ${abortReason}`);
      experiment.cancel();
      return { acknowledged: true, phase };
    },
    {
      validator: (request: AbortRequest | undefined) => {
        if (
          request?.reason !== undefined &&
          (typeof request.reason !== 'string' || request.reason.length > 500)
        )
          throw new Error('reason must be a string of at most 500 characters');
        if (abortReason !== undefined) throw new Error('already aborting');
        if (['rolling_back', 'recording', 'done'].includes(status.phase))
          throw new Error(`too late to abort: the injection is ${status.phase}`);
      },
    },
  );

  // Compensation state: set BEFORE the side effect it undoes.
  let mustRollback = false;
  let failoverActive = false;
  let rollbackPath: RollbackPath = spec.dryRun ? 'dry_run' : 'duration_end';
  let failure: unknown;
  let cancellation: unknown;
  let verified: boolean | undefined;

  const watch = (endsAt: number, stopOnBreach: boolean): Promise<WatchFaultResult> =>
    watchFault({
      faultId: spec.dryRun ? undefined : faultId,
      resource: spec.resource,
      guards: spec.guards,
      monitorIntervalMs: spec.monitorIntervalMs,
      leaseMs: spec.leaseMs,
      endsAt,
      stopOnBreach,
    });

  try {
    await experiment.run(async () => {
      let injected: { appliedAt: string } | undefined;
      if (spec.dryRun) {
        decide(`dry run: would inject ${spec.mode} into ${spec.resource} for ${spec.durationMs}ms`);
      } else {
        mustRollback = true;
        status.phase = 'injecting';
        decide(`inject ${spec.mode} into ${spec.resource} as ${faultId}`);
        // Non-cancellable: an inject still in flight when we roll back could land after the revert.
        injected = await CancellationScope.nonCancellable(() =>
          injectFault({
            faultId,
            resource: spec.resource,
            mode: spec.mode,
            params: spec.params,
            leaseMs: spec.leaseMs,
          }),
        );
      }
      status.injectedAt = Date.now();
      // The window runs from when the agent applied the fault, so a crash and retry of the
      // inject does not stretch it.
      const appliedAt = injected ? Date.parse(injected.appliedAt) : Number.NaN;
      status.endsAt =
        (Number.isFinite(appliedAt) ? Math.min(appliedAt, status.injectedAt) : status.injectedAt) +
        spec.durationMs;
      status.phase = 'watching';
      const watched = await watch(status.endsAt, true);
      status.breaches = watched.breaches;
      if (watched.end === 'duration_end') {
        decide(`window over after ${watched.checks} checks, no breach`);
        return;
      }
      if (watched.end === 'fault_lost') {
        decide('the agent no longer holds the fault (lease expired or removed)');
        return;
      }
      if (watched.end === 'guards_unavailable') {
        rollbackPath = spec.dryRun ? 'dry_run' : 'immediate';
        decide('guards could not be evaluated: removing the fault now');
        return;
      }
      const names = watched.breaches.map((b) => b.guard).join(', ');
      if (spec.dryRun) {
        decide(`dry run: guard breach (${names}); would apply ${spec.rollbackPolicy}`);
        return;
      }
      decide(`guard breach (${names}): ${spec.rollbackPolicy}`);
      rollbackPath = spec.rollbackPolicy;
      if (spec.rollbackPolicy === 'graceful_degradation') {
        status.phase = 'degrading';
        const degraded = await degradeFault({
          faultId,
          resource: spec.resource,
          mode: spec.mode,
          params: spec.params,
          guards: spec.guards,
          monitorIntervalMs: spec.monitorIntervalMs,
          leaseMs: spec.leaseMs,
        });
        decide(
          degraded.green
            ? `guards green after ${degraded.steps} step(s) down: removing the fault`
            : `still red after ${degraded.steps} step(s) down: removing the fault`,
        );
      } else if (spec.rollbackPolicy === 'automatic_failover') {
        failoverActive = true;
        status.phase = 'failed_over';
        try {
          const { upstream } = await setFailover({ resource: spec.resource, active: true });
          decide(`failed over to ${upstream}; the fault stays on the primary until its window ends`);
        } catch (err) {
          if (isCancellation(err)) throw err;
          decide(`failover impossible (${errorText(err)}): removing the fault now`);
          rollbackPath = 'immediate';
          return;
        }
        const rest = await watch(status.endsAt, false);
        status.breaches = [
          ...watched.breaches,
          ...rest.breaches.filter((b) => !watched.breaches.includes(b)),
        ];
      }
    });
  } catch (err) {
    if (isCancellation(err)) {
      rollbackPath = abortReason !== undefined ? 'aborted' : 'cancelled';
      if (rollbackPath === 'cancelled') cancellation = err;
      decide(rollbackPath === 'aborted' ? 'aborted: rolling back' : 'workflow cancelled: rolling back');
    } else {
      // A refusal from the agent surfaces as the workflow's own failure, type and details intact.
      failure = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : err;
      rollbackPath = status.injectedAt === undefined ? 'inject_failed' : rollbackPath;
      decide(`failed: ${errorText(err)}`);
    }
  } finally {
    await CancellationScope.nonCancellable(async () => {
      if (mustRollback) {
        status.phase = 'rolling_back';
        const result = await rollbackFault({
          faultId,
          resource: spec.resource,
          restoreFailover: failoverActive,
        });
        verified = result.verified;
        decide(`rolled back (${result.wasActive ? 'removed' : 'already gone'}; verified)`);
      }
    });
  }

  const outcome: InjectionOutcome = {
    resource: spec.resource,
    resourceType: spec.resourceType,
    mode: spec.mode,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: new Date(Date.now()).toISOString(),
    breached: status.breaches.length > 0,
    breaches: status.breaches,
    rollbackPath,
    dryRun: spec.dryRun,
    faultId,
    workflowId,
    ...(verified !== undefined ? { verified } : {}),
    ...(failure !== undefined ? { error: errorText(failure) } : {}),
  };
  status.rollbackPath = rollbackPath;
  status.abortReason = abortReason;
  await CancellationScope.nonCancellable(async () => {
    status.phase = 'recording';
    upsertSearchAttributes([{ key: searchAttributeKeys.outcome, value: outcomeLabel(outcome, failure) }]);
    await recordOutcome(outcome);
    status.phase = 'done';
  });
  if (failure !== undefined) throw asError(failure);
  // `temporal workflow cancel` ends as Canceled, after the rollback and the record.
  if (cancellation !== undefined) throw asError(cancellation);
  return outcome;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function outcomeLabel(outcome: InjectionOutcome, failure: unknown): string {
  if (failure !== undefined) return 'failed';
  if (outcome.dryRun) return 'dry_run';
  if (outcome.rollbackPath === 'aborted' || outcome.rollbackPath === 'cancelled') return outcome.rollbackPath;
  return outcome.breached ? 'breached' : 'completed';
}
