/**
 * The demo trains before its first cycle: on the recorded history just backfilled into its
 * Prometheus, with small nets and few iterations (worker threads, two at a time), so the main
 * job starts on trained, calibrated models within well under a minute.
 */
import type { ForeshockConfig } from '../config/schema';
import type { PrometheusAdapter } from '../prometheus/adapter';
import { trainFromConfig, type TrainedModelSummary, type TrainSizes } from '../activities/training';

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
      ? `calibrated on ${c.samples} held-out forecasts (${c.positives} failures)`
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
