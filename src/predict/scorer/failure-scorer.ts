/**
 * The FailureScorer: ONE streaming anomaly scorer, run row by row (timestamp, value) with no
 * look-ahead, by both `foreshock eval nab` and the live path (`scoreSeries`).
 *
 *   row ─▶ streams (range in volatility units, Holt forecast error at several time scales,
 *          day/week season (nearest of the two), relative entropy, optional level shift / spread
 *          collapse, optional neural forecast error)
 *       ─▶ each statistic ranked among its own past values ─▶ empirical p-value
 *       ─▶ fused (omnibus / Fisher / Cauchy / Bonferroni) ─▶ surprise digits d = −log10 p
 *       ─▶ less a share of log10 of the warm-up lengths to be scored (Bonferroni over the length)
 *       ─▶ score d / (d + 3) in [0, 1) ─▶ reported only if it beats every score of the quiet span
 *
 * Ranking each statistic among its own history makes one global threshold mean about the same
 * false-alarm rate on every series. Rows inside the warm-up feed the streams and give 0.
 */
import { EntropyStream } from './entropy';
import { fuse } from './fusion';
import { RankPValue } from './pvalue';
import { SeasonStream } from './season';
import { DEFAULT_SCORER_SETTINGS, validateSettings, type ScorerSettings, type StreamName } from './settings';
import { ForecastStream, RangeStream, type Stream } from './streams';
import { LevelStream } from './level';
import { NeuralStream } from './neural';
import { QuietFilter } from './quiet';

/** Surprise digits at which the score is one half (p = 0.001). */
const HALF_SCORE_DIGITS = 3;

export interface ScorerOptions {
  /** Rows watched before scoring; every length in the settings scales with it. */
  warmupRows: number;
  /**
   * Rows the caller will feed in all (the file's or the live window's length). The fused p-value
   * is multiplied by the number of warm-up lengths scored after the warm-up, (seriesRows −
   * warmupRows) / warmupRows, at least 1 (Bonferroni), so the chance of a false alarm per series
   * does not grow with the series' length beyond the warm-up's. Only the length is used, never a
   * later value.
   * @default warmupRows (no correction)
   */
  seriesRows?: number;
}

/** Surprise digits taken off every row for a series of `seriesRows` rows (≥ 0). */
export function lengthCorrectionDigits(warmupRows: number, seriesRows: number): number {
  return Math.log10(Math.max(1, (seriesRows - warmupRows) / warmupRows));
}

/** The warm-up a series of `rows` rows gets when none is given: NAB's rule, 15 % (at most 750). */
export function defaultWarmupRows(rows: number): number {
  return Math.max(1, Math.min(Math.floor(0.15 * rows), 750));
}

function buildStreams(s: ScorerSettings, warmup: number): { kind: StreamName; stream: Stream }[] {
  const rows = (fraction: number): number => Math.max(1, Math.round(fraction * warmup));
  const out: { kind: StreamName; stream: Stream }[] = [];
  if (s.streams.range) {
    out.push({
      kind: 'range',
      stream: new RangeStream(
        s.rangeHorizons.map((h) => (h === 0 ? 0 : rows(h))),
        rows(s.volatilityHalfLife),
        s.rangeMargin,
      ),
    });
  }
  const forecast = {
    levelHalfLifeRows: rows(s.levelHalfLife),
    trendHalfLifeRows: rows(s.trendHalfLife),
    errorHalfLifeRows: rows(s.errorHalfLife),
    scalesRows: s.forecastScales.map(rows),
  };
  if (s.streams.forecast) out.push({ kind: 'forecast', stream: new ForecastStream(forecast) });
  if (s.streams.season) {
    out.push({
      kind: 'season',
      stream: new SeasonStream({
        periodsMs: s.seasonPeriodsMs,
        nearest: s.seasonNearest,
        smoothingRows: rows(s.seasonScale),
        scaleHalfLifeRows: rows(s.errorHalfLife),
      }),
    });
  }
  if (s.streams.entropy) {
    out.push({
      kind: 'entropy',
      stream: new EntropyStream({
        windowRows: rows(s.entropyWindow),
        bins: s.entropyBins,
        lookback: 60,
        clipSd: 4.5,
      }),
    });
  }
  if (s.streams.level) {
    out.push({
      kind: 'level',
      stream: new LevelStream({
        scalesRows: s.levelScales.map(rows),
        baselineRows: rows(s.levelBaseline),
        statistics: s.levelStatistics,
      }),
    });
  }
  if (s.streams.neural) {
    out.push({
      kind: 'neural',
      stream: new NeuralStream({
        warmupRows: warmup,
        scalesRows: forecast.scalesRows,
        errorHalfLifeRows: forecast.errorHalfLifeRows,
      }),
    });
  }
  return out;
}

