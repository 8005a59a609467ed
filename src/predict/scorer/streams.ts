/**
 * The scorer's evidence streams. Each sees one row at a time (timestamp, value), keeps only what
 * it needs of the past, and writes this row's statistics into `stats` (larger = stranger; NaN =
 * no new evidence this row). Statistics are in the series' own units of recent volatility or
 * error; the scorer turns each into an empirical p-value, so no stream needs a tuned scale.
 */

export interface Stream {
  /** One name per statistic, e.g. `range@1`. */
  readonly names: readonly string[];
  /** This row's statistics, written by `update`. */
  readonly stats: Float64Array;
  update(timestamp: number, value: number): void;
}

/** Smoothing factor of an exponentially weighted mean with this half-life in rows. */
export function halfLifeAlpha(rows: number): number {
  return 1 - 2 ** (-1 / Math.max(rows, 0.5));
}

function tiny(v: number): number {
  return 1e-12 + 1e-9 * Math.abs(v);
}

/** Mean of the last `size` values pushed, in O(1). */
export class RollingMean {
  private readonly ring: Float64Array;
  private sum = 0;
  private count = 0;
  private next = 0;
  constructor(size: number) {
    this.ring = new Float64Array(Math.max(1, Math.round(size)));
  }
  push(x: number): number {
    if (this.count === this.ring.length) this.sum -= this.ring[this.next] as number;
    else this.count++;
    this.ring[this.next] = x;
    this.next = (this.next + 1) % this.ring.length;
    this.sum += x;
    return this.sum / this.count;
  }
}

/** Max and min of the last `size` values pushed (0 = every value), amortized O(1). */
export class TrailingExtremes {
  private readonly maxIdx: number[] = [];
  private readonly maxVal: number[] = [];
  private readonly minIdx: number[] = [];
  private readonly minVal: number[] = [];
  private maxHead = 0;
  private minHead = 0;
  private pushed = 0;
  constructor(private readonly size: number) {}

  get empty(): boolean {
    return this.pushed === 0;
  }
  get max(): number {
    return this.maxVal[this.maxHead] ?? NaN;
  }
  get min(): number {
    return this.minVal[this.minHead] ?? NaN;
  }

  push(x: number): void {
    const i = this.pushed++;
    while (this.maxVal.length > this.maxHead && (this.maxVal[this.maxVal.length - 1] as number) <= x) {
      this.maxVal.pop();
      this.maxIdx.pop();
    }
    this.maxVal.push(x);
    this.maxIdx.push(i);
    while (this.minVal.length > this.minHead && (this.minVal[this.minVal.length - 1] as number) >= x) {
      this.minVal.pop();
      this.minIdx.pop();
    }
    this.minVal.push(x);
    this.minIdx.push(i);
    if (this.size > 0) {
      const oldest = i - this.size + 1;
      while ((this.maxIdx[this.maxHead] as number) < oldest) this.maxHead++;
      while ((this.minIdx[this.minHead] as number) < oldest) this.minHead++;
    }
    if (this.maxHead > 4096) this.compact();
  }

  private compact(): void {
    this.maxIdx.splice(0, this.maxHead);
    this.maxVal.splice(0, this.maxHead);
    this.minIdx.splice(0, this.minHead);
    this.minVal.splice(0, this.minHead);
    this.maxHead = 0;
    this.minHead = 0;
  }
}

/**
 * How far the value leaves the range of the trailing horizon(s), in units of recent volatility
 * (exponentially weighted mean |step|): 0 inside the range. A slow drift moves the range with it;
 * a volatile series needs a larger excursion. Horizon 0 = everything seen. No evidence (NaN)
 * until the volatility has seen one half-life of steps, so its first rough values never enter
 * the statistic's history.
 */
export class RangeStream implements Stream {
  readonly names: string[];
  readonly stats: Float64Array;
  private readonly extremes: TrailingExtremes[];
  private readonly alpha: number;
  private volatility = NaN;
  private previous = NaN;
  private steps = 0;
  private readonly halfLife: number;

  constructor(
    horizonsRows: readonly number[],
    volatilityHalfLifeRows: number,
    private readonly margin = 0,
  ) {
    this.names = horizonsRows.map((h) => `range@${h || 'all'}`);
    this.stats = new Float64Array(horizonsRows.length);
    this.extremes = horizonsRows.map((h) => new TrailingExtremes(h));
    this.alpha = halfLifeAlpha(volatilityHalfLifeRows);
    this.halfLife = Math.max(1, volatilityHalfLifeRows);
  }

  update(_timestamp: number, v: number): void {
    const unit = this.volatility + tiny(v);
    const ready = this.steps >= this.halfLife;
    this.extremes.forEach((e, k) => {
      const slack = this.margin * (e.max - e.min);
      this.stats[k] = ready ? Math.max(0, v - e.max - slack, e.min - slack - v) / unit : NaN;
      e.push(v);
    });
    if (!Number.isNaN(this.previous)) {
      this.steps++;
      const step = Math.abs(v - this.previous);
      this.volatility = Number.isNaN(this.volatility)
        ? step
        : this.volatility + this.alpha * (step - this.volatility);
    }
    this.previous = v;
  }
}

export interface ForecastStreamOptions {
  /** Half-lives of Holt's level and trend, rows. */
  levelHalfLifeRows: number;
  trendHalfLifeRows: number;
  /** Half-life of the error scale (mean |error|) the errors are measured in, rows. */
  errorHalfLifeRows: number;
  /** Rows each statistic averages the scaled errors over (one statistic per entry). */
  scalesRows: readonly number[];
}

/**
 * Holt's linear exponential smoothing one step ahead (a statistical forecaster that follows drift);
 * its |error| in units of its own recent mean |error|, averaged over several time scales: a
 * single surprising row and a sustained change of behaviour each get a statistic.
 */
export class ForecastStream implements Stream {
  readonly names: string[];
  readonly stats: Float64Array;
  private readonly means: RollingMean[];
  private readonly a: number;
  private readonly b: number;
  private readonly e: number;
  private level = NaN;
  private trend = 0;
  private scale = NaN;

  constructor(o: ForecastStreamOptions, label = 'forecast') {
    this.names = o.scalesRows.map((m) => `${label}@${m}`);
    this.stats = new Float64Array(o.scalesRows.length);
    this.means = o.scalesRows.map((m) => new RollingMean(m));
    this.a = halfLifeAlpha(o.levelHalfLifeRows);
    this.b = halfLifeAlpha(o.trendHalfLifeRows);
    this.e = halfLifeAlpha(o.errorHalfLifeRows);
  }

  update(_timestamp: number, v: number): void {
    if (Number.isNaN(this.level)) {
      this.level = v;
      this.stats.fill(NaN);
      return;
    }
    const error = Math.abs(v - (this.level + this.trend));
    const scaled = Number.isNaN(this.scale) ? 0 : error / (this.scale + tiny(v));
    this.means.forEach((m, k) => {
      this.stats[k] = m.push(scaled);
    });
    this.scale = Number.isNaN(this.scale) ? error : this.scale + this.e * (error - this.scale);
    const prev = this.level;
    this.level = prev + this.trend + this.a * (v - (prev + this.trend));
    this.trend += this.b * (this.level - prev - this.trend);
  }
}
