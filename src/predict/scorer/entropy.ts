/**
 * Relative-entropy stream (after Wang et al.'s relative-entropy detector on NAB): every quarter
 * window, the histogram of the last window of values is compared with the histograms of earlier
 * windows; the statistic is its KL divergence from the MOST similar of them. It sees a change of
 * distribution that stays inside the seen range (a forecast error averages that away). Bins span
 * the seen values' mean ± `clipSd` standard deviations, clamped to the seen range, so one early
 * spike does not squeeze every later window into one bin. Rows between two histograms give NaN.
 */
import type { Stream } from './streams';

export interface EntropyStreamOptions {
  windowRows: number;
  bins: number;
  /** Earlier histograms compared with (the most similar counts). */
  lookback: number;
  clipSd: number;
}

export class EntropyStream implements Stream {
  readonly names = ['entropy'];
  readonly stats = new Float64Array(1);
  private readonly ring: Float64Array;
  private readonly stride: number;
  private seen = 0;
  private sum = 0;
  private sq = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private readonly past: Float64Array[] = [];

  constructor(private readonly o: EntropyStreamOptions) {
    this.ring = new Float64Array(Math.max(4, Math.round(o.windowRows)));
    this.stride = Math.max(1, Math.floor(this.ring.length / 4));
  }

  update(_t: number, v: number): void {
    const w = this.ring.length;
    this.ring[this.seen % w] = v;
    this.seen++;
    this.sum += v;
    this.sq += v * v;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
    this.stats[0] = NaN;
    if (this.seen < w || this.seen % this.stride !== 0) return;
    const { bins, clipSd, lookback } = this.o;
    const mean = this.sum / this.seen;
    const sd = Math.sqrt(Math.max(this.sq / this.seen - mean * mean, 0));
    const bLo = Math.max(this.lo, mean - clipSd * sd);
    const bHi = Math.min(this.hi, mean + clipSd * sd);
    const span = bHi - bLo || 1;
    const hist = new Float64Array(bins);
    for (const x of this.ring) {
      const b = Math.max(0, Math.min(bins - 1, Math.floor(((x - bLo) / span) * bins)));
      hist[b] = (hist[b] as number) + 1;
    }
    for (let b = 0; b < bins; b++) hist[b] = ((hist[b] as number) + 0.5) / (w + 0.5 * bins);
    let nearest = Infinity;
    for (let k = Math.max(0, this.past.length - lookback); k < this.past.length - 1; k++) {
      const q = this.past[k] as Float64Array;
      let d = 0;
      for (let b = 0; b < bins; b++)
        d += (hist[b] as number) * Math.log((hist[b] as number) / (q[b] as number));
      if (d < nearest) nearest = d;
    }
    if (Number.isFinite(nearest)) this.stats[0] = nearest;
    this.past.push(hist);
    if (this.past.length > 4 * lookback) this.past.splice(0, this.past.length - lookback);
  }
}
