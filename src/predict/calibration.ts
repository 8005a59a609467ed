/**
 * Probabilities that mean what they say, fitted only on (raw, outcome) pairs kept apart from
 * model fitting and selection:
 *
 * - enough failures and non-failures (MIN_CALIBRATION_POSITIVES of each): an isotonic map from
 *   the engine's raw crossing chance to observed frequency;
 * - fewer on one side, but at least MIN_BLEND_SAMPLES pairs: a blend of the raw chance with the
 *   signal's own base rate (smoothed), its one weight fitted on the pairs: a signal that sat
 *   above its threshold in 45 of 45 held-out forecasts, or never reached it, says so instead of
 *   passing on a raw chance its history contradicts;
 * - fewer pairs: `uncalibrated`, and the raw chance is used as it is.
 *
 * Also the scores that check it: Brier, Brier skill against the base rate, and the reliability
 * table the report draws.
 */
import { calibrate, fitCalibration, type Calibration } from './probability';

export interface LabelledForecast {
  p: number;
  outcome: boolean;
}

export interface CalibrationRecord {
  status: 'calibrated' | 'uncalibrated';
  /** Why it is uncalibrated, or why a blend stands in for the map. */
  reason?: string;
  map?: Calibration;
  /** With too few failures (or non-failures) for a map: weight·raw + (1 − weight)·rate. */
  blend?: { weight: number; rate: number };
  samples: number;
  positives: number;
  /** Brier score of the raw chances on the fitting pairs, and of the base rate. */
  rawBrier: number;
  baseRate: number;
}

/** Fewer failures (or non-failures) than this among the pairs: no isotonic map. */
export const MIN_CALIBRATION_POSITIVES = 5;
/** Fewer pairs than this: not even a base-rate blend, the raw chance stands (`uncalibrated`). */
export const MIN_BLEND_SAMPLES = 10;

/** The signal's base rate with half a failure and half a non-failure of prior (never 0 or 1). */
export function smoothedRate(positives: number, samples: number): number {
  return (positives + 0.5) / (samples + 1);
}

/** The weight in [0, 1] (steps of 0.05) of the raw chance against `rate` with the lowest Brier on the pairs. */
export function fitBlendWeight(pairs: readonly LabelledForecast[], rate: number): number {
  let best = { weight: 0, brier: Infinity };
  for (let i = 0; i <= 20; i++) {
    const weight = i / 20;
    const b = brierScore(pairs.map((x) => ({ p: weight * x.p + (1 - weight) * rate, outcome: x.outcome })));
    if (b < best.brier - 1e-12) best = { weight, brier: b };
  }
  return best.weight;
}

export function fitCalibrationRecord(
  pairs: readonly LabelledForecast[],
  minPositives = MIN_CALIBRATION_POSITIVES,
  minBlendSamples = MIN_BLEND_SAMPLES,
): CalibrationRecord {
  const usable = pairs.filter((x) => Number.isFinite(x.p));
  const positives = usable.filter((x) => x.outcome).length;
  const base = {
    samples: usable.length,
    positives,
    rawBrier: brierScore(usable),
    baseRate: usable.length ? positives / usable.length : NaN,
  };
  const scarce =
    positives < minPositives
      ? `${positives} failure${positives === 1 ? '' : 's'} among ${usable.length} held-out forecasts (need ${minPositives} for a map)`
      : usable.length - positives < minPositives
        ? `only ${usable.length - positives} non-failures among ${usable.length} held-out forecasts`
        : undefined;
  if (scarce === undefined) return { status: 'calibrated', map: fitCalibration(usable), ...base };
  if (usable.length < minBlendSamples) return { status: 'uncalibrated', reason: scarce, ...base };
  const rate = smoothedRate(positives, usable.length);
  const weight = fitBlendWeight(usable, rate);
  return {
    status: 'calibrated',
    reason: `${scarce}: blended with the base rate ${rate.toFixed(2)} (raw weight ${weight.toFixed(2)})`,
    blend: { weight, rate },
    ...base,
  };
}

/**
 * The calibrated chance, or the raw one when the record is missing or uncalibrated; a
 * non-finite raw chance stays NaN (no probability is claimed for a forecast that failed).
 */
export function applyCalibration(
  raw: number,
  record: CalibrationRecord | undefined,
): { p: number; calibrated: boolean } {
  if (!Number.isFinite(raw)) return { p: NaN, calibrated: false };
  if (record?.status !== 'calibrated') return { p: raw, calibrated: false };
  if (record.map) return { p: calibrate(raw, record.map), calibrated: true };
  if (record.blend) {
    const { weight, rate } = record.blend;
    return { p: weight * Math.min(Math.max(raw, 0), 1) + (1 - weight) * rate, calibrated: true };
  }
  return { p: raw, calibrated: false };
}

