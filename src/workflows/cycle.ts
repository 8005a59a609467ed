/**
 * One predict → select → inject round:
 *
 *   collectTelemetry ─▶ predictFailures ─▶ recentOutcomes ─▶ selectScenarios (pure)
 *        ─▶ one child injectionWorkflow per chosen scenario ─▶ compact summary
 *
 * Children run to completion before the cycle ends, so a schedule with overlap SKIP never
 * stacks cycles, and max_concurrent holds across them.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  isCancellation,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { HistoryActivities } from '../activities/history';
import { cycleStatusQuery, WORKFLOW_TASK_TIMEOUT } from './messages';
import { injectionWorkflow } from './injection';
import { searchAttributeKeys } from './search-attributes';
import { injectionInputFor, selectScenarios } from './selection';
import type { ChaosCycleInput, CycleActivities, CycleStatus, CycleSummary } from './cycle-types';
import { FAILURE_TYPES } from './types';

const { collectTelemetry, predictFailures } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});
const { recentOutcomes } = proxyActivities<HistoryActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 5 },
});

export async function chaosCycle(input: ChaosCycleInput): Promise<CycleSummary> {
  const config = input?.config;
  if (!config?.resources || !config.failure_injection_profile || !config.prometheus) {
    throw ApplicationFailure.create({
      message: 'invalid cycle input: config must hold resources, failure_injection_profile and prometheus',
      type: FAILURE_TYPES.invalidInput,
      nonRetryable: true,
    });
  }
  const cycleId = workflowInfo().workflowId;
  const profile = config.failure_injection_profile;
  const status: CycleStatus = { phase: 'collecting', injections: [] };
  setHandler(cycleStatusQuery, () => status);
  const summary: CycleSummary = { cycleId, model: null, considered: 0, injections: [], skipped: [] };
  if (!profile.enabled) {
    status.phase = 'done';
    return { ...summary, note: 'failure_injection_profile.enabled is false' };
  }

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
  status.phase = 'selecting';
  const now = Date.now();
  const recent = await recentOutcomes({ sinceMs: now - profile.cooldown });
  const { selected, skipped } = selectScenarios({
    scenarios: prediction.scenarios,
    severityThreshold: profile.severity_threshold,
    maxConcurrent: profile.max_concurrent,
    cooldownMs: profile.cooldown,
    redGuards: snapshot.redGuards,
    firingAlerts: snapshot.firingAlerts,
    recent,
    nowMs: now,
  });
  summary.model = prediction.model;
  summary.considered = prediction.scenarios.length;
  summary.skipped = skipped;

  status.phase = 'injecting';
  const children = await Promise.all(
    selected.map(async (scenario) => {
      const workflowId = `${cycleId}.${scenario.resource}.${scenario.mode}`;
      const entry = {
        scenario: scenario.id,
        workflowId,
        severity: scenario.severity,
        probability: scenario.probability,
      };
      status.injections.push(entry);
      const handle = await startChild(injectionWorkflow, {
        workflowId,
        args: [injectionInputFor(scenario, config, { dryRun: input.dryRun })],
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
      return { entry, handle };
    }),
  );
  summary.injections = await Promise.all(
    children.map(async ({ entry, handle }) => {
      try {
        const outcome = await handle.result();
        return { ...entry, rollbackPath: outcome.rollbackPath, breached: outcome.breached };
      } catch (err) {
        if (isCancellation(err)) throw err;
        return { ...entry, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  status.injections = summary.injections;
  status.phase = 'done';
  return summary;
}
