/**
 * Level shifts and stuck signals that stay inside the range already seen: a robust two-window
 * comparison. For each time scale w, the recent window (the last w rows) is compared with the
 * baseline window just before it (the b rows preceding the recent ones):
 *
 *   level@w  |median(recent) − median(baseline)| / spread(baseline)   (a shift of the level)
 *   spread@w spread(baseline) / spread(recent)                          (variance collapse)
 *
 * and, at no time scale, `stuck`: how many rows in a row the value has not changed at all (a
 * flat-lined reading, e.g. a dead sensor reporting 0), capped at the baseline's length so a
 * series that is constant for long stops being news.
 *
 * spread = interquartile range / 1.349 (≈ σ for normal data, unmoved by a few spikes). Medians
 * and quartiles ignore single outliers (the range stream's job), so these statistics move only
 * when at least half of the recent window has changed.
 */
import { SortedWindow } from './sorted-window';
import type { Stream } from './streams';

const IQR_TO_SIGMA = 1.349;

function spreadOf(w: SortedWindow): number {
  return (w.quantile(0.75) - w.quantile(0.25)) / IQR_TO_SIGMA;
}

/** The level stream's statistics: median shift, spread collapse, rows unchanged. */
export type LevelStatistic = 'shift' | 'spread' | 'stuck';
export const LEVEL_STATISTICS: readonly LevelStatistic[] = ['shift', 'spread', 'stuck'];

export interface LevelStreamOptions {
  /** Recent-window lengths, rows (`level@w` and/or `spread@w` at each). */
  scalesRows: readonly number[];
  /** Baseline-window length, rows; also the cap of the `stuck` count. */
  baselineRows: number;
  /** Which statistics run. */
  statistics: readonly LevelStatistic[];
}

export class LevelStream implements Stream {
  readonly names: string[];
  readonly stats: Float64Array;
  private readonly recent: SortedWindow[];
  private readonly baseline: SortedWindow[];
  private readonly shift: boolean;
  private readonly spread: boolean;
  private readonly stuckCap: number;
  private readonly perScale: number;
  private previous = NaN;
  private unchanged = 0;

  constructor(o: LevelStreamOptions) {
    const scales = o.scalesRows.map((w) => Math.max(2, Math.round(w)));
    const baseline = Math.max(4, Math.round(o.baselineRows));
    this.shift = o.statistics.includes('shift');
    this.spread = o.statistics.includes('spread');
    this.stuckCap = o.statistics.includes('stuck') ? baseline : 0;
    this.perScale = (this.shift ? 1 : 0) + (this.spread ? 1 : 0);
    this.names = [
      ...scales.flatMap((w) => [
        ...(this.shift ? [`level@${w}`] : []),
        ...(this.spread ? [`spread@${w}`] : []),
      ]),
      ...(this.stuckCap > 0 ? ['stuck'] : []),
    ];
    this.stats = new Float64Array(this.names.length).fill(NaN);
    const windows = this.perScale > 0 ? scales : [];
    this.recent = windows.map((w) => new SortedWindow(w));
    this.baseline = windows.map(() => new SortedWindow(baseline));
  }

  update(_timestamp: number, v: number): void {
    this.recent.forEach((recent, k) => {
      const base = this.baseline[k] as SortedWindow;
      const out = recent.push(v);
      if (!Number.isNaN(out)) base.push(out);
      let at = k * this.perScale;
      if (!base.full || !recent.full) {
        this.stats.fill(NaN, at, at + this.perScale);
        return;
      }
      const baseMedian = base.quantile(0.5);
      const floor = 1e-12 + 1e-9 * Math.abs(baseMedian);
      const baseSpread = spreadOf(base) + floor;
      if (this.shift) this.stats[at++] = Math.abs(recent.quantile(0.5) - baseMedian) / baseSpread;
      if (this.spread) this.stats[at] = baseSpread / (spreadOf(recent) + floor);
    });
    if (this.stuckCap > 0) {
      this.unchanged = v === this.previous ? this.unchanged + 1 : 0;
      this.stats[this.stats.length - 1] = Math.min(this.unchanged, this.stuckCap);
    }
    this.previous = v;
  }
}