export function brierScore(pairs: readonly LabelledForecast[]): number {
  if (pairs.length === 0) return NaN;
  return pairs.reduce((s, { p, outcome }) => s + (p - (outcome ? 1 : 0)) ** 2, 0) / pairs.length;
}

/** 1 − Brier / Brier(base rate): > 0 beats always saying the base rate. */
export function brierSkill(pairs: readonly LabelledForecast[], baseRate: number): number {
  const ref = pairs.reduce((s, { outcome }) => s + (baseRate - (outcome ? 1 : 0)) ** 2, 0) / pairs.length;
  return ref > 0 ? 1 - brierScore(pairs) / ref : NaN;
}

export interface ReliabilityBin {
  /** [from, to) of the forecast probability. */
  from: number;
  to: number;
  count: number;
  meanForecast: number;
  observed: number;
}

/** Equal-width bins of forecast probability with the frequency observed in each (empty bins left out). */
export function reliability(pairs: readonly LabelledForecast[], bins = 10): ReliabilityBin[] {
  const acc = Array.from({ length: bins }, () => ({ n: 0, sp: 0, sy: 0 }));
  for (const { p, outcome } of pairs) {
    if (!Number.isFinite(p)) continue;
    const b = acc[Math.min(bins - 1, Math.max(0, Math.floor(p * bins)))]!;
    b.n++;
    b.sp += p;
    b.sy += outcome ? 1 : 0;
  }
  return acc.flatMap((b, i) =>
    b.n
      ? [{ from: i / bins, to: (i + 1) / bins, count: b.n, meanForecast: b.sp / b.n, observed: b.sy / b.n }]
      : [],
  );
}

export interface OutOfFoldResult {
  folds: number;
  /** Pairs scored (each calibrated only on pairs from earlier folds). */
  samples: number;
  positives: number;
  brier: number;
  /** Brier of the base rate of the earlier folds, as a forecaster would know it. */
  baseRateBrier: number;
  brierSkill: number;
  /** Against each series' own base rate from the earlier folds (a harder reference). */
  seriesBaseRateBrier: number;
  seriesBrierSkill: number;
  rawBrier: number;
  rawBrierSkill: number;
  /** Scored pairs with their out-of-fold calibrated probability. */
  scored: LabelledForecast[];
}

/**
 * Rolling origin over time-ordered pairs: fold k is calibrated on folds 0..k−1 — per series
 * (`key`), as the engine calibrates per signal — and scored; the first fold is only learned
 * from. The references are the base rates of the earlier folds, overall and per series.
 */
export function outOfFold(
  pairs: readonly (LabelledForecast & { key?: string })[],
  folds = 5,
  minPositives = MIN_CALIBRATION_POSITIVES,
): OutOfFoldResult {
  const size = Math.ceil(pairs.length / folds);
  const scored: LabelledForecast[] = [];
  const raw: LabelledForecast[] = [];
  const base: LabelledForecast[] = [];
  const seriesBase: LabelledForecast[] = [];
  const rate = (xs: readonly LabelledForecast[]) =>
    xs.filter((x) => x.outcome).length / Math.max(xs.length, 1);
  for (let k = 1; k < folds; k++) {
    const earlier = pairs.slice(0, k * size).filter((x) => Number.isFinite(x.p));
    const fold = pairs.slice(k * size, (k + 1) * size);
    const overall = rate(earlier);
    const perKey = new Map<string, { record: CalibrationRecord; rate: number }>();
    const forKey = (key: string) => {
      let found = perKey.get(key);
      if (!found) {
        const mine = earlier.filter((x) => (x.key ?? '') === key);
        found = {
          record: fitCalibrationRecord(mine, minPositives),
          rate: mine.length ? rate(mine) : overall,
        };
        perKey.set(key, found);
      }
      return found;
    };
    for (const x of fold) {
      if (!Number.isFinite(x.p)) continue;
      const own = forKey(x.key ?? '');
      scored.push({ p: applyCalibration(x.p, own.record).p, outcome: x.outcome });
      raw.push(x);
      base.push({ p: overall, outcome: x.outcome });
      seriesBase.push({ p: own.rate, outcome: x.outcome });
    }
  }
  const baseRateBrier = brierScore(base);
  const seriesBaseRateBrier = brierScore(seriesBase);
  const skill = (b: number, ref: number) => (ref > 0 ? 1 - b / ref : NaN);
  const brier = brierScore(scored);
  const rawBrier = brierScore(raw);
  return {
    folds,
    samples: scored.length,
    positives: scored.filter((x) => x.outcome).length,
    brier,
    baseRateBrier,
    brierSkill: skill(brier, baseRateBrier),
    seriesBaseRateBrier,
    seriesBrierSkill: skill(brier, seriesBaseRateBrier),
    rawBrier,
    rawBrierSkill: skill(rawBrier, baseRateBrier),
    scored,
  };
}
