/**
 * Ranked failure-injection scenarios: for every (resource, allowed mode), the probability that
 * the resource fails within the horizon (a probability: forecast crossing chance and incident
 * rate only), an impact, and a separate ranking key (rankScore) that also weighs impact, the
 * mode's fit to the signal, its breach record and firing alerts. Pure: everything it needs is
 * passed in.
 */
import { FAULT_PARAM_SCHEMAS, type FailureMode } from '../config/fault-params';
import type { ForeshockConfig, ResourceConfig, Severity } from '../config/schema';
import { modeWeakness, type HistorySummary } from './history';
import { combineIndependent, poissonChance } from './probability';
import type { FailureScenario } from './types';
import { SEVERITY_FACTOR, scaleParam, strengthOf } from '../workflows/severity';

/** What the forecaster concluded about one signal of one resource. */
export interface SignalAssessment {
  resource: string;
  signal: string;
  /** Calibrated (or raw, uncalibrated) P(the signal crosses its failure threshold within the horizon). */
  probability: number;
  /** false: no probability could be claimed (no data, or a non-finite forecast); `probability` is then 0. */
  claimed?: boolean;
  /** e.g. "latency_p99 0.18 → 0.42 in 10m (threshold 0.3)". */
  text: string;
  /** The FailureScorer's anomaly score over the window's newest rows, in [0, 1) (the score `eval nab` measures). */
  anomaly?: number;
  /** The anomaly score reached the scorer's tuned alarm threshold. */
  anomalous?: boolean;
}

export type ScenarioConfig = Pick<
  ForeshockConfig,
  'resources' | 'resource_failure_modes' | 'failure_injection_profile'
>;

/** Default medium/high cut-offs, used when the config sets none. */
export const DEFAULT_SEVERITY_CUTOFFS = { medium: 0.3, high: 0.6 } as const;

export function severityOf(
  p: number,
  cutoffs: { medium: number; high: number } = DEFAULT_SEVERITY_CUTOFFS,
): Severity {
  return p >= cutoffs.high ? 'high' : p >= cutoffs.medium ? 'medium' : 'low';
}

/** Which signals speak for which modes (by signal name); an unrelated signal counts half. */
const SIGNAL_AFFINITY: [RegExp, FailureMode[]][] = [
  [
    /latency|duration|delay|p9\d/,
    ['network_latency', 'http_delay', 'bandwidth', 'cpu_throttle', 'cpu_stress', 'process_pause'],
  ],
  [/error|5xx|fail|reset/, ['http_error', 'connection_reset', 'blackhole', 'process_crash', 'disk_error']],
  [/cpu|load/, ['cpu_throttle', 'cpu_stress', 'process_pause']],
  [/mem|heap|rss/, ['memory_pressure', 'process_crash']],
  [/disk|io|fs|volume/, ['disk_error', 'disk_fill']],
  [/conn|throughput|rate|bytes|net/, ['bandwidth', 'connection_reset', 'blackhole', 'network_latency']],
];

export function affinity(signal: string, mode: FailureMode): number {
  const s = signal.toLowerCase();
  return SIGNAL_AFFINITY.some(([re, modes]) => re.test(s) && modes.includes(mode)) ? 1 : 0.5;
}

/** Parameters used when the config gives none for a mode (mild on purpose). */
export const DEFAULT_PARAMS: Record<FailureMode, Record<string, unknown>> = {
  network_latency: { latency: 100, duration: 30_000 },
  bandwidth: { rate: 256 * 1024, duration: 30_000 },
  connection_reset: { share: 0.1, duration: 30_000 },
  blackhole: { duration: 10_000 },
  http_error: { status: 503, share: 0.1, duration: 30_000 },
  http_delay: { delay: 200, share: 0.5, duration: 30_000 },
  cpu_throttle: { percent: 50, duration: 30_000 },
  cpu_stress: { workers: 1, load: 50, duration: 30_000 },
  memory_pressure: { size: 64 * 1024 ** 2, duration: 30_000 },
  disk_error: { points: ['posix/io/rw/read'], probability: 0.1, duration: 10_000 },
  disk_fill: { size: 64 * 1024 ** 2, duration: 30_000 },
  process_crash: { restart_timeout: 30_000 },
  process_pause: { method: 'signal', duration: 5_000 },
};

/** Config parameters scaled by severity; falls back to the unscaled ones if scaling leaves the bounds. */
export function scaleParams(
  mode: FailureMode,
  params: Record<string, unknown>,
  severity: Severity,
): Record<string, unknown> {
  const factor = SEVERITY_FACTOR[severity];
  const scaled: Record<string, unknown> = { ...params };
  for (const [k, v] of Object.entries(params)) {
    const strength = strengthOf(mode, k);
    if (typeof v === 'number' && strength) scaled[k] = scaleParam(strength, v, factor);
  }
  const schema = FAULT_PARAM_SCHEMAS[mode];
  const ok = schema.safeParse(scaled);
  if (ok.success) return ok.data as Record<string, unknown>;
  const plain = schema.safeParse(params);
  if (plain.success) return plain.data as Record<string, unknown>;
  throw new Error(
    `${mode}: parameters out of bounds: ${plain.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
}

function rollbackPlan(
  policy: ScenarioConfig['failure_injection_profile']['rollback_policy'],
  resource: ResourceConfig,
  mode: FailureMode,
): string {
  const remove = `remove ${mode} from ${resource.name} and verify it is gone`;
  switch (policy) {
    case 'immediate':
      return `on a guard breach, ${remove} at once; otherwise at the end of the window`;
    case 'graceful_degradation':
      return `on a guard breach, halve the fault's strength each monitor interval until guards are green, then ${remove}`;
    case 'automatic_failover':
      return resource.proxy?.failover
        ? `on a guard breach, point ${resource.name}'s proxy at ${resource.proxy.failover} for the rest of the window, then restore the primary and ${remove}`
        : `on a guard breach, ${remove} at once (no failover upstream configured)`;
  }
}

