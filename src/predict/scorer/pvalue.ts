/**
 * Per-series empirical p-values (the conformal idea behind KNN-CAD): a statistic is ranked among
 * its own past values, so "p = 0.001" means "as extreme as one value in a thousand of this
 * series' own history" whatever the series' units, noise or shape.
 */

/** The p-value of each new value among the last `capacity` values before it, in O(capacity). */
export class RankPValue {
  /**
   * Share of the history treated as the tail: beyond its lowest value the p-value follows an
   * exponential tail fitted to the excesses (peaks over threshold, as in SPOT), so a value far
   * beyond anything seen keeps ranking above one just beyond it. 0 = ranks only.
   */
  tailShare = 0;

  private readonly sorted: Float64Array;
  private readonly ring: Float64Array;
  private size = 0;
  private head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity: expected an integer ≥ 1, got ${capacity}`);
    }
    this.sorted = new Float64Array(capacity);
    this.ring = new Float64Array(capacity);
  }

  /** Values held now. */
  get count(): number {
    return this.size;
  }

  /** (1 + #{past ≥ x}) / (1 + #past), with the tail smoothed, then x joins the past. */
  rank(x: number): number {
    const p = this.tailShare > 0 ? this.tailP(x) : (1 + this.size - this.lowerBound(x)) / (1 + this.size);
    this.add(x);
    return p;
  }

  private tailP(x: number): number {
    const n = this.size;
    const k = Math.max(5, Math.ceil(this.tailShare * n));
    if (n < 2 * k) return (1 + n - this.lowerBound(x)) / (1 + n);
    const threshold = this.sorted[n - k] as number;
    if (x <= threshold) return (1 + n - this.lowerBound(x)) / (1 + n);
    let sum = 0;
    let sq = 0;
    for (let i = n - k + 1; i < n; i++) {
      const y = (this.sorted[i] as number) - threshold;
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

  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private add(x: number): void {
    if (this.size === this.capacity) {
      const old = this.ring[this.head] as number;
      const at = this.lowerBound(old);
      this.sorted.copyWithin(at, at + 1, this.size);
      this.size--;
    }
    const at = this.lowerBound(x);
    this.sorted.copyWithin(at + 1, at, this.size);
    this.sorted[at] = x;
    this.size++;
    this.ring[this.head] = x;
    this.head = (this.head + 1) % this.capacity;
  }
}
