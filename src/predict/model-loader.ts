/**
 * What the engine needs from the models dir for a set of resources: the newest promoted net and
 * the calibration of every (resource type, signal) they have. predictFailures and the backtest
 * load through here, so both run on the same models.
 */
import type { ResourceConfig } from '../config/schema';
import type { CalibrationRecord } from './calibration';
import { loadModel, type LoadedModel } from './engine';
import { loadCalibration, loadLatestModel } from './model-store';

export interface SignalModels {
  models: Map<string, LoadedModel>;
  calibrations: Map<string, CalibrationRecord>;
}

export function loadSignalModels(
  modelsDir: string,
  resources: readonly Pick<ResourceConfig, 'type' | 'telemetry'>[],
): SignalModels {
  const models = new Map<string, LoadedModel>();
  const calibrations = new Map<string, CalibrationRecord>();
  const seen = new Set<string>();
  for (const r of resources) {
    for (const signal of Object.keys(r.telemetry)) {
      const key = `${r.type}/${signal}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const record = loadLatestModel(modelsDir, r.type, signal);
      if (record) models.set(key, loadModel(record));
      const calibration = loadCalibration(modelsDir, r.type, signal);
      if (calibration) calibrations.set(key, calibration);
    }
  }
  return { models, calibrations };
}
