/**
 * predictFailures: snapshot + config + history → ranked scenarios. Per signal, the newest
 * promoted net of its (resource type, signal) under `modelsDir` (or in the shared model store)
 * competes with Holt-Winters on the series itself (see predict/engine.ts), and the signal's
 * calibration stored with it maps the crossing chance to a probability; the result names each
 * signal's forecaster (`modelKinds`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ForeshockConfig } from '../config/schema';
import { predictSnapshot } from '../predict/engine';
import { parseIncidents, parseOutcomes, summarizeHistory } from '../predict/history';
import { loadSignalModels, loadStoredSignalModels } from '../predict/model-loader';
import type { PredictionResult, TelemetrySnapshot } from '../predict/types';
import { appendJsonl } from '../report/jsonl';
import { summarizeStoredHistory } from '../store/history-summary';
import type { Stores } from '../store/types';

export interface PredictActivityDeps {
  modelsDir: string;
  historyFiles: { incidents: string; outcomes: string };
  /** @default 10 minutes */
  horizonMs?: number;
  /** @default Date.now */
  now?: () => number;
  /** When set, each result is appended here as one JSON line (what `foreshock report` reads). */
  predictionsFile?: string;
  /** Shared stores (PostgreSQL, several workers): models, history and predictions come from here instead of files. */
  stores?: Pick<Stores, 'history' | 'models'>;
}

const HISTORY_SPAN_MS = 30 * 86_400_000;

export interface PredictFailuresInput {
  snapshot: TelemetrySnapshot;
  config: Pick<ForeshockConfig, 'resources' | 'resource_failure_modes' | 'failure_injection_profile'>;
}

function readIfPresent(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

export function createPredictActivities(deps: PredictActivityDeps) {
  const horizonMs = deps.horizonMs ?? 600_000;
  const now = deps.now ?? Date.now;
  return {
    async predictFailures(input: PredictFailuresInput): Promise<PredictionResult> {
      // with shared stores, the store's promoted nets and calibrations, whatever this worker's disk holds
      const { models, calibrations } = deps.stores
        ? await loadStoredSignalModels(deps.stores.models, input.config.resources)
        : loadSignalModels(deps.modelsDir, input.config.resources);
      const at = now();
      const since = at - HISTORY_SPAN_MS;
      const history = deps.stores
        ? await summarizeStoredHistory(deps.stores.history, since, at)
        : summarizeHistory(
            parseIncidents(readIfPresent(deps.historyFiles.incidents), deps.historyFiles.incidents).items,
            parseOutcomes(readIfPresent(deps.historyFiles.outcomes), deps.historyFiles.outcomes).items,
            at,
          );
      // eslint-disable-next-line @typescript-eslint/no-unused-vars -- per-signal details stay in the process
      const { signals, ...result } = predictSnapshot({
        snapshot: input.snapshot,
        config: input.config,
        models,
        calibrations,
        history,
        horizonMs,
        now: at,
      });
      // a write failure fails the activity (and so is retried) rather than losing the record quietly
      if (deps.stores) await deps.stores.history.appendPrediction(result);
      else if (deps.predictionsFile) appendJsonl(deps.predictionsFile, result);
      return result;
    },
  };
}

export type PredictActivities = ReturnType<typeof createPredictActivities>;
