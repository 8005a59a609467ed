/**
 * The report's stand-in forecast band, used when the stored predictions carry no forecast of
 * their own: a least-squares line through the recent samples, extended over the horizon, with
 * ±2 residual standard deviations around it (wider the further out it reaches).
 */
import type { ForecastBand } from './types';

export function linearTrendBand(
  timestamps: number[],
  values: number[],
  horizonMs: number,
  points = 20,
): ForecastBand | undefined {
  const xs: number[] = [];
  const ys: number[] = [];
  timestamps.forEach((t, i) => {
    const v = values[i];
    if (v !== undefined && Number.isFinite(v)) {
      xs.push(t);
      ys.push(v);
    }
  });
  if (xs.length < 3 || horizonMs <= 0) return undefined;
  const n = xs.length;
  const x0 = xs[0]!;
  const meanX = xs.reduce((s, x) => s + (x - x0), 0) / n;
  const meanY = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - x0 - meanX) * (ys[i]! - meanY);
    sxx += (xs[i]! - x0 - meanX) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const at = (t: number) => meanY + slope * (t - x0 - meanX);
  const residual = Math.sqrt(ys.reduce((s, y, i) => s + (y - at(xs[i]!)) ** 2, 0) / Math.max(1, n - 2));
  const last = xs[n - 1]!;
  const span = Math.max(1, last - x0);
  const band: ForecastBand = { timestamps: [], mid: [], lower: [], upper: [], source: 'trend' };
  for (let k = 0; k <= points; k++) {
    const t = last + (horizonMs * k) / points;
    const spread = 2 * residual * Math.sqrt(1 + (t - last) / span);
    band.timestamps.push(t);
    band.mid.push(at(t));
    band.lower.push(at(t) - spread);
    band.upper.push(at(t) + spread);
  }
  return band;
}
