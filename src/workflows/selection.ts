/**
 * Which predicted scenarios a cycle injects, as pure functions (tested without Temporal):
 * the most likely-and-costly first, at or above the severity threshold, never into a
 * resource whose guards are red or whose alerts fire, not twice into one resource per
 * cycle, not again inside its cooldown, and at most max_concurrent at a time.
 */
import type { ForeshockConfig, Severity } from '../config/schema';
import type { FailureScenario } from '../predict/types';
import type { CycleProfile, SkippedScenario } from './cycle-types';
import type { GuardSpec, InjectionInput } from './types';
import { SEVERITY_RANK } from './severity';

export interface SelectionInput {
  scenarios: readonly FailureScenario[];
  severityThreshold: Severity;
  maxConcurrent: number;
  cooldownMs: number;
  /** Resources whose guards are red now. */
  redGuards: readonly string[];
  /** Resources with a firing Prometheus alert. */
  firingAlerts: readonly string[];
  /** Recent (non-dry-run) injections: resource and when they ended (ISO). */
  recent: readonly { resource: string; endedAt: string }[];
  /** Resources with an injection still running (they count against max_concurrent). */
  running?: readonly string[];
  nowMs: number;
}

export interface Selection {
  selected: FailureScenario[];
  skipped: SkippedScenario[];
}

export function selectScenarios(input: SelectionInput): Selection {
  const ranked = [...input.scenarios].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  const lastEnded = new Map<string, number>();
  for (const o of input.recent) {
    const t = Date.parse(o.endedAt);
    if (Number.isFinite(t) && t > (lastEnded.get(o.resource) ?? -Infinity)) lastEnded.set(o.resource, t);
  }
  const chosen = new Set<string>(input.running ?? []);
  let slots = Math.max(0, input.maxConcurrent - (input.running?.length ?? 0));
  const selected: FailureScenario[] = [];
  const skipped: SkippedScenario[] = [];
  for (const scenario of ranked) {
    const skip = (reason: SkippedScenario['reason']) => skipped.push({ id: scenario.id, reason });
    if (SEVERITY_RANK[scenario.severity] < SEVERITY_RANK[input.severityThreshold])
      skip('below_severity_threshold');
    else if (input.redGuards.includes(scenario.resource)) skip('guards_red');
    else if (input.firingAlerts.includes(scenario.resource)) skip('alert_firing');
    else if (input.nowMs - (lastEnded.get(scenario.resource) ?? -Infinity) < input.cooldownMs)
      skip('cooldown');
    else if (chosen.has(scenario.resource)) skip('resource_already_chosen');
    else if (slots === 0) skip('max_concurrent');
    else {
      selected.push(scenario);
      chosen.add(scenario.resource);
      slots -= 1;
    }
  }
  return { selected, skipped };
}

type InjectionConfig = Pick<ForeshockConfig, 'resources' | 'failure_injection_profile'>;
type InjectionProfile = Pick<CycleProfile, 'rollback_policy' | 'monitor_interval' | 'lease' | 'dry_run'>;

/** The injection workflow's input for a scenario: the resource's guards and the profile's settings. */
export function injectionInputFor(
  scenario: FailureScenario,
  config: InjectionConfig,
  overrides: { dryRun?: boolean } = {},
): InjectionInput {
  const resource = config.resources.find((r) => r.name === scenario.resource);
  const guards = (resource?.guards ?? []).map((g) => ({ name: g.name, expr: g.expr, forMs: g.for }));
  return injectionInputFrom(scenario, guards, config.failure_injection_profile, overrides);
}

/** The same, from guards already resolved (a shard returns them with each scenario). */
export function injectionInputFrom(
  scenario: FailureScenario,
  guards: GuardSpec[],
  profile: InjectionProfile,
  overrides: { dryRun?: boolean } = {},
): InjectionInput {
  return {
    resource: scenario.resource,
    resourceType: scenario.resourceType,
    mode: scenario.mode,
    params: scenario.params,
    durationMs: scenario.durationMs,
    guards,
    rollbackPolicy: scenario.rollback.policy ?? profile.rollback_policy,
    monitorIntervalMs: profile.monitor_interval,
    leaseMs: Math.max(profile.lease, 2 * profile.monitor_interval),
    dryRun: overrides.dryRun ?? profile.dry_run,
    severity: scenario.severity,
    why: scenario.why,
  };
}