export class FailureScorer {
  readonly settings: ScorerSettings;
  readonly warmupRows: number;
  private readonly streams: { kind: StreamName; stream: Stream }[];
  private readonly ranks: RankPValue[];
  private readonly lastP: Float64Array;
  private readonly quiet: QuietFilter;
  private readonly correction: number;
  private row = 0;

  constructor(settings: ScorerSettings = DEFAULT_SCORER_SETTINGS, options: ScorerOptions) {
    this.settings = validateSettings(settings);
    if (!Number.isInteger(options.warmupRows) || options.warmupRows < 1) {
      throw new RangeError(`warmupRows: expected an integer ≥ 1, got ${options.warmupRows}`);
    }
    this.warmupRows = options.warmupRows;
    const seriesRows = options.seriesRows ?? options.warmupRows;
    if (!Number.isInteger(seriesRows) || seriesRows < 1) {
      throw new RangeError(`seriesRows: expected an integer ≥ 1, got ${seriesRows}`);
    }
    this.correction = this.settings.lengthCorrection * lengthCorrectionDigits(this.warmupRows, seriesRows);
    this.streams = buildStreams(this.settings, this.warmupRows);
    const history = Math.max(50, Math.round(this.settings.pValueHistory * this.warmupRows));
    const statistics = this.streams.reduce((n, s) => n + s.stream.names.length, 0);
    this.ranks = Array.from({ length: statistics }, () => {
      const r = new RankPValue(history);
      r.tailShare = this.settings.tailShare;
      return r;
    });
    this.lastP = new Float64Array(statistics).fill(1);
    this.quiet = new QuietFilter(Math.round(this.settings.quiet * this.warmupRows));
  }

  /** Names of the statistics, in the order of `pValues()`. */
  get statistics(): string[] {
    return this.streams.flatMap((s) => [...s.stream.names]);
  }

  /** The p-value each statistic had on the last row (1 = no evidence). */
  pValues(): Float64Array {
    return this.lastP.slice();
  }

  /**
   * Feed one row; returns its score in [0, 1): 0 during the warm-up, for a missing value (NaN),
   * and for a row that does not beat the quiet span's earlier scores.
   */
  update(timestamp: number, value: number): number {
    if (!Number.isFinite(value) || !Number.isFinite(timestamp)) return 0;
    let k = 0;
    for (const { stream } of this.streams) {
      stream.update(timestamp, value);
      for (const x of stream.stats) {
        if (!Number.isNaN(x))
          this.lastP[k] = Math.min(1, (this.ranks[k] as RankPValue).rank(x) / this.settings.truncation);
        k++;
      }
    }
    const row = this.row++;
    if (row < this.warmupRows) return 0;
    const digits = Math.max(0, fuse(this.settings.fusion, this.lastP) - this.correction);
    return this.quiet.push(digits / (digits + HALF_SCORE_DIGITS));
  }
}

/** One point of a live series. */
export interface SeriesPoint {
  timestamp: number;
  value: number;
}

/**
 * Runs a fresh FailureScorer over the points in order and returns every row's score: the live
 * path feeds a lookback window and takes the last score. The warm-up defaults to NAB's rule on
 * the window's length, and the series length (for the Bonferroni correction) to the window's.
 */
export function scoreSeries(
  points: readonly SeriesPoint[],
  settings: ScorerSettings = DEFAULT_SCORER_SETTINGS,
  options: Partial<ScorerOptions> = {},
): Float64Array {
  const scorer = new FailureScorer(settings, {
    warmupRows: options.warmupRows ?? defaultWarmupRows(points.length),
    seriesRows: options.seriesRows ?? points.length,
  });
  const out = new Float64Array(points.length);
  points.forEach((p, i) => {
    out[i] = scorer.update(p.timestamp, p.value);
  });
  return out;
}

/** A regular-grid window (startMs, stepMs, values) as points, NaN kept as missing. */
export function windowPoints(window: {
  startMs: number;
  stepMs: number;
  values: readonly number[];
}): SeriesPoint[] {
  return window.values.map((value, i) => ({ timestamp: window.startMs + i * window.stepMs, value }));
}
