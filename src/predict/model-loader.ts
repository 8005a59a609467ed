/**
 * What the engine needs for a set of resources: the promoted net and the calibration of every
 * (resource type, signal) they have, from the models dir or from a shared model store.
 * predictFailures and the backtest load through here, so both run on the same models.
 */
import type { ResourceConfig } from '../config/schema';
import type { ModelKey, ModelStore } from '../store/types';
import type { CalibrationRecord } from './calibration';
import { loadModel, type LoadedModel } from './engine';
import { loadCalibration, loadLatestModel } from './model-store';

export interface SignalModels {
  models: Map<string, LoadedModel>;
  calibrations: Map<string, CalibrationRecord>;
}

type SignalResources = readonly Pick<ResourceConfig, 'type' | 'telemetry'>[];

function signalKeys(resources: SignalResources): (ModelKey & { id: string })[] {
  const keys = new Map<string, ModelKey & { id: string }>();
  for (const r of resources) {
    for (const signal of Object.keys(r.telemetry)) {
      const id = `${r.type}/${signal}`;
      if (!keys.has(id)) keys.set(id, { id, resourceType: r.type, signal });
    }
  }
  return [...keys.values()];
}

export function loadSignalModels(modelsDir: string, resources: SignalResources): SignalModels {
  const models = new Map<string, LoadedModel>();
  const calibrations = new Map<string, CalibrationRecord>();
  for (const { id, resourceType, signal } of signalKeys(resources)) {
    const record = loadLatestModel(modelsDir, resourceType, signal);
    if (record) models.set(id, loadModel(record));
    const calibration = loadCalibration(modelsDir, resourceType, signal);
    if (calibration) calibrations.set(id, calibration);
  }
  return { models, calibrations };
}

/** The same from a model store (PostgreSQL when several workers share it): its promoted nets and calibrations. */
export async function loadStoredSignalModels(
  store: Pick<ModelStore, 'loadPromoted' | 'loadCalibration'>,
  resources: SignalResources,
): Promise<SignalModels> {
  const models = new Map<string, LoadedModel>();
  const calibrations = new Map<string, CalibrationRecord>();
  await Promise.all(
    signalKeys(resources).map(async ({ id, ...key }) => {
      const [record, calibration] = await Promise.all([store.loadPromoted(key), store.loadCalibration(key)]);
      if (record) models.set(id, loadModel(record));
      if (calibration) calibrations.set(id, calibration);
    }),
  );
  return { models, calibrations };
}
