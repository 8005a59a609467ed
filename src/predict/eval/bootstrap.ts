/**
 * A bootstrap interval for the leave-one-folder-out mean: within each fold the held-out files are
 * resampled with replacement (as many as the fold has), scored at the threshold and with the
 * settings that fold chose on the other folders (no rescoring), normalized over the resampled
 * files' windows, and averaged over the folds as the point estimate is. It measures how much the
 * mean depends on which files happen to be in each folder; it does not redo the choice of
 * settings and threshold per resample, so the selection's own variance is not in it.
 */

/** One held-out file's raw NAB score at its fold's threshold, and its window count. */
export interface HeldOutFile {
  folder: string;
  raw: number;
  windows: number;
}

export interface BootstrapOptions {
  /** Resamples drawn. @default 1000 */
  resamples?: number;
  /** Two-sided coverage of the interval. @default 0.9 */
  level?: number;
  /** Seed of the pseudo-random generator (the interval is reproducible). @default 1 */
  seed?: number;
}

export interface BootstrapInterval {
  low: number;
  high: number;
  level: number;
  resamples: number;
  seed: number;
}

/** mulberry32: a small, seeded 32-bit generator, uniform in [0, 1). */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + (at - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/**
 * The percentile interval of the mean over folds of the normalized score
 * 100 × (raw − null) / (perfect − null), null = −fnWeight × windows, perfect = tpWeight × windows.
 * A fold whose resample has no window has no normalized score and is left out of that resample's
 * mean, as a folder without windows is left out of the point estimate.
 */
export function bootstrapFoldMean(
  files: readonly HeldOutFile[],
  costs: { tpWeight: number; fnWeight: number },
  options: BootstrapOptions = {},
): BootstrapInterval {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.9;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`resamples: expected an integer ≥ 1, got ${resamples}`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`level: expected a number in (0, 1), got ${level}`);
  const folds = new Map<string, HeldOutFile[]>();
  for (const f of files) folds.set(f.folder, [...(folds.get(f.folder) ?? []), f]);
  const groups = [...folds.values()];
  const random = seededUniform(seed);
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let counted = 0;
    for (const group of groups) {
      let raw = 0;
      let windows = 0;
      for (let i = 0; i < group.length; i++) {
        const f = group[Math.floor(random() * group.length)] as HeldOutFile;
        raw += f.raw;
        windows += f.windows;
      }
      if (windows === 0) continue;
      const nul = -costs.fnWeight * windows;
      sum += (100 * (raw - nul)) / (costs.tpWeight * windows - nul);
      counted++;
    }
    if (counted > 0) means.push(sum / counted);
  }
  means.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { low: quantile(means, tail), high: quantile(means, 1 - tail), level, resamples, seed };
}
