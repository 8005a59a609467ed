/**
 * One predict → select → inject round:
 *
 *   plan (config reference or inline) ─▶ collectAndPredict × shards (in the worker; only
 *        scenarios come back) ─▶ recentOutcomes + runningInjections ─▶ selectScenarios (pure)
 *        ─▶ one child injectionWorkflow per chosen scenario ─▶ compact summary
 *
 * Children run to completion before the cycle ends, so a schedule with overlap SKIP never
 * stacks cycles; injections already running (started by hand or by another cycle) count
 * against max_concurrent. A child that is cancelled or fails is recorded in the summary; its
 * siblings carry on. Histories from before 0.2 replay on the legacy path (collectTelemetry +
 * predictFailures, whole config inline).
 */
import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  TemporalFailure,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { HistoryActivities } from '../activities/history';
import { PATCHES } from './constants';
import { cycleStatusQuery, WORKFLOW_TASK_TIMEOUT } from './messages';
import { injectionWorkflow } from './injection';
import { searchAttributeKeys } from './search-attributes';
import { injectionInputFrom, selectScenarios } from './selection';
import { checkCycleInput, mergeShards, planOf, shardInputs, type MergedPrediction } from './cycle-plan';
import type {
  ChaosCycleInput,
  CycleActivities,
  CycleConfig,
  CycleInjectionSummary,
  CyclePredictActivities,
  CycleProfile,
  CycleStatus,
  CycleSummary,
} from './cycle-types';
import { FAILURE_TYPES } from './types';

const { collectTelemetry, predictFailures } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});
const { planCycle, collectAndPredict, runningInjections } = proxyActivities<CyclePredictActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});
const { recentOutcomes } = proxyActivities<HistoryActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 5 },
});

interface Prepared extends MergedPrediction {
  profile: CycleProfile;
  shards?: number;
  running: string[];
}

export async function chaosCycle(input: ChaosCycleInput): Promise<CycleSummary> {
  const sharded = patched(PATCHES.cycleShards);
  const tolerant = patched(PATCHES.cycleChildTolerant);
  try {
    return await runCycle(input, sharded, tolerant);
  } catch (err) {
    if (!sharded || err instanceof TemporalFailure || isCancellation(err)) throw err;
    throw ApplicationFailure.create({
      message: `chaos cycle error: ${err instanceof Error ? err.message : String(err)}`,
      type: 'ForeshockWorkflowError',
      nonRetryable: true,
    });
  }
}

