/**
 * Gathers the report's data: each resource's telemetry from Prometheus (range queries through
 * PrometheusAdapter), the outcomes JSONL and the stored predictions. Nothing here is fatal:
 * what cannot be read becomes a warning on the page.
 */
import type { PrometheusAdapter } from '../prometheus/adapter';
import type { PredictionResult } from '../predict/types';
import {
  buildCycles,
  isOutcomeRecord,
  isPredictionResult,
  outcomesInWindow,
  predictionsInWindow,
  probabilitySeries,
  storedForecastBand,
} from './assemble';
import { linearTrendBand } from './band';
import { readJsonl } from './jsonl';
import type { OutcomeRecord, ReportData, ResourceReport, SignalSeries } from './types';

/** What the report needs to know of a resource (a subset of the config's ResourceConfig). */
export interface ReportResource {
  name: string;
  type: string;
  telemetry: Record<string, string>;
  thresholds?: Record<string, number>;
}

export interface CollectOptions {
  /** Omitted → no telemetry charts (a warning says so). */
  prometheus?: Pick<PrometheusAdapter, 'rangeQuery'>;
  resources: ReportResource[];
  outcomesFile: string;
  predictionsFile: string;
  sinceMs: number;
  untilMs: number;
  /** @default "foreshock report" */
  title?: string;
  /** Most points per series; the query step follows from it. @default 600 */
  maxPoints?: number;
  now?: () => number;
}

/** Range-query step (ms) so that a window has at most maxPoints samples, never below 1 s. */
export function stepFor(sinceMs: number, untilMs: number, maxPoints: number): number {
  return Math.max(1000, Math.ceil((untilMs - sinceMs) / maxPoints / 1000) * 1000);
}

async function signalSeries(
  options: CollectOptions,
  resource: ReportResource,
  signal: string,
  query: string,
  predictions: PredictionResult[],
  stepMs: number,
): Promise<SignalSeries> {
  const threshold = resource.thresholds?.[signal];
  const base: SignalSeries = { signal, query, timestamps: [], values: [], threshold };
  if (!options.prometheus) return { ...base, error: 'no Prometheus given' };
  try {
    const series = await options.prometheus.rangeQuery(query, options.sinceMs, options.untilMs, stepMs);
    const first = series[0];
    if (!first) return { ...base, error: 'the query returned no series' };
    const horizonMs = predictions.at(-1)?.horizonMs ?? 5 * 60_000;
    const forecast =
      storedForecastBand(predictions, resource.name, signal) ??
      linearTrendBand(
        first.timestamps.slice(-60),
        first.values.slice(-60),
        // reaching a quarter of the window past its end keeps the measured part readable
        Math.min(horizonMs, 0.25 * (options.untilMs - options.sinceMs)),
      );
    return {
      ...base,
      timestamps: first.timestamps,
      values: first.values,
      forecast,
      ...(series.length > 1
        ? { error: `${series.length} series; showing ${JSON.stringify(first.labels)}` }
        : {}),
    };
  } catch (err) {
    return { ...base, error: (err as Error).message };
  }
}

export async function collectReportData(options: CollectOptions): Promise<ReportData> {
  const warnings: string[] = [];
  const outcomesRead = readJsonl<OutcomeRecord>(options.outcomesFile, isOutcomeRecord);
  const predictionsRead = readJsonl<PredictionResult>(options.predictionsFile, isPredictionResult);
  warnings.push(...outcomesRead.skipped, ...predictionsRead.skipped);
  if (!options.prometheus) warnings.push('no Prometheus given: telemetry charts are left out');
  const outcomes = outcomesInWindow(outcomesRead.records, options.sinceMs, options.untilMs);
  const predictions = predictionsInWindow(predictionsRead.records, options.sinceMs, options.untilMs);
  const stepMs = stepFor(options.sinceMs, options.untilMs, options.maxPoints ?? 600);
  const resources: ResourceReport[] = [];
  for (const resource of options.resources) {
    const signals: SignalSeries[] = [];
    for (const [signal, query] of Object.entries(resource.telemetry)) {
      signals.push(await signalSeries(options, resource, signal, query, predictions, stepMs));
    }
    resources.push({
      name: resource.name,
      type: resource.type,
      signals,
      probability: probabilitySeries(predictions, resource.name),
    });
  }
  return {
    title: options.title ?? 'foreshock report',
    generatedAt: (options.now ?? Date.now)(),
    sinceMs: options.sinceMs,
    untilMs: options.untilMs,
    resources,
    outcomes,
    latestPrediction: predictions.at(-1),
    cycles: buildCycles(predictions, outcomes),
    warnings,
  };
}
