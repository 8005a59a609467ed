/**
 * Per-series preparation for the forecaster: gap filling and robust scaling (median / IQR), so
 * that one model per (resource type, signal) can be trained across resources of different size.
 */

export interface RobustScale {
  center: number;
  scale: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * Math.min(Math.max(q, 0), 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? NaN;
  const b = sorted[hi] ?? NaN;
  return a + (b - a) * (pos - lo);
}

/** Median and interquartile range of the finite values; the scale never collapses to 0. */
export function robustScale(values: readonly number[]): RobustScale {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return { center: 0, scale: 1 };
  const center = quantile(finite, 0.5);
  const iqr = quantile(finite, 0.75) - quantile(finite, 0.25);
  const spread = (finite[finite.length - 1] ?? 0) - (finite[0] ?? 0);
  const scale = iqr > 0 ? iqr : spread > 0 ? spread : Math.max(Math.abs(center), 1e-9);
  return { center, scale };
}

export function applyScale(values: readonly number[], s: RobustScale): number[] {
  return values.map((v) => (v - s.center) / s.scale);
}

export function unscale(value: number, s: RobustScale): number {
  return value * s.scale + s.center;
}

/**
 * Missing points (NaN) filled with the last seen value (the first ones with the first seen);
 * returns undefined when nothing is usable.
 */
export function fillGaps(values: readonly number[]): { values: number[]; missing: number } | undefined {
  const first = values.find(Number.isFinite);
  if (first === undefined) return undefined;
  let last = first;
  let missing = 0;
  const out = values.map((v) => {
    if (Number.isFinite(v)) {
      last = v;
      return v;
    }
    missing++;
    return last;
  });
  return { values: out, missing };
}

/** Fixed-length training sequences (stride `stride`) from a scaled series; values clipped to ±clip. */
export function slidingWindows(
  values: readonly number[],
  length: number,
  stride: number,
  clip = 10,
): number[][] {
  const out: number[][] = [];
  for (let start = 0; start + length <= values.length; start += stride) {
    out.push(values.slice(start, start + length).map((v) => Math.max(-clip, Math.min(clip, v))));
  }
  return out;
}

/** Averages of consecutive blocks so that at most `maxPoints` remain (NaN blocks stay NaN). */
export function downsample(
  values: readonly number[],
  maxPoints: number,
): { values: number[]; factor: number } {
  if (values.length <= maxPoints) return { values: [...values], factor: 1 };
  const factor = Math.ceil(values.length / maxPoints);
  const out: number[] = [];
  for (let i = 0; i < values.length; i += factor) {
    let sum = 0;
    let n = 0;
    for (let k = i; k < Math.min(i + factor, values.length); k++) {
      const v = values[k] ?? NaN;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    out.push(n ? sum / n : NaN);
  }
  return { values: out, factor };
}
