/**
 * collectTelemetry: every resource's telemetry signals as compact windows on a regular grid,
 * plus which resources have red guards and firing alerts. Every problem (no data, NaN, stale,
 * Prometheus errors) lands in `SignalWindow.error` / `stale` with a readable message: one bad
 * query never fails the whole snapshot.
 */
import type { PrometheusAdapter, Series } from '../prometheus/adapter';
import type { ResourceConfig } from '../config/schema';
import { downsample } from '../predict/features';
import type { SignalWindow, TelemetrySnapshot } from '../predict/types';
import type { SignalGroup } from '../discovery/discover';

export interface TelemetryActivityDeps {
  prometheus: PrometheusAdapter;
  /** @default Date.now */
  now?: () => number;
}

export interface CollectTelemetryInput {
  resources: ResourceConfig[];
  lookbackMs: number;
  stepMs: number;
  /**
   * Signals fetched with one query for many resources (from resource_discovery): the series of
   * a group's query are split by its label, and those resources' own queries for that signal
   * are not run.
   */
  groups?: SignalGroup[];
}

/** At most this many points per signal cross the activity boundary (the rest is averaged down). */
export const MAX_POINTS_PER_SIGNAL = 720;
/** A signal whose last real sample is older than this many steps is stale. */
export const STALE_STEPS = 3;

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Onto the grid start, start+step, … ≤ end; several series are summed (a signal is one number). */
export function toGrid(
  series: readonly Series[],
  startMs: number,
  endMs: number,
  stepMs: number,
): { values: number[]; lastSampleMs: number } {
  const n = Math.floor((endMs - startMs) / stepMs) + 1;
  const values = new Array<number>(n).fill(NaN);
  let lastSampleMs = -Infinity;
  for (const s of series) {
    s.timestamps.forEach((t, k) => {
      const i = Math.round((t - startMs) / stepMs);
      const v = s.values[k] ?? NaN;
      if (i < 0 || i >= n || !Number.isFinite(v)) return;
      values[i] = Number.isFinite(values[i]) ? (values[i] ?? 0) + v : v;
      if (t > lastSampleMs) lastSampleMs = t;
    });
  }
  return { values, lastSampleMs };
}

export function createTelemetryActivities(deps: TelemetryActivityDeps) {
  const now = deps.now ?? Date.now;
  const { prometheus } = deps;

  type Fetched = { series: Series[] } | { error: string };

  async function fetch(query: string, startMs: number, endMs: number, stepMs: number): Promise<Fetched> {
    try {
      return { series: await prometheus.rangeQuery(query, startMs, endMs, stepMs) };
    } catch (err) {
      return { error: `query failed: ${errorText(err)} (query: ${query})` };
    }
  }

  function signalWindow(
    resource: ResourceConfig,
    signal: string,
    query: string,
    fetched: Fetched,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): SignalWindow {
    const base = { resource: resource.name, resourceType: resource.type, signal, startMs, stepMs };
    if ('error' in fetched) return { ...base, values: [], stale: true, error: fetched.error };
    const { series } = fetched;
    if (series.length === 0) {
      return {
        ...base,
        values: [],
        stale: true,
        error: `no data: the query returned no series in the last ${Math.round((endMs - startMs) / 1000)}s (query: ${query})`,
      };
    }
    const { values, lastSampleMs } = toGrid(series, startMs, endMs, stepMs);
    const finite = values.filter(Number.isFinite).length;
    if (finite === 0) {
      return {
        ...base,
        values: [],
        stale: true,
        error: `no usable values: every sample was NaN or infinite (query: ${query})`,
      };
    }
    const stale = endMs - lastSampleMs > STALE_STEPS * stepMs;
    const { values: compact, factor } = downsample(values, MAX_POINTS_PER_SIGNAL);
    // NaN is not JSON: missing points travel as null and are read back as NaN by the engine.
    const missing = values.length - finite;
    const problems = [
      ...(stale ? [`stale: the last sample is ${Math.round((endMs - lastSampleMs) / 1000)}s old`] : []),
      ...(missing > values.length / 2 ? [`gappy: ${missing} of ${values.length} points missing`] : []),
    ];
    return {
      ...base,
      stepMs: stepMs * factor,
      values: compact,
      stale,
      ...(problems.length ? { error: problems.join('; ') } : {}),
    };
  }

  return {
    async collectTelemetry(input: CollectTelemetryInput): Promise<TelemetrySnapshot> {
      const endMs = Math.floor(now() / input.stepMs) * input.stepMs;
      const startMs = endMs - input.lookbackMs;
      const grouped = new Map<string, Promise<Map<string, Fetched>>>();
      for (const g of input.groups ?? []) {
        const split = fetch(g.query, startMs, endMs, input.stepMs).then((fetched) => {
          const byResource = new Map<string, Fetched>();
          for (const name of Object.values(g.resources))
            byResource.set(name, 'error' in fetched ? fetched : { series: [] });
          if ('series' in fetched) {
            for (const s of fetched.series) {
              const name = g.resources[s.labels[g.label] ?? ''];
              const slot = name === undefined ? undefined : byResource.get(name);
              if (slot && 'series' in slot) slot.series.push(s);
            }
          }
          return byResource;
        });
        for (const name of Object.values(g.resources)) grouped.set(`${name}\u0000${g.signal}`, split);
      }
      const jobs: Promise<SignalWindow>[] = [];
      for (const r of input.resources) {
        for (const [signal, query] of Object.entries(r.telemetry)) {
          const group = grouped.get(`${r.name}\u0000${signal}`);
          const fetched = group
            ? group.then((m) => m.get(r.name) ?? { series: [] })
            : fetch(query, startMs, endMs, input.stepMs);
          jobs.push(fetched.then((f) => signalWindow(r, signal, query, f, startMs, endMs, input.stepMs)));
        }
      }
      const guardJobs = input.resources.map(async (r) => {
        for (const g of r.guards) {
          try {
            if ((await prometheus.instantQuery(g.expr)).length > 0) return r.name;
          } catch {
            // A guard that cannot be evaluated is not "red"; the guards activity reports it.
          }
        }
        return undefined;
      });
      let firingAlerts: string[] = [];
      try {
        const alerts = await prometheus.instantQuery('ALERTS{alertstate="firing"}');
        const names = new Set(input.resources.map((r) => r.name));
        firingAlerts = [
          ...new Set(
            alerts.map((a) => a.labels.resource).filter((n): n is string => n !== undefined && names.has(n)),
          ),
        ];
      } catch {
        firingAlerts = [];
      }
      const signals = await Promise.all(jobs);
      const redGuards = (await Promise.all(guardJobs)).filter((n): n is string => n !== undefined);
      return { collectedAt: endMs, stepMs: input.stepMs, signals, redGuards, firingAlerts };
    },
  };
}

export type TelemetryActivities = ReturnType<typeof createTelemetryActivities>;
