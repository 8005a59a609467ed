/**
 * foreshock's streaming anomaly detector for the NAB harness. Walk-forward: row i sees rows ≤ i
 * only; nothing is fitted on the future, nothing on other files.
 *
 *   value ─▶ Holt one-step forecast ─▶ |error| / seen range ─▶ short mean ─▶ z vs its own trailing window ─┐
 *   value ─▶ same time one day earlier ─▶ |difference| / seen range ─▶ short mean ─▶ z (same way) ────────┤ max ─▶ P ─▶ first-rise
 *   value ─▶ beyond the range seen so far (by a margin)? ─▶ large z growing with the excess ───────────────┤
 *   last 52 values' histogram ─▶ KL divergence from the most similar of the last 60 ─▶ z vs past divergences ┘
 *
 * `anomaly_score(t)` is the probability that the series' recent behaviour at t is NOT drawn from
 * its own recent normal: P = P(C ≤ z) for a standard Cauchy C, where z is the largest of the
 * streams' distances from their trailing means in trailing standard deviations (errors of real
 * series are heavy-tailed; a Gaussian would call every large error "1.0" and lose the order
 * between them). The entropy stream sees distribution changes that stay inside the seen range
 * and that a forecast error averages away. The score is reported only when it is a new maximum over the
 * last `quietRows` rows, so one episode gives one alarm rather than a burst (0 otherwise).
 */
import type { Detector } from './baselines';

/** P(X > z) for a standard Cauchy variable; heavy tails keep large errors distinguishable. */
export function cauchyTail(z: number): number {
  return z > 0 ? Math.atan(1 / z) / Math.PI : 0.5 - Math.atan(z) / Math.PI;
}

export interface ForeshockDetectorOptions {
  /** Holt level/trend smoothing. */
  alpha: number;
  beta: number;
  /** Rows in the short means of errors (one likelihood per entry, the largest wins). */
  shortRows: number[];
  /** Weight of the value's own z against its trailing window (0 = off). */
  levelWeight: number;
  /** Rows of error history the Gaussian is fitted to. */
  longRows: number;
  /** Rows before any score is given. */
  learnRows: number;
  /** Share of the seen range a value must exceed it by to count as out of range. */
  rangeMargin: number;
  /** The z a value gets at exactly the margin beyond the seen range (grows with the excess). */
  outOfRangeZ: number;
  /** An alarm is reported only if it beats every score of the last this-many rows. */
  quietRows: number;
  /** Weight of the seasonal stream (error against the same time one period earlier; 0 = off). */
  seasonalWeight: number;
  /** How the seasonal z joins the forecast-error z: the larger one, or their (positive) sum. */
  combineSeasonal: 'max' | 'sum';
  /** The season, ms (a day); turned into rows from the median step of the rows seen so far. */
  seasonMs: number;
  /** Rows of value history the level z is measured against (0 = `longRows`). */
  levelRows: number;
  /** Weight of the step-to-step change stream (|v − previous v| short mean vs its history; 0 = off). */
  volatilityWeight: number;
  /** Weight of the relative-entropy stream (0 = off). */
  entropyWeight: number;
  /** Rows per histogram window of the relative-entropy streams (one stream per entry). */
  entropyRows: number[];
  /** Past windows each histogram is compared with (the most similar one counts). */
  entropyLookback: number;
  /** Histograms are taken every window/this rows. */
  entropyStrideDiv: number;
  /**
   * Histogram bins span the seen values' mean ± this many standard deviations (clamped to the
   * seen range; values outside go to the end bins), so one huge spike does not squeeze every
   * later window into a single bin (0 = the plain seen range).
   */
  entropyClipSd: number;
  /** Bins of the relative-entropy histograms. */
  entropyBins: number;
}

export const DEFAULT_DETECTOR_OPTIONS: ForeshockDetectorOptions = {
  alpha: 0.05,
  beta: 0.05,
  shortRows: [10],
  levelWeight: 0,
  longRows: 600,
  learnRows: 150,
  rangeMargin: 0.01,
  outOfRangeZ: 20,
  quietRows: 100,
  seasonalWeight: 1,
  combineSeasonal: 'max',
  seasonMs: 86_400_000,
  levelRows: 0,
  volatilityWeight: 0,
  entropyWeight: 3,
  entropyRows: [52],
  entropyLookback: 60,
  entropyStrideDiv: 4,
  entropyBins: 5,
  entropyClipSd: 4.5,
};

