/**
 * Neural stream (optional): a brain.js 1.6.1 GRU, trained once on the warm-up rows (scaled to
 * their median and inter-quartile range) to predict the next value from the last `contextRows`,
 * then run on every later row through the project's compiled forward pass. Its |error| in units
 * of its own recent mean |error|, averaged over the forecast time scales, is the statistic. No
 * evidence (NaN) until the net is trained; training is synchronous (a second or two per series).
 */
import { compileForecaster, trainNet, type CompiledForecaster } from '../forecaster';
import { RollingMean, halfLifeAlpha, type Stream } from './streams';

const SEED = 0x5eed;

/**
 * Runs `fn` with Math.random replaced by a seeded generator (mulberry32): brain.js draws its
 * initial weights from Math.random, and the same series must always get the same net (the eval
 * and the live path must agree). Training is synchronous, so nothing else sees the swap.
 */
function seeded<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  let a = seed >>> 0;
  Math.random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

export interface NeuralStreamOptions {
  warmupRows: number;
  scalesRows: readonly number[];
  errorHalfLifeRows: number;
  /** Values the net reads before each forecast. @default 12 */
  contextRows?: number;
  /** Training sequences taken from the warm-up (evenly spaced). @default 24 */
  sequences?: number;
  /** brain.js training iterations. @default 40 */
  iterations?: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))] ?? 0;
}

export class NeuralStream implements Stream {
  readonly names: string[];
  readonly stats: Float64Array;
  private readonly history: number[] = [];
  private readonly means: RollingMean[];
  private readonly alpha: number;
  private readonly context: number;
  private net: CompiledForecaster | undefined;
  private center = 0;
  private spread = 1;
  private scale = NaN;
  private readonly input: Float64Array;

  constructor(private readonly o: NeuralStreamOptions) {
    this.names = o.scalesRows.map((m) => `neural@${m}`);
    this.stats = new Float64Array(o.scalesRows.length).fill(NaN);
    this.means = o.scalesRows.map((m) => new RollingMean(m));
    this.alpha = halfLifeAlpha(o.errorHalfLifeRows);
    this.context = o.contextRows ?? 12;
    this.input = new Float64Array(this.context);
  }

  update(_t: number, v: number): void {
    this.stats.fill(NaN);
    if (this.net) {
      for (let i = 0; i < this.context; i++) {
        this.input[i] =
          ((this.history[this.history.length - this.context + i] ?? v) - this.center) / this.spread;
      }
      const forecast = this.net.next(this.input) * this.spread + this.center;
      const error = Math.abs(v - forecast);
      const scaled = Number.isNaN(this.scale) ? 0 : error / (this.scale + 1e-12 + 1e-9 * Math.abs(v));
      this.means.forEach((m, k) => {
        this.stats[k] = m.push(scaled);
      });
      this.scale = Number.isNaN(this.scale) ? error : this.scale + this.alpha * (error - this.scale);
    }
    this.history.push(v);
    if (this.history.length > 2 * this.context) this.history.splice(0, this.history.length - this.context);
    if (!this.net && this.warmup.push(v) >= this.o.warmupRows) this.train();
  }

  private readonly warmup: number[] = [];

  private train(): void {
    const sorted = [...this.warmup].sort((a, b) => a - b);
    this.center = quantile(sorted, 0.5);
    this.spread = quantile(sorted, 0.75) - quantile(sorted, 0.25) || Math.abs(this.center) || 1;
    const scaled = this.warmup.map((x) => (x - this.center) / this.spread);
    const length = this.context + 1;
    const count = Math.min(this.o.sequences ?? 24, Math.max(0, scaled.length - length + 1));
    const sequences: number[][] = [];
    for (let k = 0; k < count; k++) {
      const start = Math.floor((k * (scaled.length - length)) / Math.max(1, count - 1));
      sequences.push(scaled.slice(start, start + length));
    }
    if (sequences.length === 0) return;
    const trained = seeded(SEED, () =>
      trainNet({ kind: 'gru', sequences, iterations: this.o.iterations ?? 40, hiddenSize: 6 }),
    );
    this.net = compileForecaster(trained.net);
    this.warmup.length = 0;
  }
}
