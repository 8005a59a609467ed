/**
 * Per-series empirical p-values (the conformal idea behind KNN-CAD): a statistic is ranked among
 * its own past values, so "p = 0.001" means "as extreme as one value in a thousand of this
 * series' own history" whatever the series' units, noise or shape.
 */

import { SortedWindow } from './sorted-window';

/** The p-value of each new value among the last `capacity` values before it, in O(capacity). */
export class RankPValue {
  /**
   * Share of the history treated as the tail: beyond its lowest value the p-value follows an
   * exponential tail fitted to the excesses (peaks over threshold, as in SPOT), so a value far
   * beyond anything seen keeps ranking above one just beyond it. 0 = ranks only.
   */
  tailShare = 0;

  private readonly past: SortedWindow;

  constructor(readonly capacity: number) {
    this.past = new SortedWindow(capacity);
  }

  /** Values held now. */
  get count(): number {
    return this.past.count;
  }

  /** (1 + #{past ≥ x}) / (1 + #past), with the tail smoothed, then x joins the past. */
  rank(x: number): number {
    const n = this.past.count;
    const p = this.tailShare > 0 ? this.tailP(x) : (1 + n - this.past.lowerBound(x)) / (1 + n);
    this.past.push(x);
    return p;
  }

  private tailP(x: number): number {
    const n = this.past.count;
    const k = Math.max(5, Math.ceil(this.tailShare * n));
    if (n < 2 * k) return (1 + n - this.past.lowerBound(x)) / (1 + n);
    const threshold = this.past.at(n - k);
    if (x <= threshold) return (1 + n - this.past.lowerBound(x)) / (1 + n);
    let sum = 0;
    let sq = 0;
    for (let i = n - k + 1; i < n; i++) {
      const y = this.past.at(i) - threshold;
      sum += y;
      sq += y * y;
    }
    const mean = sum / (k - 1);
    const variance = sq / (k - 1) - mean * mean;
    if (!(mean > 0)) return 1 / (1 + n);
    const y = x - threshold;
    if (!(variance > 0)) return (k / (1 + n)) * Math.exp(-y / mean);
    // Generalized Pareto fitted by moments: shape ξ = ½(1 − m²/v), scale σ = ½m(1 + m²/v).
    const ratio = (mean * mean) / variance;
    const shape = Math.max(-0.5, Math.min(0.5 * (1 - ratio), 1));
    const scale = 0.5 * mean * (1 + ratio);
    const tail =
      Math.abs(shape) < 1e-6 ? Math.exp(-y / scale) : Math.max(0, 1 + (shape * y) / scale) ** (-1 / shape);
    return Math.max((k / (1 + n)) * tail, 1e-300);
  }
}