export function foreshockDetector(overrides: Partial<ForeshockDetectorOptions> = {}): Detector {
  const o = { ...DEFAULT_DETECTOR_OPTIONS, ...overrides };
  return (values, timestamps) => firstRise(rawLikelihood(values, o, timestamps), o.quietRows);
}

/** The unfiltered likelihood per row (before the first-rise filter). */
/** Mean and std over the last `size` values pushed, in O(1) per push. */
class RollingStats {
  private readonly ring: Float64Array;
  private sum = 0;
  private sq = 0;
  count = 0;
  private next = 0;
  constructor(size: number) {
    this.ring = new Float64Array(size);
  }
  push(x: number): void {
    if (this.count === this.ring.length) {
      const old = this.ring[this.next] ?? 0;
      this.sum -= old;
      this.sq -= old * old;
    } else this.count++;
    this.ring[this.next] = x;
    this.next = (this.next + 1) % this.ring.length;
    this.sum += x;
    this.sq += x * x;
  }
  get mean(): number {
    return this.count ? this.sum / this.count : 0;
  }
  get std(): number {
    const m = this.mean;
    return Math.sqrt(Math.max(this.sq / Math.max(this.count, 1) - m * m, 0));
  }
}

/** Rows per season from the median step of the first rows (only rows already seen are used). */
function seasonRows(timestamps: readonly number[] | undefined, seen: number, seasonMs: number): number {
  if (!timestamps || seen < 20) return 0;
  const steps: number[] = [];
  for (let i = 1; i < Math.min(seen, 200); i++) {
    const d = (timestamps[i] ?? 0) - (timestamps[i - 1] ?? 0);
    if (d > 0) steps.push(d);
  }
  steps.sort((a, b) => a - b);
  const median = steps[Math.floor(steps.length / 2)];
  return median ? Math.round(seasonMs / median) : 0;
}

export function rawLikelihood(
  values: readonly number[],
  o: ForeshockDetectorOptions,
  timestamps?: readonly number[],
): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const period = o.seasonalWeight > 0 ? seasonRows(timestamps, Math.min(o.learnRows, n), o.seasonMs) : 0;
  const seasonalShort = new RollingStats(o.shortRows[0] ?? 5);
  const seasonalHistory = new RollingStats(o.longRows);
  let lo = Infinity;
  let hi = -Infinity;
  let level = values[0] ?? 0;
  let trend = 0;
  const shortErrors = o.shortRows.map((rows) => new RollingStats(rows));
  const errorHistory = o.shortRows.map(() => new RollingStats(o.longRows));
  const valueHistory = new RollingStats(o.levelRows || o.longRows);
  const volatilityShort = new RollingStats(o.shortRows[0] ?? 5);
  const volatilityHistory = new RollingStats(o.longRows);
  const entropies =
    o.entropyWeight > 0
      ? o.entropyRows.map((rows) =>
          relativeEntropyStream(
            values,
            rows,
            o.entropyBins,
            o.entropyLookback,
            o.entropyStrideDiv,
            o.entropyClipSd,
          ),
        )
      : [];
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? 0;
    const range = hi - lo;
    const forecast = level + trend;
    const scale = range > 0 ? range : Math.abs(v) || 1;
    const error = i === 0 ? 0 : Math.min(1, Math.abs(v - forecast) / scale);

    let z = -Infinity;
    const ready = i >= o.learnRows;
    shortErrors.forEach((short, k) => {
      short.push(error);
      const history = errorHistory[k] as RollingStats;
      if (ready) z = Math.max(z, (short.mean - history.mean) / Math.max(history.std, 1e-4));
      history.push(short.mean);
    });
    if (period > 0 && i >= period) {
      seasonalShort.push(Math.min(1, Math.abs(v - (values[i - period] ?? v)) / scale));
      if (ready && seasonalHistory.count > 10) {
        const zs = (seasonalShort.mean - seasonalHistory.mean) / Math.max(seasonalHistory.std, 1e-4);
        z =
          o.combineSeasonal === 'sum'
            ? Math.max(z, 0) + Math.max(o.seasonalWeight * zs, 0)
            : Math.max(z, o.seasonalWeight * zs);
      }
      seasonalHistory.push(seasonalShort.mean);
    }
    if (o.volatilityWeight > 0 && i > 0) {
      volatilityShort.push(Math.min(1, Math.abs(v - (values[i - 1] ?? v)) / scale));
      if (ready && volatilityHistory.count > 10) {
        const zv = (volatilityShort.mean - volatilityHistory.mean) / Math.max(volatilityHistory.std, 1e-4);
        z = Math.max(z, o.volatilityWeight * zv);
      }
      volatilityHistory.push(volatilityShort.mean);
    }
    if (ready) {
      let entropyZ = -Infinity;
      for (const entropy of entropies) entropyZ = Math.max(entropyZ, o.entropyWeight * (entropy[i] ?? 0));
      z = Math.max(z, entropyZ);
      if (o.levelWeight > 0) {
        const levelZ = Math.abs(v - valueHistory.mean) / Math.max(valueHistory.std, 1e-9 * scale, 1e-12);
        z = Math.max(z, o.levelWeight * levelZ);
      }
      if (range > 0) {
        const beyond = Math.max(v - hi, lo - v) / range;
        if (beyond > o.rangeMargin) z = Math.max(z, o.outOfRangeZ * (beyond / o.rangeMargin));
      }
      out[i] = 1 - cauchyTail(z);
    }
    valueHistory.push(v);

    if (v < lo) lo = v;
    if (v > hi) hi = v;
    const prevLevel = level;
    level = o.alpha * v + (1 - o.alpha) * (level + trend);
    trend = o.beta * (level - prevLevel) + (1 - o.beta) * trend;
  }
  return out;
}

