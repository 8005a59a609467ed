/**
 * Seasonal stream: the value against the value one season earlier (a day, a week), found by
 * timestamp, so gaps in the data never shift the comparison. A season is used only once the
 * series' own step is known and the season spans at least 8 steps; until a full season has been
 * seen it gives no evidence (NaN). Its |difference| is measured in units of its own recent mean
 * and averaged over a short time scale, like the forecast stream. With `nearest`, the seasons give
 * one statistic, the least surprising of them (each in its own units): a value is seasonal if it
 * matches yesterday OR last week, so a weekday/weekend switch or a one-off day does not count as
 * a surprise twice.
 */
import { RollingMean, halfLifeAlpha, type Stream } from './streams';

/** Rows whose step decides the series' sampling interval (median of their positive steps). */
const STEP_SAMPLE = 32;

export interface SeasonStreamOptions {
  periodsMs: readonly number[];
  /**
   * One statistic, the least surprising season (the value is compared with each).
   * @default false
   */
  nearest?: boolean;
  /** Rows the scaled differences are averaged over. */
  smoothingRows: number;
  /** Half-life of the difference scale, rows. */
  scaleHalfLifeRows: number;
}

export class SeasonStream implements Stream {
  readonly names: string[];
  readonly stats: Float64Array;
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  private head = 0;
  private readonly steps: number[] = [];
  private stepMs = NaN;
  private readonly means: RollingMean[];
  private readonly scales: number[];
  private readonly alpha: number;
  private readonly longest: number;
  private readonly perPeriod: Float64Array;

  constructor(private readonly o: SeasonStreamOptions) {
    this.names = o.nearest ? ['season'] : o.periodsMs.map((p) => `season@${Math.round(p / 3_600_000)}h`);
    this.stats = new Float64Array(this.names.length);
    this.perPeriod = new Float64Array(o.periodsMs.length);
    this.means = o.periodsMs.map(() => new RollingMean(o.smoothingRows));
    this.scales = o.periodsMs.map(() => NaN);
    this.alpha = halfLifeAlpha(o.scaleHalfLifeRows);
    this.longest = Math.max(0, ...o.periodsMs);
  }

  update(t: number, v: number): void {
    this.learnStep(t);
    const stats = this.o.nearest ? this.perPeriod : this.stats;
    this.o.periodsMs.forEach((period, k) => {
      const then = this.valueAt(t - period, period);
      if (Number.isNaN(then)) {
        stats[k] = NaN;
        return;
      }
      const diff = Math.abs(v - then);
      const scale = this.scales[k] as number;
      const scaled = Number.isNaN(scale) ? 0 : diff / (scale + 1e-12 + 1e-9 * Math.abs(v));
      stats[k] = (this.means[k] as RollingMean).push(scaled);
      this.scales[k] = Number.isNaN(scale) ? diff : scale + this.alpha * (diff - scale);
    });
    if (this.o.nearest) {
      let min = NaN;
      for (const x of this.perPeriod) if (!Number.isNaN(x) && !(x >= min)) min = x;
      this.stats[0] = min;
    }
    this.times.push(t);
    this.values.push(v);
    this.trim(t);
  }

  private learnStep(t: number): void {
    if (!Number.isNaN(this.stepMs) || this.times.length === 0) return;
    const d = t - (this.times[this.times.length - 1] as number);
    if (d > 0) this.steps.push(d);
    if (this.steps.length >= STEP_SAMPLE) {
      const sorted = [...this.steps].sort((a, b) => a - b);
      this.stepMs = sorted[sorted.length >> 1] as number;
    }
  }

  /** The stored value nearest to `target`, within half a step; NaN if none or season unusable. */
  private valueAt(target: number, period: number): number {
    if (Number.isNaN(this.stepMs) || period < 8 * this.stepMs) return NaN;
    let lo = this.head;
    let hi = this.times.length;
    if (hi === lo || (this.times[lo] as number) > target + this.stepMs / 2) return NaN;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    let best = NaN;
    let bestGap = this.stepMs / 2;
    for (const i of [lo - 1, lo]) {
      const ti = this.times[i];
      if (i < this.head || ti === undefined) continue;
      const gap = Math.abs(ti - target);
      if (gap <= bestGap) {
        bestGap = gap;
        best = this.values[i] as number;
      }
    }
    return best;
  }

  private trim(t: number): void {
    const keepFrom = t - this.longest - 2 * (Number.isNaN(this.stepMs) ? 0 : this.stepMs);
    while (this.head < this.times.length && (this.times[this.head] as number) < keepFrom) this.head++;
    if (this.head > 8192) {
      this.times.splice(0, this.head);
      this.values.splice(0, this.head);
      this.head = 0;
    }
  }
}
