/**
 * predictFailures: snapshot + config + history → ranked scenarios. Uses the newest trained model
 * per (resource type, signal) under `modelsDir`; signals without one use the trend stand-in, and
 * the result says which (`model.kind`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ForeshockConfig } from '../config/schema';
import { assessSignals, loadModel, type LoadedModel } from '../predict/engine';
import { parseIncidents, parseOutcomes, summarizeHistory } from '../predict/history';
import { loadLatestModel } from '../predict/model-store';
import { buildScenarios } from '../predict/scenarios';
import type { PredictionResult, TelemetrySnapshot } from '../predict/types';
import { appendJsonl } from '../report/jsonl';
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
      const models = new Map<string, LoadedModel>();
      for (const r of input.config.resources) {
        for (const signal of Object.keys(r.telemetry)) {
          const key = `${r.type}/${signal}`;
          if (models.has(key)) continue;
          const record = deps.stores
            ? await deps.stores.models.loadPromoted({ resourceType: r.type, signal })
            : loadLatestModel(deps.modelsDir, r.type, signal);
          if (record) models.set(key, loadModel(record));
        }
      }
      const since = now() - HISTORY_SPAN_MS;
      const incidents = deps.stores
        ? { items: await deps.stores.history.incidentsSince(since) }
        : parseIncidents(readIfPresent(deps.historyFiles.incidents), deps.historyFiles.incidents);
      const outcomes = deps.stores
        ? parseOutcomes(
            (await deps.stores.history.outcomesSince(since)).map((o) => JSON.stringify(o)).join('\n'),
          )
        : parseOutcomes(readIfPresent(deps.historyFiles.outcomes), deps.historyFiles.outcomes);
      const history = summarizeHistory(incidents.items, outcomes.items, now());
      const signals = assessSignals({ snapshot: input.snapshot, config: input.config, models, horizonMs });
      const scenarios = buildScenarios({
        config: input.config,
        signals,
        history,
        firingAlerts: input.snapshot.firingAlerts,
        redGuards: input.snapshot.redGuards,
        horizonMs,
      });
      const used = [...models.values()].sort((a, b) => b.record.createdAt - a.record.createdAt)[0];
      const result: PredictionResult = {
        generatedAt: now(),
        horizonMs,
        model: used
          ? {
              kind: used.record.kind,
              version: `${used.record.resourceType}/${used.record.signal}/v${used.record.version}`,
            }
          : { kind: 'trend' },
        scenarios,
        forecasts: signals.flatMap((s) => (s.forecast ? [s.forecast] : [])),
      };
      // a write failure fails the activity (and so is retried) rather than losing the record quietly
      if (deps.stores) await deps.stores.history.appendPrediction(result);
      else if (deps.predictionsFile) appendJsonl(deps.predictionsFile, result);
      return result;
    },
  };
}

export type PredictActivities = ReturnType<typeof createPredictActivities>;
