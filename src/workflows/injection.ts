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
  log,
  patched,
  proxyActivities,
  setHandler,
  setWorkflowOptions,
  TemporalFailure,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { InjectActivities } from '../activities/inject';
import type { GuardActivities, WatchFaultResult } from '../activities/guards';
import type { HistoryActivities } from '../activities/history';
import { PATCHES } from './constants';
import { faultIdFor, normalizeInjectionInput } from './injection-input';
import { abortUpdate, statusQuery } from './messages';
import { searchAttributeKeys } from './search-attributes';
import type {
  AbortRequest,
  InjectionInput,
  InjectionOutcome,
  InjectionStatus,
  RollbackPath,
  Verdict,
} from './types';

export { faultIdFor, normalizeInjectionInput, type InjectionSpec } from './injection-input';

const MAX_DECISIONS = 100;
/** recordOutcome attempts before the outcome goes back without a history line (0.2 on). */
export const RECORD_OUTCOME_ATTEMPTS = 5;

const foreverRetry = { initialInterval: '250ms', backoffCoefficient: 2, maximumInterval: '5s' } as const;

/**
 * Injects one fault, watches it, always takes it out. Declared PINNED for Worker Deployments:
 * a running injection stays on the build that started it (see docs/upgrades.md).
 */
export async function injectionWorkflow(input: InjectionInput): Promise<InjectionOutcome> {
  // Patches are read once, up front: a run keeps the behaviour it started with.
  const strict = patched(PATCHES.strictInput);
  try {
    return await runInjection(input, {
      strict,
      faultIdPerRun: patched(PATCHES.faultIdPerRun),
      boundedRecord: patched(PATCHES.boundedRecord),
    });
  } catch (err) {
    if (!strict || err instanceof TemporalFailure || isCancellation(err)) throw err;
    // A bug must end the run with a readable failure, not fail its workflow task forever.
    throw ApplicationFailure.create({
      message: `injection workflow error: ${errorText(err)}`,
      type: 'ForeshockWorkflowError',
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
}

// PINNED where the worker runs as a Worker Deployment Version; the server refuses a
// versioning behaviour from an unversioned worker, so it is declared only there.
setWorkflowOptions(
  () => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'PINNED' } : {}),
  injectionWorkflow,
);

interface Behaviour {
  strict: boolean;
  faultIdPerRun: boolean;
  boundedRecord: boolean;
}

async function runInjection(input: InjectionInput, behaviour: Behaviour): Promise<InjectionOutcome> {
  const spec = normalizeInjectionInput(input, { strict: behaviour.strict });
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const faultId = faultIdFor(workflowId, behaviour.faultIdPerRun ? firstExecutionRunId : undefined);
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
    retry: behaviour.boundedRecord
      ? { ...foreverRetry, maximumAttempts: RECORD_OUTCOME_ATTEMPTS }
      : foreverRetry,
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
      // The request is optional on the wire: `temporal workflow update execute` may send none.
      abortReason = (request as AbortRequest | undefined)?.reason ?? 'aborted';
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
  let inconclusive: string | undefined;

  const watch = (endsAt: number, stopOnBreach: boolean): Promise<WatchFaultResult> =>
    watchFault({
      faultId: spec.dryRun ? undefined : faultId,
      resource: spec.resource,
      guards: spec.guards,
      monitorIntervalMs: spec.monitorIntervalMs,
      leaseMs: spec.leaseMs,
      queryTimeoutMs: spec.queryTimeoutMs,
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
        inconclusive = 'the agent no longer held the fault (lease expired or removed)';
        decide(inconclusive);
        return;
      }
      if (watched.end === 'guards_unavailable') {
        rollbackPath = spec.dryRun ? 'dry_run' : 'immediate';
        inconclusive = 'the guards could not be evaluated';
        decide(`${inconclusive}: removing the fault now`);
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
          queryTimeoutMs: spec.queryTimeoutMs,
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
    verdict: verdictOf(status.breaches.length > 0, rollbackPath, inconclusive, failure),
    ...(inconclusive !== undefined ? { note: inconclusive } : {}),
    ...(failure !== undefined ? { error: errorText(failure) } : {}),
  };
  status.rollbackPath = rollbackPath;
  status.abortReason = abortReason;
  await CancellationScope.nonCancellable(async () => {
    status.phase = 'recording';
    upsertSearchAttributes([{ key: searchAttributeKeys.outcome, value: outcomeLabel(outcome, failure) }]);
    try {
      await recordOutcome(outcome);
    } catch (err) {
      if (!behaviour.boundedRecord || !(err instanceof ActivityFailure)) throw err;
      // The outcome is the workflow's result either way; a full disk must not wedge the saga.
      const note = `outcome not written to the failure history after ${RECORD_OUTCOME_ATTEMPTS} attempts: ${errorText(err.cause ?? err)}`;
      log.warn(note, { workflowId, faultId });
      outcome.note = outcome.note ? `${outcome.note}; ${note}` : note;
      decide(note);
    }
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

/** pass | breach | inconclusive: what a pipeline acts on. */
export function verdictOf(
  breached: boolean,
  rollbackPath: RollbackPath,
  inconclusive: string | undefined,
  failure: unknown,
): Verdict {
  if (breached) return 'breach';
  if (inconclusive !== undefined || failure !== undefined) return 'inconclusive';
  if (rollbackPath === 'aborted' || rollbackPath === 'cancelled' || rollbackPath === 'inject_failed')
    return 'inconclusive';
  return 'pass';
}

function outcomeLabel(outcome: InjectionOutcome, failure: unknown): string {
  if (failure !== undefined) return 'failed';
  if (outcome.dryRun) return 'dry_run';
  if (outcome.rollbackPath === 'aborted' || outcome.rollbackPath === 'cancelled') return outcome.rollbackPath;
  return outcome.breached ? 'breached' : 'completed';
}
