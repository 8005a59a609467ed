/**
 * Training one model per (resource type, signal) across that type's resources. Every series is
 * cut in time into three parts (the last one sized to leave room for the horizon's labels):
 *
 *   [ fit ][ select ][ calibrate origins ][ horizon ]
 *     nets   LSTM vs GRU    the engine's own per-series contest (net vs Holt-Winters) replayed
 *     learn  vs last value  at rolling origins → (raw chance, what happened within the horizon)
 *                           pairs → isotonic map, only with enough failures
 *
 * Every window is scaled as the engine scales what it sees at predict time: by the robust scale
 * of the `predictWindow` points before it, so the nets learn in the units they will be fed.
 * The better net is promoted only when it beats the last-value forecast on the select part (the
 * promotion gate); the calibration is then fitted with the promoted net (or Holt-Winters alone).
 * "What happened" is a threshold crossing within the horizon, or an event (a firing alert, an
 * incident, an injection that breached a guard) of that resource in it. Synchronous and
 * CPU-bound: run it in a worker thread (train-worker.ts).
 */
import { fitCalibrationRecord, type CalibrationRecord, type LabelledForecast } from './calibration';
import { LEARNED_THRESHOLD_UNITS, MAX_FORECAST_STEPS, scaledThreshold } from './engine';
import { applyScale, fillGaps, robustScale } from './features';
import { compileForecaster, trainNet, type CompiledForecaster, type ForecasterKind } from './forecaster';
import type { ModelRecord } from './model-store';
import { brier, crossingProbability } from './probability';
import { forecastSeries } from './series-forecast';

export { LEARNED_THRESHOLD_UNITS };

export interface TrainSignalInput {
  resourceType: string;
  signal: string;
  /** Raw series (one per resource), same grid; NaN = missing. */
  series: number[][];
  stepMs: number;
  fromMs: number;
  toMs: number;
  /** Failure threshold in raw units, when the config has one (per series, same order). */
  thresholds?: (number | undefined)[];
  /** Times (ms) of failure events of each series' resource: alerts, incidents, breaches. */
  events?: number[][];
  inputSteps?: number;
  horizonSteps?: number;
  /** Points the engine sees when it predicts (the lookback on this grid). @default 150 */
  predictWindow?: number;
  /** Forecast horizon of the engine, in steps (what the calibration labels). @default horizonSteps */
  predictHorizonSteps?: number;
  hiddenSize?: number;
  iterations?: number;
  maxSequences?: number;
  kinds?: ForecasterKind[];
  /** Rolling origins per series in the calibrate part. @default 40 */
  calibrationOrigins?: number;
}

export interface TrainedSignal extends Omit<ModelRecord, 'version'> {
  /** The promotion gate: the net beat the last-value forecast on the select part. */
  promoted: boolean;
  promotionReason: string;
  calibrationRecord: CalibrationRecord;
  /** The calibrate part's (raw chance, outcome) pairs, in time order. */
  calibrationPairs: (LabelledForecast & { t: number })[];
}

interface Prepared {
  raw: number[];
  rawThreshold?: number;
  events: number[];
}

/** The `length` points before t, scaled by the robust scale of the `window` points before t. */
function engineView(raw: readonly number[], t: number, length: number, window: number): number[] {
  const scale = robustScale(raw.slice(Math.max(0, t - window), t));
  return raw.slice(t - length, t).map((v) => Math.max(-10, Math.min(10, (v - scale.center) / scale.scale)));
}

/** Multi-step errors (per step k, in the engine's units) of the net and of the last value, at origins in [from, to). */
function stepErrors(
  forecaster: CompiledForecaster | undefined,
  p: Prepared,
  from: number,
  to: number,
  inputSteps: number,
  steps: number,
  window: number,
): number[][] {
  const out: number[][] = [];
  const stride = Math.max(1, Math.floor(steps / 2));
  for (let t = Math.max(from, inputSteps, 3); t + steps <= to; t += stride) {
    const view = engineView(p.raw, t + steps, inputSteps + steps, window + steps);
    const seen = view.slice(0, inputSteps);
    const actual = view.slice(inputSteps);
    const f = forecaster ? forecaster.forecast(seen, steps) : actual.map(() => seen[seen.length - 1] ?? 0);
    out.push(actual.map((a, k) => a - (f[k] ?? NaN)));
  }
  return out;
}

/** (raw chance, outcome) at rolling origins in [from, to) of one series, as the engine would see it. */
function calibrationPairs(
  p: Prepared,
  from: number,
  to: number,
  input: TrainSignalInput,
  neural: { forecaster: CompiledForecaster; inputSteps: number; residualStd: number } | undefined,
): (LabelledForecast & { t: number })[] {
  const window = input.predictWindow ?? 150;
  const steps = Math.min(MAX_FORECAST_STEPS, input.predictHorizonSteps ?? input.horizonSteps ?? 12);
  const last = Math.min(to, p.raw.length - steps);
  const origins = input.calibrationOrigins ?? 40;
  const stride = Math.max(1, Math.floor((last - from) / origins));
  const out: (LabelledForecast & { t: number })[] = [];
  for (let o = from; o < last; o += stride) {
    const seen = p.raw.slice(Math.max(0, o - window), o);
    if (seen.length < 3) continue;
    const scale = robustScale(seen);
    const threshold = scaledThreshold(p.rawThreshold, scale);
    const sf = forecastSeries(applyScale(seen, scale), steps, input.stepMs, neural);
    const future = p.raw.slice(o, o + steps);
    const t = input.fromMs + o * input.stepMs;
    const crossed = future.some((v) => (v - scale.center) / scale.scale >= threshold);
    const event = p.events.some((e) => e > t && e <= t + steps * input.stepMs);
    out.push({
      t,
      p: crossingProbability(sf.forecast, sf.residualStd, threshold),
      outcome: crossed || event,
    });
  }
  return out;
}

