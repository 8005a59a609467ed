/**
 * trainModels: reads the config, pulls each resource's telemetry over the training lookback,
 * gathers failure events over the same span (firing alerts from Prometheus' ALERTS range,
 * incidents, injections that breached a guard), and trains one model per (resource type,
 * signal) in worker threads. A net is stored only when it beats the last-value forecast (old
 * versions pruned); the signal's calibration is stored either way. Inside an activity it
 * heartbeats on a timer and a cancellation terminates the training threads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { loadConfig } from '../config/loader';
import type { ForeshockConfig } from '../config/schema';
import { PrometheusAdapter } from '../prometheus/adapter';
import { parseIncidents, parseOutcomes } from '../predict/history';
import { saveCalibration, saveModel } from '../predict/model-store';
import { trainInWorker } from '../predict/train-worker';
import type { TrainSignalInput, TrainedSignal } from '../predict/training';
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
  /** Whether the net passed the promotion gate (and so was stored). */
  promoted?: boolean;
  promotion?: string;
  calibration?: { status: string; samples: number; positives: number; reason?: string };
  pruned?: number[];
  error?: string;
}

export interface TrainingActivityDeps {
  /** Used when the input names no config file. */
  defaultConfigPath?: string;
  /** @default a PrometheusAdapter on the config's URL */
  prometheus?: PrometheusAdapter;
  /** Called after each model. */
  onProgress?: (done: TrainedModelSummary) => void;
  /** Overrides of the training sizes (tests use tiny ones). */
  trainOptions?: TrainSizes;
  /** Shared model store (PostgreSQL): each new model is saved and promoted there, with the signal's calibration. @default files under models.dir */
  models?: ModelStore;
  /** @default 5 seconds */
  heartbeatEveryMs?: number;
}

export type TrainSizes = Partial<
  Pick<
    TrainSignalInput,
    | 'inputSteps'
    | 'horizonSteps'
    | 'hiddenSize'
    | 'iterations'
    | 'maxSequences'
    | 'predictWindow'
    | 'predictHorizonSteps'
    | 'calibrationOrigins'
  >
>;

export interface TrainFromConfigOptions {
  /** Span of telemetry to learn from. @default the config's prometheus.lookback */
  lookbackMs?: number;
  /** @default the config's prometheus.step */
  stepMs?: number;
  /** The engine's horizon, which the calibration labels. @default 10 minutes */
  horizonMs?: number;
  /** Training threads at once. @default 2 */
  concurrency?: number;
  /** Aborting terminates the running training threads. */
  signal?: AbortSignal;
  /** @default Date.now */
  now?: () => number;
  /** Shared model store (PostgreSQL): each promoted model is saved and promoted there, every calibration stored there. @default files under models.dir */
  models?: ModelStore;
}

/** Failure events per resource in [fromMs, toMs]: firing alerts (ALERTS range), incidents, breaches. */
export async function failureEvents(
  config: ForeshockConfig,
  prometheus: PrometheusAdapter,
  fromMs: number,
  toMs: number,
  stepMs: number,
): Promise<Map<string, number[]>> {
  const events = new Map<string, number[]>();
  const add = (resource: string, t: number) => {
    if (Number.isFinite(t) && t >= fromMs && t <= toMs)
      events.set(resource, [...(events.get(resource) ?? []), t]);
  };
  const alerts = await prometheus
    .rangeQuery('ALERTS{alertstate="firing"}', fromMs, toMs, stepMs)
    .catch(() => []);
  for (const s of alerts) if (s.labels.resource) for (const t of s.timestamps) add(s.labels.resource, t);
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  for (const i of parseIncidents(read(config.history.incidents), config.history.incidents).items)
    add(i.resource, i.at);
  for (const o of parseOutcomes(read(config.history.outcomes), config.history.outcomes).items)
    if (o.breached && !o.dryRun) add(o.resource, o.startedAt);
  return events;
}

function summarize(trained: TrainedSignal): Omit<TrainedModelSummary, 'resourceType' | 'signal'> {
  const c = trained.calibrationRecord;
  return {
    kind: trained.kind,
    mae: trained.evaluation.mae,
    naiveMae: trained.evaluation.naiveMae,
    candidates: trained.evaluation.candidates,
    promoted: trained.promoted,
    promotion: trained.promotionReason,
    calibration: {
      status: c.status,
      samples: c.samples,
      positives: c.positives,
      ...(c.reason ? { reason: c.reason } : {}),
    },
  };
}

