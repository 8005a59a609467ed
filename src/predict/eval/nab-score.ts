/**
 * NAB scoring, written from the published rules (Lavin & Ahmad 2015; Ahmad et al. 2017):
 *
 *   - each labelled anomaly window is worth at most `tpWeight`, earned by its EARLIEST detection,
 *     weighted by a scaled sigmoid of where in the window it came (start ≈ full, end ≈ 0);
 *   - a window with no detection costs `fnWeight`;
 *   - every detection outside a window costs `fpWeight` × a sigmoid that is ≈1 far after a
 *     window (and before the first one) and smaller just after a window;
 *   - the first 15 % of each file (at most 750 rows) is a probationary period and not scored;
 *   - the corpus score is normalized: 100 × (raw − null) / (perfect − null), null = a detector
 *     that never fires, perfect = one that fires at the start of every window.
 */

export interface CostProfile {
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
  tnWeight: number;
}

export type ProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';
export const PROFILE_NAMES: readonly ProfileName[] = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];

/** NAB's cost matrices (the same numbers as NAB's config/profiles.json). */
export const NAB_PROFILES: Record<ProfileName, CostProfile> = {
  standard: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fnWeight: 1, fpWeight: 0.22, tnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fnWeight: 2, fpWeight: 0.11, tnWeight: 1 },
};

