/**
 * The statistical forecaster: additive Holt-Winters (level, damped trend, one season) when the
 * series spans at least two seasons, else Holt's linear method with a damped trend. Smoothing
 * constants are chosen per series by the smallest one-step squared error over a small grid; the
 * season is a day or a week in *time* (converted to steps), never a row count. The damping
 * φ = 1 − 2/n lets a trend run on for about half the span it was seen in, not for ever (a noisy
 * slope extrapolated over a long horizon otherwise swings far past anything the series did).
 */

export interface HoltWintersModel {
  alpha: number;
  beta: number;
  gamma: number;
  /** Trend damping per step. */
  phi: number;
  /** Season length in steps; 0 = Holt's linear method. */
  period: number;
  level: number;
  trend: number;
  /** Seasonal offsets, `season[(t) % period]` for the next step t = n. */
  season: number[];
  /** Points it was fitted on (the next forecast is step n). */
  n: number;
  /** Root mean square of the one-step errors in the fit (after the first season/points). */
  residualStd: number;
}

const ALPHAS = [0.1, 0.3, 0.5, 0.8];
const BETAS = [0.01, 0.05, 0.15, 0.3];
const GAMMAS = [0.05, 0.2];

const DAY_MS = 86_400_000;

/**
 * Season length in steps for a series of `points` points `stepMs` apart: a week when the series
 * holds two, else a day when it holds two, else 0 (no season).
 */
export function seasonSteps(stepMs: number, points: number): number {
  for (const span of [7 * DAY_MS, DAY_MS]) {
    const steps = Math.round(span / stepMs);
    if (steps >= 2 && points >= 2 * steps) return steps;
  }
  return 0;
}

function initialTrend(values: readonly number[], period: number): number {
  if (period > 0) {
    let s = 0;
    for (let i = 0; i < period; i++) s += ((values[i + period] ?? 0) - (values[i] ?? 0)) / period;
    return s / period;
  }
  const k = Math.min(values.length - 1, 10);
  return k > 0 ? ((values[k] ?? 0) - (values[0] ?? 0)) / k : 0;
}

/** Damping that lets a trend seen over n points run on for about n/2 more. */
export function dampingFor(n: number): number {
  return Math.max(0.5, 1 - 2 / Math.max(n, 4));
}

function run(
  values: readonly number[],
  alpha: number,
  beta: number,
  gamma: number,
  period: number,
): HoltWintersModel {
  const phi = dampingFor(values.length);
  let level: number;
  let trend = initialTrend(values, period);
  const season: number[] = [];
  let start: number;
  if (period > 0) {
    let mean = 0;
    for (let i = 0; i < period; i++) mean += (values[i] ?? 0) / period;
    for (let i = 0; i < period; i++) season.push((values[i] ?? 0) - mean);
    level = mean;
    start = period;
  } else {
    level = values[0] ?? 0;
    start = 1;
  }
  let sse = 0;
  let count = 0;
  for (let t = start; t < values.length; t++) {
    const y = values[t] ?? 0;
    const s = period > 0 ? (season[t % period] ?? 0) : 0;
    const predicted = level + phi * trend + s;
    const e = y - predicted;
    sse += e * e;
    count++;
    const prevLevel = level;
    level = alpha * (y - s) + (1 - alpha) * (level + phi * trend);
    trend = beta * (level - prevLevel) + (1 - beta) * phi * trend;
    if (period > 0) season[t % period] = gamma * (y - level) + (1 - gamma) * s;
  }
  return {
    alpha,
    beta,
    gamma: period > 0 ? gamma : 0,
    phi,
    period,
    level,
    trend,
    season,
    n: values.length,
    residualStd: count > 0 ? Math.sqrt(sse / count) : NaN,
  };
}

/** Fits the series (finite values, at least 3); `period` 0 or omitted-and-too-short = no season. */
export function fitHoltWinters(values: readonly number[], period = 0): HoltWintersModel {
  if (values.length < 3) throw new RangeError(`Holt-Winters needs at least 3 points, got ${values.length}`);
  const p = period > 0 && values.length >= 2 * period ? period : 0;
  let best: HoltWintersModel | undefined;
  let bestErr = Infinity;
  for (const alpha of ALPHAS)
    for (const beta of BETAS)
      for (const gamma of p > 0 ? GAMMAS : [0]) {
        const m = run(values, alpha, beta, gamma, p);
        const err = Number.isFinite(m.residualStd) ? m.residualStd : Infinity;
        if (err < bestErr) {
          bestErr = err;
          best = m;
        }
      }
  return best ?? run(values, 0.5, 0.05, 0, 0);
}

/** The next `steps` values after the fitted points. */
export function forecastHoltWinters(model: HoltWintersModel, steps: number): number[] {
  const out: number[] = [];
  let damped = 0;
  for (let h = 1; h <= steps; h++) {
    damped += model.phi ** h;
    const s = model.period > 0 ? (model.season[(model.n + h - 1) % model.period] ?? 0) : 0;
    out.push(model.level + damped * model.trend + s);
  }
  return out;
}
