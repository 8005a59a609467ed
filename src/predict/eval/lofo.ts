/**
 * Leave-one-folder-out (LOFO) over a NAB-layout corpus: for each folder, the settings (from a
 * grid) and the alarm threshold are chosen on the OTHER folders, then scored on the held-out
 * one. Scores of every grid entry are computed once (the same FailureScorer the worker runs);
 * each fold only re-ranks them. A folder without windows has no normalized NAB score (perfect =
 * null), so its fold reports its false alarms and is left out of the mean.
 */
import { FailureScorer } from '../scorer/failure-scorer';
import type { ScorerSettings } from '../scorer/settings';
import { bootstrapFoldMean, type BootstrapInterval, type HeldOutFile } from './bootstrap';
import type { NabFile } from './nab-data';
import {
  NAB_PROFILES,
  PROFILE_NAMES,
  fileWeights,
  optimizeThreshold,
  probationaryLength,
  scoreCorpus,
  scoreFile,
  type ProfileName,
  type ScoredFile,
} from './nab-score';

/**
 * Runs the scorer over one file row by row; the warm-up is NAB's probationary period and the
 * series length the file's.
 */
export function scoreNabFile(file: NabFile, settings: ScorerSettings): Float64Array {
  const scorer = new FailureScorer(settings, {
    warmupRows: Math.max(1, probationaryLength(file.values.length)),
    seriesRows: Math.max(1, file.values.length),
  });
  const out = new Float64Array(file.values.length);
  for (let i = 0; i < out.length; i++)
    out[i] = scorer.update(file.timestamps[i] ?? NaN, file.values[i] ?? NaN);
  return out;
}

export function scoredFiles(files: readonly NabFile[], scores: readonly Float64Array[]): ScoredFile[] {
  return files.map((f, k) => ({
    weights: fileWeights(f.values.length, f.windows),
    scores: scores[k] as Float64Array,
  }));
}

export function folderOf(key: string): string {
  return key.split('/')[0] ?? key;
}

export interface FoldResult {
  folder: string;
  files: number;
  windows: number;
  /** Index into the grid of the settings chosen on the other folders. */
  chosen: number;
  threshold: number;
  /** Normalized NAB score on the held-out folder; null when it has no windows. */
  score: number | null;
  /** The chosen settings' score on the other folders (what it was chosen by). */
  trainScore: number;
  tp: number;
  fn: number;
  fp: number;
}

export interface ProfileLofo {
  folds: FoldResult[];
  /** Mean and worst over folds that have windows. */
  mean: number;
  worst: number;
  worstFolder: string;
  /** Every held-out file scored at its fold's threshold, normalized over the whole corpus. */
  pooled: number;
  /** Each held-out file's raw score at its fold's threshold (what the bootstrap resamples). */
  heldOutFiles: HeldOutFile[];
}

/**
 * LOFO for one profile over precomputed scores: `gridScores[g][f]` = scores of grid entry g on
 * file f.
 */
export function lofoProfile(
  files: readonly NabFile[],
  gridScores: readonly (readonly Float64Array[])[],
  profile: ProfileName,
): ProfileLofo {
  const costs = NAB_PROFILES[profile];
  const folders = [...new Set(files.map((f) => folderOf(f.key)))];
  const scored = gridScores.map((scores) => scoredFiles(files, scores));
  const folds: FoldResult[] = [];
  const heldOutFiles: HeldOutFile[] = [];
  let pooledRaw = 0;
  for (const folder of folders) {
    const train = files.map((f, k) => (folderOf(f.key) !== folder ? k : -1)).filter((k) => k >= 0);
    const test = files.map((f, k) => (folderOf(f.key) === folder ? k : -1)).filter((k) => k >= 0);
    let chosen = 0;
    let best = optimizeThreshold(
      train.map((k) => scored[0]?.[k] as ScoredFile),
      costs,
    );
    scored.forEach((entry, g) => {
      if (g === 0) return;
      const s = optimizeThreshold(
        train.map((k) => entry[k] as ScoredFile),
        costs,
      );
      if (s.score > best.score + 1e-9) {
        best = s;
        chosen = g;
      }
    });
    const heldOut = test.map((k) => scored[chosen]?.[k] as ScoredFile);
    const result = scoreCorpus(heldOut, best.threshold, costs);
    pooledRaw += result.raw;
    for (const f of heldOut) {
      heldOutFiles.push({
        folder,
        raw: scoreFile(f, best.threshold, costs).raw,
        windows: f.weights.windows.length,
      });
    }
    const windows = heldOut.reduce((n, f) => n + f.weights.windows.length, 0);
    folds.push({
      folder,
      files: test.length,
      windows,
      chosen,
      threshold: best.threshold,
      score: windows > 0 ? result.score : null,
      trainScore: best.score,
      tp: result.tp,
      fn: result.fn,
      fp: result.fp,
    });
  }
  const withWindows = folds.filter((f) => f.score !== null);
  const worstFold = withWindows.reduce<FoldResult | undefined>(
    (w, f) => (w === undefined || (f.score as number) < (w.score as number) ? f : w),
    undefined,
  );
  const all = scored[0] ?? [];
  const totalWindows = all.reduce((n, f) => n + f.weights.windows.length, 0);
  const nul = -costs.fnWeight * totalWindows;
  const perfect = costs.tpWeight * totalWindows;
  return {
    folds,
    mean: withWindows.reduce((s, f) => s + (f.score as number), 0) / Math.max(1, withWindows.length),
    worst: (worstFold?.score as number | undefined) ?? 0,
    worstFolder: worstFold?.folder ?? '',
    pooled: perfect === nul ? 0 : (100 * (pooledRaw - nul)) / (perfect - nul),
    heldOutFiles,
  };
}

/** The in-sample number: one settings entry, its threshold chosen on every file. */
export function inSample(
  files: readonly NabFile[],
  scores: readonly Float64Array[],
  profile: ProfileName,
): number {
  return optimizeThreshold(scoredFiles(files, scores), NAB_PROFILES[profile]).score;
}

export interface LofoReport {
  profiles: Record<ProfileName, ProfileLofo & { inSample: number; interval: BootstrapInterval }>;
}

/**
 * LOFO for the three profiles, each with a seeded bootstrap 90 % interval of its mean (files
 * resampled within folds, see ./bootstrap); `inSampleIndex` is the grid entry whose in-sample
 * score is shown.
 */
export function lofoReport(
  files: readonly NabFile[],
  gridScores: readonly (readonly Float64Array[])[],
  inSampleIndex = 0,
): LofoReport {
  const profiles = {} as LofoReport['profiles'];
  for (const p of PROFILE_NAMES) {
    const lofo = lofoProfile(files, gridScores, p);
    profiles[p] = {
      ...lofo,
      inSample: inSample(files, gridScores[inSampleIndex] ?? [], p),
      interval: bootstrapFoldMean(lofo.heldOutFiles, NAB_PROFILES[p]),
    };
  }
  return { profiles };
}

/** Scores of every grid entry on every file (`[entry][file]`), the scorer run row by row. */
export function gridScores(
  files: readonly NabFile[],
  settings: readonly ScorerSettings[],
  onEntry?: (done: number, total: number) => void,
): Float64Array[][] {
  return settings.map((s, g) => {
    const scores = files.map((f) => scoreNabFile(f, s));
    onEntry?.(g + 1, settings.length);
    return scores;
  });
}
