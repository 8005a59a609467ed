/**
 * The FailureScorer's settings. Every length is in TIME (seasons) or a FRACTION OF THE WARM-UP
 * (the rows a series is watched before it is scored: NAB's probationary period in the eval, the
 * first part of the lookback window live), never a row count tuned to one file. The committed
 * values in settings.json are written by scripts/tune-scorer.ts.
 */
import committed from './settings.json';
import { FUSION_RULES, type FusionRule } from './fusion';
import { LEVEL_STATISTICS, type LevelStatistic } from './level';

export type StreamName = 'range' | 'forecast' | 'season' | 'entropy' | 'neural' | 'level';
export const STREAM_NAMES: readonly StreamName[] = [
  'range',
  'forecast',
  'season',
  'entropy',
  'neural',
  'level',
];

export interface ScorerSettings {
  /** Which streams run. */
  streams: Record<StreamName, boolean>;
  /** Trailing horizons of the range stream, × warm-up; 0 = everything seen. @default [1, 0] */
  rangeHorizons: number[];
  /** An excursion counts only beyond this share of the horizon's own range (0 = any). @default 0 */
  rangeMargin: number;
  /** Half-life of the volatility the range stream measures excursions in, × warm-up. @default 0.05 */
  volatilityHalfLife: number;
  /** Half-lives of the Holt forecaster's level and trend, × warm-up. @default 0.005, 0.05 */
  levelHalfLife: number;
  trendHalfLife: number;
  /** Half-life of the error scale forecast and season errors are measured in, × warm-up. @default 0.2 */
  errorHalfLife: number;
  /** Time scales the scaled forecast error is averaged over, × warm-up (0 = one row). @default [0, 0.013] */
  forecastScales: number[];
  /** Seasons, ms (used where the series' step allows). @default [86400000, 604800000] */
  seasonPeriodsMs: number[];
  /**
   * true: one season statistic, the value against the NEAREST of its seasonal counterparts (a
   * Monday that looks like last Monday is normal even if it differs from Sunday); false: one
   * statistic per season. @default true
   */
  seasonNearest: boolean;
  /** Time scale the seasonal difference is averaged over, × warm-up. @default 0.013 */
  seasonScale: number;
  /** Window of the relative-entropy histograms, × warm-up. @default 0.07 */
  entropyWindow: number;
  /** Histogram bins of the entropy stream. @default 5 */
  entropyBins: number;
  /**
   * Recent-window lengths of the level stream (median shift and spread collapse against the
   * baseline window before them), × warm-up. @default [0.05]
   */
  levelScales: number[];
  /** Baseline-window length of the level stream (and cap of its `stuck` count), × warm-up. @default 0.5 */
  levelBaseline: number;
  /** The level stream's statistics. @default ['shift', 'spread'] */
  levelStatistics: LevelStatistic[];
  /** How many of its own past values each statistic is ranked among, × warm-up. @default 4 */
  pValueHistory: number;
  /** Share of each history whose excesses fit the exponential tail (0 = ranks only). @default 0.02 */
  tailShare: number;
  /**
   * Share of the Bonferroni length correction applied: the fused p-value is multiplied by
   * ((rows − warm-up) / warm-up)^lengthCorrection. 1 = the false-alarm chance per series is the
   * same whatever its length; 0 = the same per row; between, for anomalies that grow in number
   * with the series' length, but less than in proportion. @default 0.5 (chosen by the tuning script)
   */
  lengthCorrection: number;
  /** How the streams' p-values are fused. @default 'omnibus' */
  fusion: FusionRule;
  /**
   * Truncation before fusion: p becomes min(1, p / truncation), so a stream that sees nothing
   * unusual (p above it) adds no noise to the fused value (1 = plain fusion). @default 0.05
   */
  truncation: number;
  /** A score is reported only if it beats every score of this trailing span, × warm-up. @default 0.13 */
  quiet: number;
  /** Alarm threshold on the score for the standard NAB profile (chosen by the tuning script). */
  threshold: number;
  /** Thresholds per NAB profile, when known. */
  thresholds?: Record<string, number>;
}

