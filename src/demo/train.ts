/**
 * The demo trains before its first cycle: on the recorded history just backfilled into its
 * Prometheus, with small nets and few iterations (worker threads, two at a time), so the main
 * job starts on trained, calibrated models within well under a minute.
 */
import type { ForeshockConfig } from '../config/schema';
import type { PrometheusAdapter } from '../prometheus/adapter';
import { trainFromConfig, type TrainedModelSummary, type TrainSizes } from '../activities/training';
import type { BackfillResult } from './history';
import type { DemoEvents, DemoSummary } from './types';

/** Sizes for the demo: a fraction of the defaults, enough for its few smooth signals. */
export const DEMO_TRAIN_SIZES: TrainSizes = {
  inputSteps: 16,
  horizonSteps: 8,
  hiddenSize: 5,
  iterations: 25,
  maxSequences: 80,
  calibrationOrigins: 40,
};

export function describeTrained(s: TrainedModelSummary): string {
  const id = `${s.resourceType}/${s.signal}`;
  if (s.error) return `${id}: not trained (${s.error})`;
  const net = s.promoted
    ? `${s.kind} v${s.version} promoted (MAE ${s.mae?.toFixed(3)} vs last value ${s.naiveMae?.toFixed(3)})`
    : `${s.kind} not promoted (MAE ${s.mae?.toFixed(3)} vs last value ${s.naiveMae?.toFixed(3)}): Holt-Winters forecasts alone`;
  const c = s.calibration;
  const cal = c
    ? c.status === 'calibrated'
      ? `calibrated on ${c.samples} held-out forecasts (${c.positives} failures)${c.reason ? `; ${c.reason}` : ''}`
      : `uncalibrated: ${c.reason ?? ''}`
    : 'no calibration';
  return `${id}: ${net}; ${cal}`;
}

export async function trainOnHistory(options: {
  config: ForeshockConfig;
  prometheus: PrometheusAdapter;
  lookbackMs: number;
  horizonMs: number;
  say: (line: string) => void;
  signal?: AbortSignal;
}): Promise<{ models: TrainedModelSummary[]; ms: number }> {
  const started = Date.now();
  const models = await trainFromConfig(
    options.config,
    options.prometheus,
    (s) => options.say(`trained ${describeTrained(s)}`),
    DEMO_TRAIN_SIZES,
    {
      lookbackMs: options.lookbackMs,
      horizonMs: options.horizonMs,
      concurrency: 2,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  return { models, ms: Date.now() - started };
}

/**
 * With a backfilled history: starts training on it (Ctrl-C terminates the training threads)
 * and fills the summary's `history` when it is done; resolves when the training has ended.
 */
export function startHistoryTraining(o: {
  backfilled: BackfillResult;
  config: ForeshockConfig;
  prometheus: PrometheusAdapter;
  horizonMs: number;
  summary: DemoSummary;
  events: DemoEvents;
  stopSignal?: Promise<void>;
}): Promise<{ models: TrainedModelSummary[]; ms: number }> {
  const { backfilled, summary, events } = o;
  const minutes = (backfilled.toMs - backfilled.fromMs) / 60_000;
  events.event(
    `history: ${minutes.toFixed(0)} min of recorded telemetry backfilled (${backfilled.series} series, ${backfilled.samples} samples); training the forecasters on it`,
  );
  const stopTraining = new AbortController();
  void o.stopSignal?.then(() => stopTraining.abort());
  const training = trainOnHistory({
    config: o.config,
    prometheus: o.prometheus,
    lookbackMs: Date.now() - backfilled.fromMs,
    horizonMs: o.horizonMs,
    say: (line) => events.event(line),
    signal: stopTraining.signal,
  });
  // the summary is filled in when the training is awaited, before the first cycle
  training.then(
    ({ models, ms }) => {
      summary.history = {
        minutes: +minutes.toFixed(1),
        series: backfilled.series,
        train_s: +(ms / 1000).toFixed(1),
        promoted: models.filter((m) => m.promoted).length,
        calibrated: models.filter((m) => m.calibration?.status === 'calibrated').length,
      };
    },
    () => undefined,
  );
  return training;
}

/** Waits for the training; a failed training leaves Holt-Winters alone, uncalibrated. */
export async function finishTraining(
  training: Promise<{ models: TrainedModelSummary[]; ms: number }>,
  events: DemoEvents,
): Promise<void> {
  const { models, ms } = await training.catch((err: Error) => {
    events.event(`training failed (${err.message}): Holt-Winters forecasts alone, uncalibrated`);
    return { models: [], ms: 0 };
  });
  events.event(
    `training done in ${(ms / 1000).toFixed(1)} s: ${models.filter((m) => m.promoted).length} of ${models.length} nets promoted, ${models.filter((m) => m.calibration?.status === 'calibrated').length} signals calibrated`,
  );
}