async function runCycle(input: ChaosCycleInput, sharded: boolean, tolerant: boolean): Promise<CycleSummary> {
  const shardSize = sharded ? checkCycleInput(input) : 0;
  if (!sharded) legacyCheck(input);
  const cycleId = workflowInfo().workflowId;
  const status: CycleStatus = { phase: 'collecting', injections: [] };
  setHandler(cycleStatusQuery, () => status);
  const summary: CycleSummary = { cycleId, model: null, considered: 0, injections: [], skipped: [] };

  const plan = sharded
    ? input?.config
      ? planOf(input.config)
      : await planCycle({ ...(input?.configPath ? { configPath: input.configPath } : {}) })
    : planOf(input.config!);
  if (!plan.profile.enabled) {
    status.phase = 'done';
    return { ...summary, note: 'failure_injection_profile.enabled is false' };
  }
  const prepared = sharded
    ? await predictSharded(input ?? {}, plan.profile, plan, shardSize, status)
    : await predictLegacy(input.config!, status);
  const profile = prepared.profile;
  status.phase = 'selecting';
  const now = Date.now();
  const recent = await recentOutcomes({ sinceMs: now - profile.cooldown });
  const { selected, skipped } = selectScenarios({
    scenarios: prepared.scenarios,
    severityThreshold: profile.severity_threshold,
    maxConcurrent: profile.max_concurrent,
    cooldownMs: profile.cooldown,
    redGuards: prepared.redGuards,
    firingAlerts: prepared.firingAlerts,
    recent,
    running: prepared.running,
    nowMs: now,
  });
  summary.model = prepared.model;
  summary.considered = prepared.scenarios.length;
  summary.skipped = skipped;
  if (sharded) {
    summary.shards = prepared.shards;
    summary.signals = prepared.signals;
    summary.belowThreshold = prepared.belowThreshold;
    summary.sameResource = prepared.sameResource;
    summary.running = prepared.running;
  }

  status.phase = 'injecting';
  const byId = new Map(prepared.scenarios.map((s) => [s.id, s]));
  const children = await Promise.all(
    selected.map(async (scenario) => {
      const workflowId = `${cycleId}.${scenario.resource}.${scenario.mode}`;
      const entry: CycleInjectionSummary = {
        scenario: scenario.id,
        workflowId,
        severity: scenario.severity,
        probability: scenario.probability,
      };
      status.injections.push(entry);
      const guards = byId.get(scenario.id)?.guards ?? [];
      const start = () =>
        startChild(injectionWorkflow, {
          workflowId,
          args: [injectionInputFrom(scenario, guards, profile, { dryRun: input.dryRun })],
          // Cancelling the cycle cancels its injections, which then roll back.
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
          typedSearchAttributes: [
            { key: searchAttributeKeys.resource, value: scenario.resource },
            { key: searchAttributeKeys.mode, value: scenario.mode },
            { key: searchAttributeKeys.severity, value: scenario.severity },
            { key: searchAttributeKeys.outcome, value: 'running' },
          ],
          memo: { why: scenario.why.text, probability: scenario.probability },
        });
      if (!tolerant) return { entry, handle: await start() };
      try {
        return { entry, handle: await start() };
      } catch (err) {
        if (CancellationScope.current().consideredCancelled) throw err;
        return { entry: { ...entry, verdict: 'inconclusive' as const, error: errorText(err) } };
      }
    }),
  );
  summary.injections = await Promise.all(
    children.map(async ({ entry, handle }): Promise<CycleInjectionSummary> => {
      if (!handle) return entry;
      try {
        const outcome = await handle.result();
        return {
          ...entry,
          rollbackPath: outcome.rollbackPath,
          breached: outcome.breached,
          ...(outcome.verdict ? { verdict: outcome.verdict } : {}),
        };
      } catch (err) {
        if (isCancellation(err)) {
          // The cycle's own cancellation ends the cycle; one child cancelled by an operator does not.
          if (!tolerant || CancellationScope.current().consideredCancelled) throw err;
          return { ...entry, rollbackPath: 'cancelled', verdict: 'inconclusive' };
        }
        return { ...entry, error: errorText(err), ...(tolerant ? { verdict: 'inconclusive' as const } : {}) };
      }
    }),
  );
  status.injections = summary.injections;
  status.phase = 'done';
  return summary;
}

async function predictSharded(
  input: ChaosCycleInput,
  profile: CycleProfile,
  plan: ReturnType<typeof planOf>,
  shardSize: number,
  status: CycleStatus,
): Promise<Prepared> {
  const shards = shardInputs(input, plan, shardSize);
  const answers = await Promise.all(shards.map((shard) => collectAndPredict(shard)));
  status.phase = 'selecting';
  const running = await runningInjections({ taskQueue: workflowInfo().taskQueue });
  return { ...mergeShards(answers), profile, shards: shards.length, running };
}

/** Before 0.2: the whole snapshot and prediction through history (kept for replay). */
async function predictLegacy(config: CycleConfig, status: CycleStatus): Promise<Prepared> {
  const profile = config.failure_injection_profile;
  const snapshot = await collectTelemetry({
    resources: config.resources,
    lookbackMs: config.prometheus.lookback,
    stepMs: config.prometheus.step,
  });
  status.phase = 'predicting';
  const prediction = await predictFailures({
    snapshot,
    config: {
      resources: config.resources,
      resource_failure_modes: config.resource_failure_modes,
      failure_injection_profile: profile,
    },
  });
  const guardsOf = (name: string) =>
    (config.resources.find((r) => r.name === name)?.guards ?? []).map((g) => ({
      name: g.name,
      expr: g.expr,
      forMs: g.for,
    }));
  return {
    scenarios: prediction.scenarios.map((s) => ({ ...s, guards: guardsOf(s.resource) })),
    redGuards: snapshot.redGuards,
    firingAlerts: snapshot.firingAlerts,
    model: prediction.model,
    signals: { total: snapshot.signals.length, stale: 0, failed: 0 },
    belowThreshold: 0,
    sameResource: 0,
    profile,
    running: [],
  };
}

function legacyCheck(input: ChaosCycleInput): void {
  const config = input?.config;
  if (!config?.resources || !config.failure_injection_profile || !config.prometheus) {
    throw ApplicationFailure.create({
      message: 'invalid cycle input: config must hold resources, failure_injection_profile and prometheus',
      type: FAILURE_TYPES.invalidInput,
      nonRetryable: true,
    });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