/** Trains every (resource type, signal) of the config; failures are reported per model, not thrown. */
export async function trainFromConfig(
  config: ForeshockConfig,
  prometheus: PrometheusAdapter,
  onProgress?: (done: TrainedModelSummary) => void,
  sizes: TrainSizes = {},
  options: TrainFromConfigOptions = {},
): Promise<TrainedModelSummary[]> {
  const lookbackMs = options.lookbackMs ?? config.prometheus.lookback;
  const stepMs = options.stepMs ?? config.prometheus.step;
  const horizonMs = options.horizonMs ?? 600_000;
  const telemetry = createTelemetryActivities({ prometheus, ...(options.now ? { now: options.now } : {}) });
  const snapshot = await telemetry.collectTelemetry({ resources: config.resources, lookbackMs, stepMs });
  const fromMs = snapshot.collectedAt - lookbackMs;
  const events = await failureEvents(config, prometheus, fromMs, snapshot.collectedAt, stepMs);
  const groups = new Map<string, TrainSignalInput>();
  for (const w of snapshot.signals) {
    if (w.values.length === 0) continue;
    const key = `${w.resourceType}/${w.signal}`;
    const g = groups.get(key) ?? {
      ...sizes,
      resourceType: w.resourceType,
      signal: w.signal,
      series: [],
      thresholds: [],
      events: [],
      stepMs: w.stepMs,
      fromMs: w.startMs,
      toMs: snapshot.collectedAt,
      predictWindow: sizes.predictWindow ?? Math.max(3, Math.round(config.prometheus.lookback / w.stepMs)),
      predictHorizonSteps: sizes.predictHorizonSteps ?? Math.max(1, Math.round(horizonMs / w.stepMs)),
    };
    g.series.push(w.values.map((v) => (typeof v === 'number' ? v : NaN)));
    g.thresholds!.push(config.resources.find((r) => r.name === w.resource)?.thresholds[w.signal]);
    g.events!.push(events.get(w.resource) ?? []);
    groups.set(key, g);
  }
  const results: TrainedModelSummary[] = [];
  const queue = [...groups.values()];
  const trainOne = async (g: TrainSignalInput): Promise<void> => {
    const id = { resourceType: g.resourceType, signal: g.signal };
    let summary: TrainedModelSummary;
    try {
      const trained = await trainInWorker(g, options.signal);
      // eslint-disable-next-line @typescript-eslint/no-unused-vars -- kept out of the stored record
      const { promoted, promotionReason, calibrationRecord, calibrationPairs, ...record } = trained;
      const models = options.models;
      if (models) await models.saveCalibration(id, calibrationRecord);
      else saveCalibration(config.models.dir, g.resourceType, g.signal, calibrationRecord);
      const saved = !promoted
        ? undefined
        : models
          ? await models.save(record).then(async (s) => {
              await models.promote(id, s.version);
              return { version: s.version, path: s.ref, pruned: [] as number[] };
            })
          : saveModel(config.models.dir, record);
      summary = {
        ...id,
        ...summarize(trained),
        ...(saved ? { version: saved.version, path: saved.path, pruned: saved.pruned } : {}),
      };
    } catch (err) {
      if (options.signal?.aborted) throw err;
      summary = { ...id, error: err instanceof Error ? err.message : String(err) };
    }
    results.push(summary);
    onProgress?.(summary);
  };
  const lanes = Array.from({ length: Math.max(1, options.concurrency ?? 2) }, async () => {
    for (let g = queue.shift(); g; g = queue.shift()) await trainOne(g);
  });
  await Promise.all(lanes);
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
      let context: Context | undefined;
      try {
        context = Context.current();
      } catch {
        // Not running inside an activity (CLI use): nothing to heartbeat or cancel.
      }
      const done: TrainedModelSummary[] = [];
      const beat = () => context?.heartbeat({ done: done.length });
      const timer = context ? setInterval(beat, deps.heartbeatEveryMs ?? 5_000) : undefined;
      try {
        beat();
        return await trainFromConfig(
          config,
          prometheus,
          (summary) => {
            done.push(summary);
            deps.onProgress?.(summary);
            beat();
          },
          deps.trainOptions,
          {
            ...(context ? { signal: context.cancellationSignal } : {}),
            ...(deps.models ? { models: deps.models } : {}),
          },
        );
      } catch (err) {
        // the training threads are gone: report a cancellation, not a failure
        if (context?.cancellationSignal.aborted)
          throw new CancelledFailure(`training cancelled: ${(err as Error).message}`);
        throw err;
      } finally {
        if (timer) clearInterval(timer);
      }
    },
  };
}

export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