export class ScorerSettingsError extends Error {
  override readonly name = 'ScorerSettingsError';
}

function checkFraction(field: string, x: unknown, min: number, max: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max) {
    throw new ScorerSettingsError(`${field}: expected a number in [${min}, ${max}], got ${String(x)}`);
  }
}

function checkList(field: string, xs: unknown, min: number, max: number): void {
  if (!Array.isArray(xs) || xs.length === 0) {
    throw new ScorerSettingsError(`${field}: expected a non-empty list of numbers in [${min}, ${max}]`);
  }
  xs.forEach((x, i) => checkFraction(`${field}[${i}]`, x, min, max));
}

/** Throws ScorerSettingsError naming the first bad field and its allowed range. */
export function validateSettings(s: ScorerSettings): ScorerSettings {
  for (const name of STREAM_NAMES) {
    if (typeof s.streams?.[name] !== 'boolean') {
      throw new ScorerSettingsError(`streams.${name}: expected true or false`);
    }
  }
  checkList('rangeHorizons', s.rangeHorizons, 0, 100);
  checkFraction('rangeMargin', s.rangeMargin, 0, 1);
  checkFraction('volatilityHalfLife', s.volatilityHalfLife, 0, 10);
  checkFraction('levelHalfLife', s.levelHalfLife, 0, 10);
  checkFraction('trendHalfLife', s.trendHalfLife, 0, 10);
  checkFraction('errorHalfLife', s.errorHalfLife, 0, 10);
  checkList('forecastScales', s.forecastScales, 0, 10);
  checkList('seasonPeriodsMs', s.seasonPeriodsMs, 60_000, 366 * 86_400_000);
  if (typeof s.seasonNearest !== 'boolean') {
    throw new ScorerSettingsError('seasonNearest: expected true or false');
  }
  checkFraction('seasonScale', s.seasonScale, 0, 10);
  checkFraction('entropyWindow', s.entropyWindow, 0, 10);
  checkFraction('entropyBins', s.entropyBins, 2, 64);
  checkList('levelScales', s.levelScales, 0, 10);
  checkFraction('levelBaseline', s.levelBaseline, 0, 10);
  if (
    !Array.isArray(s.levelStatistics) ||
    s.levelStatistics.length === 0 ||
    !s.levelStatistics.every((x) => LEVEL_STATISTICS.includes(x))
  ) {
    throw new ScorerSettingsError(
      `levelStatistics: expected a non-empty list of ${LEVEL_STATISTICS.join(', ')}`,
    );
  }
  checkFraction('pValueHistory', s.pValueHistory, 0.1, 100);
  if (!FUSION_RULES.includes(s.fusion)) {
    throw new ScorerSettingsError(
      `fusion: expected one of ${FUSION_RULES.join(', ')}, got ${String(s.fusion)}`,
    );
  }
  checkFraction('tailShare', s.tailShare, 0, 0.5);
  checkFraction('lengthCorrection', s.lengthCorrection, 0, 1);
  checkFraction('truncation', s.truncation, 1e-6, 1);
  checkFraction('quiet', s.quiet, 0, 10);
  checkFraction('threshold', s.threshold, 0, 1.1);
  return s;
}

/** The committed, tuned settings (src/predict/scorer/settings.json). */
export const DEFAULT_SCORER_SETTINGS: ScorerSettings = validateSettings(committed.settings as ScorerSettings);

/** The defaults with some fields replaced (streams merged key by key). */
export function withSettings(
  overrides: Partial<ScorerSettings> = {},
  base = DEFAULT_SCORER_SETTINGS,
): ScorerSettings {
  return validateSettings({
    ...base,
    ...overrides,
    streams: { ...base.streams, ...overrides.streams },
  });
}