/** 2 / (1 + e^(5x)) − 1: +0.987 at x = −1, 0 at x = 0, → −1 as x grows. */
export function scaledSigmoid(x: number): number {
  if (x > 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

/** Rows at the start of a file that are not scored. */
export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

/** A window as row indices into its file, both inclusive. */
export interface RowWindow {
  first: number;
  last: number;
}

/**
 * Per-row scoring weights of one file, independent of the detector: for rows inside a window,
 * the window's index and the unweighted TP credit; outside, the unweighted FP factor.
 */
export interface FileWeights {
  rows: number;
  probation: number;
  windows: RowWindow[];
  /** Window index per row, −1 outside every window. */
  windowOf: Int32Array;
  /** scaledSigmoid(position) per row, before the profile's weight. */
  sigmoid: Float64Array;
}

const MAX_TP = scaledSigmoid(-1);

export function fileWeights(rows: number, windows: RowWindow[]): FileWeights {
  const windowOf = new Int32Array(rows).fill(-1);
  const sigmoid = new Float64Array(rows);
  const sorted = [...windows].sort((a, b) => a.first - b.first);
  let w = 0;
  let prevRight: number | undefined;
  let prevWidth: number | undefined;
  for (let i = 0; i < rows; i++) {
    const cur = sorted[w];
    if (cur && i >= cur.first && i <= cur.last) {
      const width = cur.last - cur.first + 1;
      windowOf[i] = w;
      sigmoid[i] = scaledSigmoid(-(cur.last - i + 1) / width) / MAX_TP;
      if (i === cur.last) {
        prevRight = cur.last;
        prevWidth = width;
        w++;
      }
    } else if (prevRight === undefined || prevWidth === undefined) {
      sigmoid[i] = -1;
    } else {
      sigmoid[i] = scaledSigmoid(Math.abs(prevRight - i) / Math.max(prevWidth - 1, 1));
    }
  }
  return { rows, probation: probationaryLength(rows), windows: sorted, windowOf, sigmoid };
}

export interface ScoredFile {
  weights: FileWeights;
  scores: ArrayLike<number>;
}

export interface RawScore {
  raw: number;
  tp: number;
  fn: number;
  fp: number;
}

/** The raw NAB score of one file at a threshold (a row is a detection when score ≥ threshold). */
export function scoreFile(file: ScoredFile, threshold: number, profile: CostProfile): RawScore {
  const { weights, scores } = file;
  const best = new Array<number | undefined>(weights.windows.length).fill(undefined);
  let fpSum = 0;
  let fp = 0;
  for (let i = weights.probation; i < weights.rows; i++) {
    if (!((scores[i] ?? 0) >= threshold)) continue;
    const w = weights.windowOf[i] ?? -1;
    const s = weights.sigmoid[i] ?? 0;
    if (w < 0) {
      fpSum += s * profile.fpWeight;
      fp++;
    } else {
      const credit = s * profile.tpWeight;
      const prev = best[w];
      if (prev === undefined || credit > prev) best[w] = credit;
    }
  }
  let raw = fpSum;
  let tp = 0;
  for (const b of best) {
    if (b === undefined) raw -= profile.fnWeight;
    else {
      raw += b;
      tp++;
    }
  }
  return { raw, tp, fn: best.length - tp, fp };
}

export function nullScore(files: readonly { weights: FileWeights }[], profile: CostProfile): number {
  return -profile.fnWeight * files.reduce((n, f) => n + f.weights.windows.length, 0);
}

export function perfectScore(files: readonly { weights: FileWeights }[], profile: CostProfile): number {
  return profile.tpWeight * files.reduce((n, f) => n + f.weights.windows.length, 0);
}

export function normalize(
  raw: number,
  files: readonly { weights: FileWeights }[],
  profile: CostProfile,
): number {
  const nul = nullScore(files, profile);
  const perfect = perfectScore(files, profile);
  return perfect === nul ? 0 : (100 * (raw - nul)) / (perfect - nul);
}

export interface CorpusScore {
  threshold: number;
  raw: number;
  score: number;
  tp: number;
  fn: number;
  fp: number;
}

export function scoreCorpus(
  files: readonly ScoredFile[],
  threshold: number,
  profile: CostProfile,
): CorpusScore {
  let raw = 0;
  let tp = 0;
  let fn = 0;
  let fp = 0;
  for (const f of files) {
    const s = scoreFile(f, threshold, profile);
    raw += s.raw;
    tp += s.tp;
    fn += s.fn;
    fp += s.fp;
  }
  return { threshold, raw, score: normalize(raw, files, profile), tp, fn, fp };
}

/**
 * The threshold with the best corpus score, found exactly: one sweep over every scored row in
 * descending score order (as NAB's sweeper does), so every distinct score value is tried.
 * Returns a threshold of +Infinity-like 1.1 (nothing fires) when firing never helps.
 */
export function optimizeThreshold(files: readonly ScoredFile[], profile: CostProfile): CorpusScore {
  interface Point {
    score: number;
    window: number; // global window id, −1 outside
    weight: number;
  }
  const points: Point[] = [];
  let windowBase = 0;
  for (const f of files) {
    const { weights, scores } = f;
    for (let i = weights.probation; i < weights.rows; i++) {
      const local = weights.windowOf[i] ?? -1;
      const s = scores[i] ?? 0;
      points.push({
        score: Number.isFinite(s) ? s : 0,
        window: local < 0 ? -1 : windowBase + local,
        weight: (weights.sigmoid[i] ?? 0) * (local < 0 ? profile.fpWeight : profile.tpWeight),
      });
    }
    windowBase += weights.windows.length;
  }
  points.sort((a, b) => b.score - a.score);
  const best = new Float64Array(windowBase).fill(-profile.fnWeight);
  const detected = new Uint8Array(windowBase);
  let raw = -profile.fnWeight * windowBase;
  let tp = 0;
  let fp = 0;
  let top: CorpusScore = { threshold: 1.1, raw, score: 0, tp: 0, fn: windowBase, fp: 0 };
  if (points.length > 0 && (points[0]?.score ?? 0) >= 1.1) top.threshold = (points[0]?.score ?? 0) + 1;
  for (let k = 0; k < points.length; k++) {
    const p = points[k] as Point;
    if (p.window < 0) {
      raw += p.weight;
      fp++;
    } else {
      if (!detected[p.window]) {
        detected[p.window] = 1;
        tp++;
        raw += profile.fnWeight + p.weight;
        best[p.window] = p.weight;
      } else if (p.weight > (best[p.window] ?? 0)) {
        raw += p.weight - (best[p.window] ?? 0);
        best[p.window] = p.weight;
      }
    }
    const next = points[k + 1];
    // Only a boundary between distinct scores is a threshold that can be set.
    if (next !== undefined && next.score === p.score) continue;
    if (raw > top.raw + 1e-12) top = { threshold: p.score, raw, score: 0, tp, fn: windowBase - tp, fp };
  }
  top.score = normalize(top.raw, files, profile);
  return top;
}
