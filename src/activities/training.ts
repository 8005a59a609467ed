/**
 * trainModels: reads the config, pulls each resource's telemetry over the configured lookback,
 * and trains one model per (resource type, signal) across that type's resources, in a worker
 * thread, storing each as the next version under the models dir.
 */
import { Context } from '@temporalio/activity';
import { loadConfig } from '../config/loader';
import type { ForeshockConfig } from '../config/schema';
import { PrometheusAdapter } from '../prometheus/adapter';
import { saveModel } from '../predict/model-store';
import { trainInWorker } from '../predict/train-worker';
import type { TrainSignalInput } from '../predict/training';
import { createTelemetryActivities } from './telemetry';
import type { ModelStore } from '../store/types';

export interface TrainModelsInput {
  configPath?: string;
  reason?: string;
}

export interface TrainedModelSummary {
  resourceType: string;
  signal: string;
  version?: number;
  path?: string;
  kind?: string;
  mae?: number;
  naiveMae?: number;
  candidates?: { kind: string; mae: number; trainMs: number }[];
  error?: string;
}

export interface TrainingActivityDeps {
  /** Used when the input names no config file. */
  defaultConfigPath?: string;
  /** @default a PrometheusAdapter on the config's URL */
  prometheus?: PrometheusAdapter;
  /** Called after each model (the activity heartbeats here). */
  onProgress?: (done: TrainedModelSummary) => void;
  /** Overrides of the training sizes (tests use tiny ones). */
  trainOptions?: TrainSizes;
  /** Shared model store (PostgreSQL): each new model is saved and promoted there. @default files under models.dir */
  models?: ModelStore;
}

export type TrainSizes = Partial<
  Pick<TrainSignalInput, 'inputSteps' | 'horizonSteps' | 'hiddenSize' | 'iterations' | 'maxSequences'>
>;

/** Trains every (resource type, signal) of the config; failures are reported per model, not thrown. */
export async function trainFromConfig(
  config: ForeshockConfig,
  prometheus: PrometheusAdapter,
  onProgress?: (done: TrainedModelSummary) => void,
  sizes: TrainSizes = {},
  models?: ModelStore,
): Promise<TrainedModelSummary[]> {
  const telemetry = createTelemetryActivities({ prometheus });
  const snapshot = await telemetry.collectTelemetry({
    resources: config.resources,
    lookbackMs: config.prometheus.lookback,
    stepMs: config.prometheus.step,
  });
  const groups = new Map<
    string,
    {
      resourceType: string;
      signal: string;
      series: number[][];
      thresholds: (number | undefined)[];
      stepMs: number;
    }
  >();
  for (const w of snapshot.signals) {
    if (w.values.length === 0) continue;
    const key = `${w.resourceType}/${w.signal}`;
    const g = groups.get(key) ?? {
      resourceType: w.resourceType,
      signal: w.signal,
      series: [],
      thresholds: [],
      stepMs: w.stepMs,
    };
    g.series.push(w.values.map((v) => (typeof v === 'number' ? v : NaN)));
    g.thresholds.push(config.resources.find((r) => r.name === w.resource)?.thresholds[w.signal]);
    groups.set(key, g);
  }
  const results: TrainedModelSummary[] = [];
  for (const g of groups.values()) {
    let summary: TrainedModelSummary;
    try {
      const record = await trainInWorker({
        ...sizes,
        resourceType: g.resourceType,
        signal: g.signal,
        series: g.series,
        thresholds: g.thresholds,
        stepMs: g.stepMs,
        fromMs: snapshot.collectedAt - config.prometheus.lookback,
        toMs: snapshot.collectedAt,
      });
      const saved = models
        ? await models.save(record).then(async (s) => {
            await models.promote(record, s.version);
            return { version: s.version, path: s.ref };
          })
        : saveModel(config.models.dir, record);
      summary = {
        resourceType: g.resourceType,
        signal: g.signal,
        version: saved.version,
        path: saved.path,
        kind: record.kind,
        mae: record.evaluation.mae,
        naiveMae: record.evaluation.naiveMae,
        candidates: record.evaluation.candidates,
      };
    } catch (err) {
      summary = {
        resourceType: g.resourceType,
        signal: g.signal,
        error: err instanceof Error ? err.message : String(err),
      };
    }
    results.push(summary);
    onProgress?.(summary);
  }
  for (const w of snapshot.signals) {
    if (w.values.length === 0)
      results.push({
        resourceType: w.resourceType,
        signal: w.signal,
        error: `${w.resource}: ${w.error ?? 'no data'}`,
      });
  }
  return results;
}

export function createTrainingActivities(deps: TrainingActivityDeps = {}) {
  return {
    async trainModels(input: TrainModelsInput): Promise<TrainedModelSummary[]> {
      const file = input.configPath ?? deps.defaultConfigPath;
      if (!file) throw new Error('trainModels: no config file given and no default configured');
      const { config } = await loadConfig(file);
      const prometheus =
        deps.prometheus ??
        new PrometheusAdapter({ url: config.prometheus.url, timeoutMs: config.prometheus.timeout });
      return trainFromConfig(
        config,
        prometheus,
        (done) => {
          deps.onProgress?.(done);
          try {
            Context.current().heartbeat(done);
          } catch {
            // Not running inside an activity (CLI use): nothing to heartbeat.
          }
        },
        deps.trainOptions,
        deps.models,
      );
    },
  };
}

export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
