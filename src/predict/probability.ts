/**
 * Failure probabilities: from a forecast and its residual spread to "chance the signal crosses
 * its failure threshold within the horizon", then calibrated (isotonic map fitted on held-out
 * forecasts), then combined with history (incidents, firing alerts).
 */
import { normalTail } from './eval/baselines';

/**
 * P(the signal crosses `threshold` at some step of the forecast), treating the error at step k
 * as normal with spread residualStd × √k (a random walk around the forecast path). For a random
 * walk the chance that its maximum passes a level is twice the chance that its end does (the
 * reflection principle), so: twice the largest per-step chance, capped at 1 — where the largest
 * per-step chance alone would miss the crossings between steps. `above`: failure is a value
 * above the threshold. NaN when the forecast, spread or threshold is not finite: no chance is
 * claimed then.
 */
export function crossingProbability(
  forecast: readonly number[],
  residualStd: number,
  threshold: number,
  above = true,
): number {
  if (!Number.isFinite(residualStd) || !Number.isFinite(threshold) || !forecast.every(Number.isFinite))
    return NaN;
  let p = 0;
  forecast.forEach((f, k) => {
    const spread = Math.max(residualStd, 1e-9) * Math.sqrt(k + 1);
    const z = above ? (threshold - f) / spread : (f - threshold) / spread;
    p = Math.max(p, normalTail(z));
  });
  return Math.min(Math.max(2 * p, 0), 1);
}

/** A monotone map from raw probability to observed frequency: points (raw, calibrated), sorted. */
export interface Calibration {
  points: [number, number][];
  /** Number of (raw, outcome) pairs it was fitted on. */
  samples: number;
}

/** Isotonic regression (pool adjacent violators) of outcomes on raw probabilities. */
export function fitCalibration(pairs: readonly { p: number; outcome: boolean }[]): Calibration {
  const sorted = [...pairs].sort((a, b) => a.p - b.p);
  const blocks: { sumP: number; sumY: number; n: number }[] = [];
  for (const { p, outcome } of sorted) {
    blocks.push({ sumP: p, sumY: outcome ? 1 : 0, n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sumY / a.n <= b.sumY / b.n) break;
      blocks.splice(blocks.length - 2, 2, { sumP: a.sumP + b.sumP, sumY: a.sumY + b.sumY, n: a.n + b.n });
    }
  }
  // Shrink each block toward its raw mean a little (add-one smoothing), so small samples never
  // claim certainty.
  const points = blocks.map((b): [number, number] => [b.sumP / b.n, (b.sumY + b.sumP / b.n) / (b.n + 1)]);
  return { points, samples: pairs.length };
}

/** Piecewise-linear through the calibration points; identity when there are none. */
export function calibrate(p: number, calibration: Calibration | undefined): number {
  if (!Number.isFinite(p)) return NaN;
  const pts = calibration?.points ?? [];
  if (pts.length === 0) return p;
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  if (p <= first[0]) return first[1];
  if (p >= last[0]) return last[1];
  for (let k = 1; k < pts.length; k++) {
    const [x1, y1] = pts[k]!;
    const [x0, y0] = pts[k - 1]!;
    if (p <= x1) return x1 === x0 ? y1 : y0 + ((y1 - y0) * (p - x0)) / (x1 - x0);
  }
  return last[1];
}

/** Chance of at least one event in `horizonMs` for a Poisson rate estimated from `count` in `spanMs`. */
export function poissonChance(count: number, spanMs: number, horizonMs: number): number {
  // Half an event of prior keeps a clean history from meaning "impossible".
  const rate = (count + 0.5) / Math.max(spanMs, 1);
  return 1 - Math.exp(-rate * horizonMs);
}

/** Independent sources: P(any) = 1 − Π(1 − p). */
export function combineIndependent(ps: readonly number[]): number {
  return 1 - ps.reduce((q, p) => q * (1 - Math.min(Math.max(p, 0), 1)), 1);
}

/** Brier score of probabilities against outcomes. */
export function brier(pairs: readonly { p: number; outcome: boolean }[]): number {
  if (pairs.length === 0) return NaN;
  return pairs.reduce((s, { p, outcome }) => s + (p - (outcome ? 1 : 0)) ** 2, 0) / pairs.length;
}
