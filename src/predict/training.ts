/**
 * Training one model per (resource type, signal) across that type's resources: robust-scale each
 * series, cut sliding windows, train LSTMTimeStep and GRUTimeStep on the earlier 80 % of every
 * series, measure both on the later 20 %, keep the better; fit the residual spread and the
 * probability calibration on that held-out part. Synchronous and CPU-bound: call it from a
 * worker thread (see train-worker.ts).
 */
import { applyScale, fillGaps, robustScale, slidingWindows } from './features';
import { compileForecaster, trainNet, type ForecasterKind } from './forecaster';
import type { ModelRecord } from './model-store';
import { brier, crossingProbability, fitCalibration } from './probability';

export interface TrainSignalInput {
  resourceType: string;
  signal: string;
  /** Raw series (one per resource), same step; NaN = missing. */
  series: number[][];
  stepMs: number;
  fromMs: number;
  toMs: number;
  /** Failure threshold in raw units, when the config has one (per series, same order). */
  thresholds?: (number | undefined)[];
  inputSteps?: number;
  horizonSteps?: number;
  hiddenSize?: number;
  iterations?: number;
  maxSequences?: number;
  kinds?: ForecasterKind[];
}

/** Without a configured threshold, "failure" is this many robust units (IQRs) above the median. */
export const LEARNED_THRESHOLD_UNITS = 4;

export function trainSignalModel(input: TrainSignalInput): Omit<ModelRecord, 'version'> {
  const inputSteps = input.inputSteps ?? 24;
  const horizonSteps = input.horizonSteps ?? 12;
  const maxSequences = input.maxSequences ?? 150;
  const train: number[][] = [];
  const held: { seq: number[]; future: number[]; threshold: number }[] = [];
  input.series.forEach((raw, k) => {
    const filled = fillGaps(raw);
    if (!filled || filled.values.length < inputSteps + horizonSteps + 2) return;
    const scale = robustScale(filled.values);
    const scaled = applyScale(filled.values, scale);
    const cut = Math.floor(scaled.length * 0.8);
    const rawThreshold = input.thresholds?.[k];
    const threshold =
      rawThreshold !== undefined ? (rawThreshold - scale.center) / scale.scale : LEARNED_THRESHOLD_UNITS;
    train.push(
      ...slidingWindows(scaled.slice(0, cut), inputSteps + 1, Math.max(1, Math.floor(inputSteps / 4))),
    );
    for (let s = Math.max(cut - inputSteps, 0); s + inputSteps + horizonSteps <= scaled.length; s += 2) {
      held.push({
        seq: scaled.slice(s, s + inputSteps),
        future: scaled.slice(s + inputSteps, s + inputSteps + horizonSteps),
        threshold,
      });
    }
  });
  if (train.length === 0 || held.length === 0) {
    throw new Error(
      `${input.resourceType}/${input.signal}: not enough data to train (need ${inputSteps + horizonSteps + 2}+ points per series)`,
    );
  }
  // Evenly spaced subsample keeps training time bounded whatever the lookback.
  const stride = Math.max(1, Math.ceil(train.length / maxSequences));
  const sequences = train.filter((_, i) => i % stride === 0);

  const candidates = (input.kinds ?? ['lstm', 'gru']).map((kind) => {
    const trained = trainNet({
      kind,
      sequences,
      hiddenSize: input.hiddenSize ?? 6,
      iterations: input.iterations ?? 40,
    });
    const compiled = compileForecaster(trained.net);
    const residuals = held.map((h) => (h.future[0] ?? 0) - compiled.next(h.seq));
    const mae = residuals.reduce((s, r) => s + Math.abs(r), 0) / residuals.length;
    return { trained, compiled, residuals, mae };
  });
  candidates.sort((a, b) => a.mae - b.mae);
  const best = candidates[0]!;
  const residualStd =
    Math.sqrt(best.residuals.reduce((s, r) => s + r * r, 0) / best.residuals.length) || 1e-3;
  const naiveMae =
    held.reduce((s, h) => s + Math.abs((h.future[0] ?? 0) - (h.seq[h.seq.length - 1] ?? 0)), 0) / held.length;
  const pairs = held.map((h) => ({
    p: crossingProbability(best.compiled.forecast(h.seq, horizonSteps), residualStd, h.threshold),
    outcome: h.future.some((v) => v >= h.threshold),
  }));
  const calibration = fitCalibration(pairs);
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
    calibration,
    net: best.trained.net,
  };
}
