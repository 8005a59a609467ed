/**
 * Where foreshock's shared state lives: the outcomes of its own injections (cooldowns and the
 * forecaster read them), incidents, stored predictions, and trained models with a promotion
 * pointer. Two implementations: files (the embedded default, one worker) and PostgreSQL (any
 * number of workers sharing one database).
 */
import type { CalibrationRecord } from '../predict/calibration';
import type { Incident } from '../predict/history';
import type { ModelRecord } from '../predict/model-store';
import type { PredictionResult } from '../predict/types';
import type { InjectionOutcome } from '../workflows/types';

export type { CalibrationRecord, Incident, ModelRecord, PredictionResult, InjectionOutcome };

export interface HistoryStore {
  /** Stores the outcome once per `faultId`; a second call with the same fault writes nothing. */
  appendOutcome(outcome: InjectionOutcome): Promise<{ written: boolean }>;
  /** Outcomes that ended at or after `sinceMs` (Unix ms), oldest first. */
  outcomesSince(sinceMs: number): Promise<InjectionOutcome[]>;
  appendIncident(incident: Incident): Promise<void>;
  /** Incidents at or after `sinceMs`, oldest first. */
  incidentsSince(sinceMs: number): Promise<Incident[]>;
  appendPrediction(prediction: PredictionResult): Promise<void>;
  /** The newest `limit` predictions, oldest first. */
  recentPredictions(limit: number): Promise<PredictionResult[]>;
  close(): Promise<void>;
}

/** One model series: all versions trained for a (resource type, signal). */
export interface ModelKey {
  resourceType: string;
  signal: string;
}

export interface ModelStore {
  /** Stores the record as the next version of its series; does not promote it. */
  save(record: Omit<ModelRecord, 'version'>): Promise<{ version: number; ref: string }>;
  /** Makes `version` the one `loadPromoted` returns. */
  promote(key: ModelKey, version: number): Promise<void>;
  /** The promoted version; a series never promoted gives its newest version. */
  loadPromoted(key: ModelKey): Promise<ModelRecord | undefined>;
  versions(key: ModelKey): Promise<number[]>;
  /** Deletes all but the newest `keep` versions, never the promoted one; returns how many went. */
  prune(key: ModelKey, keep: number): Promise<number>;
  /**
   * Replaces the series' probability calibration. It is refitted by every training, whether or
   * not that training's net is promoted, so it is kept per series rather than per model version.
   */
  saveCalibration(key: ModelKey, record: CalibrationRecord): Promise<{ ref: string }>;
  /** The series' newest calibration, if any training stored one. */
  loadCalibration(key: ModelKey): Promise<CalibrationRecord | undefined>;
  close(): Promise<void>;
}

export interface Stores {
  history: HistoryStore;
  models: ModelStore;
  close(): Promise<void>;
}

export class StoreError extends Error {
  override name = 'StoreError';
}

/** The database schema is older than this code expects (`foreshock db migrate` fixes it). */
export class StoreSchemaError extends StoreError {
  override name = 'StoreSchemaError';
}