/**
 * Relative entropy of the last `rows` values' histogram against the histograms of earlier
 * windows (bins over the range seen so far, or over mean ± `clipSd` std of the values seen so far
 * clamped to that range when `clipSd` > 0), as a z: how far the current window's divergence
 * from the most similar past window lies above the typical divergence between past windows.
 * Walk-forward: entry i uses values ≤ i only.
 */
export function relativeEntropyStream(
  values: readonly number[],
  rows: number,
  bins: number,
  lookback = 60,
  strideDiv = 4,
  clipSd = 0,
): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  const past: Float64Array[] = [];
  const divergences = new RollingStats(200);
  let seenSum = 0;
  let seenSq = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? 0;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    seenSum += v;
    seenSq += v * v;
    if (i + 1 < rows || (i + 1) % Math.max(1, Math.floor(rows / strideDiv)) !== 0) {
      out[i] = i > 0 ? (out[i - 1] ?? 0) : 0;
      continue;
    }
    const hist = new Float64Array(bins);
    const mean = seenSum / (i + 1);
    const sd = Math.sqrt(Math.max(seenSq / (i + 1) - mean * mean, 0));
    const bLo = clipSd > 0 ? Math.max(lo, mean - clipSd * sd) : lo;
    const bHi = clipSd > 0 ? Math.min(hi, mean + clipSd * sd) : hi;
    const span = bHi - bLo || 1;
    for (let j = i - rows + 1; j <= i; j++) {
      const b = Math.max(0, Math.min(bins - 1, Math.floor((((values[j] ?? 0) - bLo) / span) * bins)));
      hist[b] = (hist[b] ?? 0) + 1;
    }
    for (let b = 0; b < bins; b++) hist[b] = ((hist[b] ?? 0) + 0.5) / (rows + 0.5 * bins);
    let nearest = Infinity;
    for (let k = Math.max(0, past.length - lookback); k < past.length - 1; k++) {
      const q = past[k] as Float64Array;
      let d = 0;
      for (let b = 0; b < bins; b++) d += (hist[b] ?? 0) * Math.log((hist[b] ?? 1) / (q[b] ?? 1));
      if (d < nearest) nearest = d;
    }
    if (Number.isFinite(nearest)) {
      out[i] = divergences.count > 10 ? (nearest - divergences.mean) / Math.max(divergences.std, 1e-4) : 0;
      divergences.push(nearest);
    }
    past.push(hist);
  }
  return out;
}

/** Keep a score only where it beats every score of the previous `quietRows` rows; else 0. */
export function firstRise(scores: Float64Array, quietRows: number): Float64Array {
  const out = new Float64Array(scores.length);
  // Monotone deque of indices with decreasing scores: the window max in O(1) amortized.
  const deque: number[] = [];
  let head = 0;
  for (let i = 0; i < scores.length; i++) {
    while (head < deque.length && (deque[head] ?? 0) < i - quietRows) head++;
    const windowMax = head < deque.length ? (scores[deque[head] ?? 0] ?? 0) : -Infinity;
    const s = scores[i] ?? 0;
    out[i] = s > windowMax ? s : 0;
    while (deque.length > head && (scores[deque[deque.length - 1] ?? 0] ?? 0) <= s) deque.pop();
    deque.push(i);
  }
  return out;
}