function formatMs(ms: number): string {
  return ms >= 3_600_000
    ? `${+(ms / 3_600_000).toFixed(1)}h`
    : ms >= 60_000
      ? `${+(ms / 60_000).toFixed(1)}m`
      : `${+(ms / 1000).toFixed(1)}s`;
}

export interface BuildScenariosInput {
  config: ScenarioConfig;
  signals: readonly SignalAssessment[];
  history: HistorySummary;
  firingAlerts: readonly string[];
  redGuards: readonly string[];
  horizonMs: number;
}

export function buildScenarios(input: BuildScenariosInput): FailureScenario[] {
  const { config, history, horizonMs } = input;
  const profile = config.failure_injection_profile;
  const cutoffs = profile.thresholds ?? DEFAULT_SEVERITY_CUTOFFS;
  const scenarios: FailureScenario[] = [];
  for (const resource of config.resources) {
    const entry = config.resource_failure_modes.find((e) => e.resource_type === resource.type);
    if (!entry) continue;
    const signals = input.signals.filter((s) => s.resource === resource.name);
    const incidents = history.incidents.get(resource.name) ?? [];
    const firing = input.firingAlerts.includes(resource.name);
    const claimed = signals.filter((s) => s.claimed !== false);
    const strongest = [...claimed].sort((a, b) => b.probability - a.probability)[0];
    for (const mode of entry.failure_modes) {
      const best = claimed
        .map((s) => ({ s, fit: s.probability * affinity(s.signal, mode) }))
        .sort((a, b) => b.fit - a.fit)[0];
      const modeIncidents = incidents.filter((i) => i.mode === undefined || i.mode === mode).length;
      const pIncident = incidents.length ? poissonChance(modeIncidents, history.spanMs, horizonMs) : 0;
      const probability = combineIndependent([strongest?.probability ?? 0, pIncident]);
      const weakness = modeWeakness(history, resource.name, mode);
      // Ranking only: weakness 0.5 (no runs yet) leaves the evidence as is, known weak spots
      // raise it, proven strong ones lower it; an unrelated signal counts half; an alert adds.
      // An anomaly the scorer alarms on now is evidence for ranking, not a crossing probability.
      const anomaly = Math.max(0, ...signals.map((s) => (s.anomalous ? (s.anomaly ?? 0) : 0)));
      const evidence = Math.min(
        1,
        combineIndependent([best?.fit ?? 0, pIncident, firing ? 0.5 : 0, anomaly]) * 2 * weakness,
      );
      const record = history.outcomes.get(`${resource.name}:${mode}`);
      const meanBreaches = record && record.runs ? record.breaches / record.runs : 0;
      const impact = resource.impact * (1 + meanBreaches / (1 + meanBreaches));
      const severity = severityOf(probability, cutoffs);
      const configured = (entry.injection_parameters as Record<string, Record<string, unknown> | undefined>)[
        mode
      ];
      const params = scaleParams(mode, configured ?? DEFAULT_PARAMS[mode], severity);
      const durationMs = typeof params.duration === 'number' ? params.duration : 30_000;
      const historyText =
        `${incidents.length} incident${incidents.length === 1 ? '' : 's'} in ${formatMs(history.spanMs)}` +
        (record
          ? `; ${mode} breached a guard ${record.breached} of ${record.runs} times`
          : `; ${mode} never injected here`) +
        (firing ? '; an alert is firing' : '') +
        (anomaly > 0
          ? `; anomalous now (${signals
              .filter((s) => s.anomalous)
              .map((s) => `${s.signal} ${(s.anomaly ?? 0).toFixed(2)}`)
              .join(', ')})`
          : '') +
        (input.redGuards.includes(resource.name) ? '; a guard is red now' : '');
      scenarios.push({
        id: `${resource.name}:${mode}`,
        resource: resource.name,
        resourceType: resource.type,
        mode,
        probability,
        impact,
        rankScore: evidence * impact,
        score: evidence * impact,
        severity,
        params,
        durationMs,
        rollback: {
          policy: profile.rollback_policy,
          plan: rollbackPlan(profile.rollback_policy, resource, mode),
        },
        why: {
          ...(best ? { signal: best.s.signal, forecast: best.s.text } : {}),
          probability,
          history: historyText,
          text:
            `${resource.name} may fail by ${mode} within ${formatMs(horizonMs)} with p=${probability.toFixed(2)} (${severity})` +
            (best ? `: ${best.s.text}` : ': no forecast signal') +
            `; ${historyText}.`,
        },
      });
    }
  }
  return scenarios.sort(
    (a, b) => b.score - a.score || b.probability - a.probability || a.id.localeCompare(b.id),
  );
}
