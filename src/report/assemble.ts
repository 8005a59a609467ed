/**
 * Pure steps from the stored records to the report's data: which predictions and outcomes
 * fall in the window, the failure probability over time, the cycles of the timeline.
 */
import type { PredictionResult, SignalForecast } from '../predict/types';
import type { CycleEntry, ForecastBand, OutcomeRecord } from './types';

/** A forecast a prediction may carry for one signal (optional; the report draws it when present). */
export type StoredForecast = SignalForecast;

export function isOutcomeRecord(value: unknown): value is OutcomeRecord {
  const v = value as Partial<OutcomeRecord> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.resource === 'string' &&
    typeof v.mode === 'string' &&
    typeof v.startedAt === 'string' &&
    typeof v.endedAt === 'string' &&
    typeof v.breached === 'boolean' &&
    Array.isArray(v.breaches) &&
    typeof v.rollbackPath === 'string'
  );
}

export function isPredictionResult(value: unknown): value is PredictionResult {
  const v = value as Partial<PredictionResult> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.generatedAt === 'number' &&
    typeof v.horizonMs === 'number' &&
    Array.isArray(v.scenarios)
  );
}

export function outcomeSpan(outcome: OutcomeRecord): { startMs: number; endMs: number } {
  const startMs = Date.parse(outcome.startedAt);
  const endMs = Date.parse(outcome.endedAt);
  return { startMs, endMs: Number.isFinite(endMs) ? endMs : startMs };
}

export function outcomesInWindow(
  outcomes: OutcomeRecord[],
  sinceMs: number,
  untilMs: number,
): OutcomeRecord[] {
  return outcomes
    .filter((o) => {
      const { startMs, endMs } = outcomeSpan(o);
      return Number.isFinite(startMs) && endMs >= sinceMs && startMs <= untilMs;
    })
    .sort((a, b) => outcomeSpan(a).startMs - outcomeSpan(b).startMs);
}

export function predictionsInWindow(
  predictions: PredictionResult[],
  sinceMs: number,
  untilMs: number,
): PredictionResult[] {
  return predictions
    .filter((p) => p.generatedAt >= sinceMs && p.generatedAt <= untilMs)
    .sort((a, b) => a.generatedAt - b.generatedAt);
}

/** The highest probability any scenario gave the resource, per prediction (0 when none named it). */
export function probabilitySeries(
  predictions: PredictionResult[],
  resource: string,
): { timestamps: number[]; values: number[] } {
  return {
    timestamps: predictions.map((p) => p.generatedAt),
    values: predictions.map((p) =>
      p.scenarios.filter((s) => s.resource === resource).reduce((max, s) => Math.max(max, s.probability), 0),
    ),
  };
}

/** The newest forecast stored for resource/signal, as a band. */
export function storedForecastBand(
  predictions: PredictionResult[],
  resource: string,
  signal: string,
): ForecastBand | undefined {
  for (let i = predictions.length - 1; i >= 0; i--) {
    const found = predictions[i]?.forecasts?.find((f) => f.resource === resource && f.signal === signal);
    if (found && found.mid.length > 0) {
      return {
        timestamps: found.mid.map((_, k) => found.startMs + k * found.stepMs),
        mid: found.mid,
        lower: found.lower,
        upper: found.upper,
        // the engine's own trend stand-in is labelled as such, not as the neural forecast
        source: found.model === 'trend' ? 'trend' : 'model',
      };
    }
  }
  return undefined;
}

/**
 * One timeline entry per prediction (each chaos cycle predicts once); an injection belongs to
 * the newest cycle that started before it. Injections older than every prediction get a cycle
 * of their own, so none goes missing from the timeline.
 */
export function buildCycles(predictions: PredictionResult[], outcomes: OutcomeRecord[]): CycleEntry[] {
  const cycles: CycleEntry[] = predictions.map((p) => ({
    at: p.generatedAt,
    model: p.model.kind,
    topScenario: [...p.scenarios].sort((a, b) => b.score - a.score)[0]?.id,
    scenarioCount: p.scenarios.length,
    injections: [],
  }));
  const orphans: CycleEntry['injections'] = [];
  for (const o of outcomes) {
    const { startMs, endMs } = outcomeSpan(o);
    const entry = {
      resource: o.resource,
      mode: o.mode,
      startMs,
      endMs,
      breached: o.breached,
      rollbackPath: o.rollbackPath,
      dryRun: o.dryRun,
    };
    const owner = [...cycles].reverse().find((c) => c.at <= startMs);
    if (owner) owner.injections.push(entry);
    else orphans.push(entry);
  }
  const unowned: CycleEntry[] = orphans.map((inj) => ({
    at: inj.startMs,
    model: 'unknown',
    scenarioCount: 0,
    injections: [inj],
  }));
  return [...unowned, ...cycles].sort((a, b) => a.at - b.at);
}
