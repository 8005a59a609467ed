/**
 * One series, one forecast: the trained net (when there is one) and Holt-Winters compete on the
 * series' own last points, kept apart from the fit (each forecasts them from the points before,
 * as many steps ahead as it will be asked to); the one with the smaller error forecasts the
 * horizon from the whole series. The last-value forecast is measured beside them as the bar
 * both should clear. Pure and fast: the engine, the training's calibration and the backtest all
 * call this same function.
 */
import type { CompiledForecaster } from './forecaster';
import { fitHoltWinters, forecastHoltWinters, seasonSteps } from './holt-winters';

export type SeriesModelKind = 'lstm' | 'gru' | 'holt-winters';

export interface NeuralCandidate {
  forecaster: CompiledForecaster;
  /** Points it reads before forecasting. */
  inputSteps: number;
  /** Its one-step residual spread on held-out data (scaled units). */
  residualStd: number;
}

export interface SeriesForecast {
  kind: SeriesModelKind;
  /** `steps` values after the last point (scaled units). */
  forecast: number[];
  /** One-step spread; the k-th step's is this × √k. */
  residualStd: number;
  validation: {
    /** Points held out for the contest. */
    points: number;
    /** Mean absolute error over them, per candidate, and of the last-value forecast. */
    mae: Partial<Record<SeriesModelKind, number>>;
    naiveMae: number;
  };
}

function meanAbs(errors: readonly number[]): number {
  return errors.length ? errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length : NaN;
}

/** The one-step spread that matches errors growing as √k over the held-out steps. */
function spreadFromErrors(errors: readonly number[]): number {
  if (errors.length === 0) return NaN;
  return Math.sqrt(errors.reduce((s, e, k) => s + (e * e) / (k + 1), 0) / errors.length);
}

/** Held-out points for the contest: up to the horizon, at most a quarter of the series. */
export function validationPoints(length: number, steps: number): number {
  return Math.max(0, Math.min(steps, Math.floor(length / 4)));
}

/**
 * `values`: the scaled series (finite, gaps filled), at least 3 points. `stepMs` sets the
 * Holt-Winters season (a day or a week when the series spans two).
 */
export function forecastSeries(
  values: readonly number[],
  steps: number,
  stepMs: number,
  neural?: NeuralCandidate,
): SeriesForecast {
  const n = values.length;
  const v = validationPoints(n, steps);
  const period = seasonSteps(stepMs, n);
  const mae: SeriesForecast['validation']['mae'] = {};
  const spreads: Partial<Record<SeriesModelKind, number>> = {};
  let naiveMae = NaN;
  if (v >= 2 && n - v >= 3) {
    const head = values.slice(0, n - v);
    const actual = values.slice(n - v);
    const last = head[head.length - 1] ?? 0;
    naiveMae = meanAbs(actual.map((a) => a - last));
    const hw = forecastHoltWinters(fitHoltWinters(head, period), v);
    const hwErr = actual.map((a, k) => a - (hw[k] ?? NaN));
    mae['holt-winters'] = meanAbs(hwErr);
    spreads['holt-winters'] = spreadFromErrors(hwErr);
    if (neural) {
      const nf = neural.forecaster.forecast(head.slice(-neural.inputSteps), v);
      const nErr = actual.map((a, k) => a - (nf[k] ?? NaN));
      mae[neural.forecaster.kind] = meanAbs(nErr);
      spreads[neural.forecaster.kind] = spreadFromErrors(nErr);
    }
  }
  const neuralWins =
    neural !== undefined &&
    Number.isFinite(mae[neural.forecaster.kind]) &&
    !((mae[neural.forecaster.kind] ?? Infinity) > (mae['holt-winters'] ?? Infinity));
  const useNeural = neural !== undefined && (neuralWins || !(v >= 2 && n - v >= 3));
  if (useNeural) {
    const forecast = neural.forecaster.forecast(values.slice(-neural.inputSteps), steps);
    const held = spreads[neural.forecaster.kind];
    return {
      kind: neural.forecaster.kind,
      forecast,
      residualStd: Math.max(neural.residualStd, Number.isFinite(held) ? (held ?? 0) : 0) || 1e-3,
      validation: { points: v, mae, naiveMae },
    };
  }
  const fit = fitHoltWinters(values, period);
  const held = spreads['holt-winters'];
  return {
    kind: 'holt-winters',
    forecast: forecastHoltWinters(fit, steps),
    residualStd:
      Math.max(
        Number.isFinite(fit.residualStd) ? fit.residualStd : 0,
        Number.isFinite(held) ? (held ?? 0) : 0,
      ) || 1e-3,
    validation: { points: v, mae, naiveMae },
  };
}
