/**
 * A sliding window that also keeps its values sorted: what both the per-series rank p-values and
 * the level stream's medians and quartiles are computed from.
 */

/** The last `size` values pushed, also kept sorted (quantiles in O(1), a push in O(size)). */
export class SortedWindow {
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

  get full(): boolean {
    return this.size === this.capacity;
  }

  /** Values held now. */
  get count(): number {
    return this.size;
  }

  /** The i-th smallest value held (0-based). */
  at(i: number): number {
    return this.sorted[i] as number;
  }

  /** Linear-interpolated quantile q ∈ [0, 1] of the values held (NaN when empty). */
  quantile(q: number): number {
    if (this.size === 0) return NaN;
    const at = q * (this.size - 1);
    const lo = Math.floor(at);
    const hi = Math.min(this.size - 1, lo + 1);
    const a = this.sorted[lo] as number;
    return a + (at - lo) * ((this.sorted[hi] as number) - a);
  }

  /** Adds x; returns the value that dropped out (NaN while not yet full). */
  push(x: number): number {
    let old = NaN;
    if (this.size === this.capacity) {
      old = this.ring[this.head] as number;
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
    return old;
  }

  /** How many values held are below x. */
  lowerBound(x: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
