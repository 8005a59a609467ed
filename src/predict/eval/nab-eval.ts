/**
 * The NAB evaluation: runs foreshock's FailureScorer and the baselines over a corpus, scores each
 * with NAB's rules under the three profiles (threshold chosen on the data, or given), and adds
 * event-level numbers and the Brier score.
 */
import type { Detector } from './baselines';
import {
  holtDetector,
  linearCrossingDetector,
  nullDetector,
  randomDetector,
  windowedGaussianDetector,
} from './baselines';
import { DEFAULT_SCORER_SETTINGS, type ScorerSettings } from '../scorer/settings';
import { scoreNabFile } from './lofo';
import type { NabFile } from './nab-data';
import {
  NAB_PROFILES,
  PROFILE_NAMES,
  fileWeights,
  optimizeThreshold,
  scoreCorpus,
  type ProfileName,
  type ScoredFile,
} from './nab-score';

export interface ProfileResult {
  score: number;
  threshold: number;
  tp: number;
  fn: number;
  fp: number;
}

export interface EventMetrics {
  /** Share of labelled windows with an alarm inside the window before its labelled point. */
  early_window_share: number;
  /** Share of alarms (scored rows at/above threshold) that fall inside a window. */
  alarm_precision: number;
  false_alarms_per_day: number;
  /** Median of (label − first alarm in its window, when before the label), minutes. */
  median_lead_minutes: number | null;
  alarms: number;
  windows: number;
}

export interface DetectorResult {
  name: string;
  profiles: Record<ProfileName, ProfileResult>;
  events: EventMetrics;
  /** Mean squared difference between anomaly_score and "this row is inside a window". */
  brier: number;
  seconds: number;
}

export interface NabEvalResult {
  files: number;
  windows: number;
  rows: number;
  threshold: 'auto' | number;
  foreshock: DetectorResult;
  baselines: DetectorResult[];
  /** foreshock's per-row scores per file (for --results-out). */
  scores: Map<string, Float64Array>;
}

export const BASELINES: Record<string, () => Detector> = {
  null: () => nullDetector,
  random: () => randomDetector(42),
  windowedGaussian: () => windowedGaussianDetector(),
  predictLinear: () => linearCrossingDetector(),
  holt: () => holtDetector(),
};

export function eventMetrics(
  files: readonly NabFile[],
  scored: readonly ScoredFile[],
  threshold: number,
): EventMetrics {
  let alarms = 0;
  let inWindow = 0;
  let outsideMs = 0;
  let windows = 0;
  let early = 0;
  const leads: number[] = [];
  files.forEach((file, f) => {
    const { weights, scores } = scored[f] as ScoredFile;
    for (let i = weights.probation; i < weights.rows; i++) {
      if ((scores[i] ?? 0) >= threshold) {
        alarms++;
        if ((weights.windowOf[i] ?? -1) >= 0) inWindow++;
      }
    }
    const first = file.timestamps[weights.probation];
    const last = file.timestamps[file.timestamps.length - 1];
    if (first !== undefined && last !== undefined) outsideMs += Math.max(last - first, 0);
    for (const w of weights.windows) {
      windows++;
      const label = file.labels.find(
        (t) => t >= (file.timestamps[w.first] ?? 0) && t <= (file.timestamps[w.last] ?? 0),
      );
      const labelTime = label ?? file.timestamps[Math.floor((w.first + w.last) / 2)] ?? 0;
      for (let i = Math.max(w.first, weights.probation); i <= w.last; i++) {
        const t = file.timestamps[i] ?? 0;
        if (t >= labelTime) break;
        if ((scores[i] ?? 0) >= threshold) {
          early++;
          leads.push((labelTime - t) / 60_000);
          break;
        }
      }
    }
  });
  leads.sort((a, b) => a - b);
  const days = outsideMs / 86_400_000;
  return {
    early_window_share: windows ? early / windows : 0,
    alarm_precision: alarms ? inWindow / alarms : 0,
    false_alarms_per_day: days ? (alarms - inWindow) / days : 0,
    median_lead_minutes: leads.length ? (leads[Math.floor(leads.length / 2)] ?? null) : null,
    alarms,
    windows,
  };
}

export function brierScore(scored: readonly ScoredFile[]): number {
  let sum = 0;
  let n = 0;
  for (const { weights, scores } of scored) {
    for (let i = weights.probation; i < weights.rows; i++) {
      const y = (weights.windowOf[i] ?? -1) >= 0 ? 1 : 0;
      sum += ((scores[i] ?? 0) - y) ** 2;
      n++;
    }
  }
  return n ? sum / n : 0;
}

/** The FailureScorer as a Detector: one fresh scorer per file, warm-up = NAB's probationary period. */
export function scorerDetector(settings: ScorerSettings = DEFAULT_SCORER_SETTINGS): Detector {
  return (values, timestamps) =>
    scoreNabFile(
      {
        key: '',
        values: [...values],
        timestamps: timestamps ? [...timestamps] : values.map((_, i) => i * 300_000),
        windows: [],
        labels: [],
      },
      settings,
    );
}

export function evaluateDetector(
  name: string,
  detector: Detector,
  files: readonly NabFile[],
  threshold: 'auto' | number,
): { result: DetectorResult; scores: Float64Array[] } {
  const started = performance.now();
  const scores = files.map((f) => detector(f.values, f.timestamps));
  const seconds = (performance.now() - started) / 1000;
  const scored: ScoredFile[] = files.map((f, k) => ({
    weights: fileWeights(f.values.length, f.windows),
    scores: scores[k] as Float64Array,
  }));
  const profiles = {} as Record<ProfileName, ProfileResult>;
  for (const p of PROFILE_NAMES) {
    const s =
      threshold === 'auto'
        ? optimizeThreshold(scored, NAB_PROFILES[p])
        : scoreCorpus(scored, threshold, NAB_PROFILES[p]);
    profiles[p] = { score: s.score, threshold: s.threshold, tp: s.tp, fn: s.fn, fp: s.fp };
  }
  return {
    result: {
      name,
      profiles,
      events: eventMetrics(files, scored, profiles.standard.threshold),
      brier: brierScore(scored),
      seconds,
    },
    scores,
  };
}

export function runNabEvaluation(
  files: readonly NabFile[],
  options: { threshold: 'auto' | number; detector?: Detector; baselines?: string[] },
): NabEvalResult {
  const ours = evaluateDetector('foreshock', options.detector ?? scorerDetector(), files, options.threshold);
  const baselines = (options.baselines ?? Object.keys(BASELINES)).map((name) => {
    const make = BASELINES[name];
    if (!make) throw new Error(`unknown baseline "${name}" (known: ${Object.keys(BASELINES).join(', ')})`);
    // Baselines are always given their own best threshold: the comparison is never rigged.
    return evaluateDetector(name, make(), files, 'auto').result;
  });
  return {
    files: files.length,
    windows: files.reduce((n, f) => n + f.windows.length, 0),
    rows: files.reduce((n, f) => n + f.values.length, 0),
    threshold: options.threshold,
    foreshock: ours.result,
    baselines,
    scores: new Map(files.map((f, k) => [f.key, ours.scores[k] as Float64Array])),
  };
}