export function trainSignalModel(input: TrainSignalInput): TrainedSignal {
  const inputSteps = input.inputSteps ?? 24;
  const horizonSteps = input.horizonSteps ?? 12;
  const maxSequences = input.maxSequences ?? 150;
  const window = input.predictWindow ?? 150;
  const labelSteps = Math.min(MAX_FORECAST_STEPS, input.predictHorizonSteps ?? horizonSteps);
  const prepared: Prepared[] = [];
  const train: number[][] = [];
  const partsOf = (n: number) => {
    const calEnd = n - labelSteps;
    const calStart = Math.max(Math.floor(n * 0.45), calEnd - Math.floor(n * 0.2));
    const fitEnd = Math.floor(calStart * 0.7);
    return { fitEnd, calStart, calEnd };
  };
  input.series.forEach((raw, k) => {
    const filled = fillGaps(raw);
    if (!filled || filled.values.length < inputSteps + horizonSteps + 2) return;
    const { fitEnd } = partsOf(filled.values.length);
    const rawThreshold = input.thresholds?.[k];
    prepared.push({
      raw: filled.values,
      ...(rawThreshold !== undefined ? { rawThreshold } : {}),
      events: input.events?.[k] ?? [],
    });
    const stride = Math.max(1, Math.floor(inputSteps / 4));
    for (let t = inputSteps + 1; t <= fitEnd; t += stride)
      train.push(engineView(filled.values, t, inputSteps + 1, window + 1));
  });
  if (train.length === 0) {
    throw new Error(
      `${input.resourceType}/${input.signal}: not enough data to train (need ${inputSteps + horizonSteps + 2}+ points per series)`,
    );
  }
  // Evenly spaced subsample keeps training time bounded whatever the lookback.
  const stride = Math.max(1, Math.ceil(train.length / maxSequences));
  const sequences = train.filter((_, i) => i % stride === 0);
  const selectErrors = (f: CompiledForecaster | undefined) =>
    prepared.flatMap((p) => {
      const { fitEnd, calStart } = partsOf(p.raw.length);
      return stepErrors(f, p, fitEnd, calStart, inputSteps, horizonSteps, window);
    });
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1);
  const maeOf = (errs: number[][]) => mean(errs.flat().map(Math.abs));

  const candidates = (input.kinds ?? ['lstm', 'gru']).map((kind) => {
    const trained = trainNet({
      kind,
      sequences,
      hiddenSize: input.hiddenSize ?? 6,
      iterations: input.iterations ?? 40,
    });
    const compiled = compileForecaster(trained.net);
    const errors = selectErrors(compiled);
    return { trained, compiled, errors, mae: maeOf(errors) };
  });
  const finite = (x: number) => (Number.isFinite(x) ? x : Infinity);
  candidates.sort((a, b) => finite(a.mae) - finite(b.mae));
  const best = candidates[0]!;
  // one-step spread that matches errors growing as √k over the steps
  const residualStd = Math.sqrt(mean(best.errors.flatMap((e) => e.map((x, k) => (x * x) / (k + 1))))) || 1e-3;
  const naiveMae = maeOf(selectErrors(undefined));
  const promoted = Number.isFinite(best.mae) && best.mae < naiveMae;
  const verdict = `${best.trained.kind} MAE ${best.mae.toFixed(4)} over ${horizonSteps} steps`;
  const promotionReason = promoted
    ? `${verdict} < last-value MAE ${naiveMae.toFixed(4)} on the select part`
    : `${verdict} did not beat last-value MAE ${naiveMae.toFixed(4)} on the select part`;

  const neural = promoted ? { forecaster: best.compiled, inputSteps, residualStd } : undefined;
  const pairs = prepared
    .flatMap((p) => {
      const { calStart, calEnd } = partsOf(p.raw.length);
      return calibrationPairs(p, calStart, calEnd, input, neural);
    })
    .sort((a, b) => a.t - b.t);
  const calibrationRecord = fitCalibrationRecord(pairs);
  return {
    format: 1,
    kind: best.trained.kind,
    resourceType: input.resourceType,
    signal: input.signal,
    createdAt: Date.now(),
    window: {
      fromMs: input.fromMs,
      toMs: input.toMs,
      stepMs: input.stepMs,
      series: input.series.length,
      sequences: sequences.length,
    },
    inputSteps,
    horizonSteps,
    loss: best.trained.loss,
    trainMs: candidates.reduce((s, c) => s + c.trained.trainMs, 0),
    evaluation: {
      mae: best.mae,
      naiveMae,
      candidates: candidates.map((c) => ({
        kind: c.trained.kind,
        mae: c.mae,
        loss: c.trained.loss,
        trainMs: c.trained.trainMs,
      })),
      brier: brier(pairs),
    },
    residualStd,
    net: best.trained.net,
    promoted,
    promotionReason,
    calibrationRecord,
    calibrationPairs: pairs,
  };
}
