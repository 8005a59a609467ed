/**
 * Trained models on disk, versioned: `<modelsDir>/<resourceType>/<signal>/v<N>.json`, each a
 * brain.js net plus what is needed to judge and use it (data window, loss, evaluation, residual
 * spread). A new training writes v<N+1> (only when it beat the last-value forecast: the caller's
 * promotion gate) and prunes all but the newest few; loading takes the highest N. Beside them,
 * `calibration.json`: the probability calibration of the engine for that signal, whatever
 * forecaster wins per series.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { BrainNetJson, ForecasterKind } from './forecaster';
import type { CalibrationRecord } from './calibration';
import type { Calibration } from './probability';

export interface ModelRecord {
  format: 1;
  version: number;
  kind: ForecasterKind;
  resourceType: string;
  signal: string;
  createdAt: number;
  /** What it was trained on. */
  window: { fromMs: number; toMs: number; stepMs: number; series: number; sequences: number };
  /** Input sequence length and forecast horizon, in steps. */
  inputSteps: number;
  horizonSteps: number;
  loss: number;
  trainMs: number;
  evaluation: {
    /** One-step mean absolute error on the held-out (later) part, in robust-scaled units. */
    mae: number;
    /** The same for "next = last" (the naive forecast): the model should beat it. */
    naiveMae: number;
    /** Both kinds, measured on the same data: the better one is kept. */
    candidates: { kind: ForecasterKind; mae: number; loss: number; trainMs: number }[];
    brier?: number;
  };
  /** Std of one-step residuals on held-out data (scaled units). */
  residualStd: number;
  /** Stored by versions before calibration.json existed; not used. */
  calibration?: Calibration;
  net: BrainNetJson;
}

function signalDir(modelsDir: string, resourceType: string, signal: string): string {
  if (!/^[a-z0-9][a-z0-9-_.]*$/.test(resourceType) || !/^[a-z0-9][a-z0-9-_.]*$/.test(signal)) {
    throw new Error(`model names must be lowercase config names: ${resourceType}/${signal}`);
  }
  return path.join(modelsDir, resourceType, signal);
}

export function modelVersions(modelsDir: string, resourceType: string, signal: string): number[] {
  const dir = signalDir(modelsDir, resourceType, signal);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^v(\d+)\.json$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Versions kept per signal by default. */
export const KEEP_MODEL_VERSIONS = 5;

/**
 * Writes the record as the next version (atomically: temp file, then rename), then removes all
 * but the newest `keep` versions; returns its path and what was pruned.
 */
export function saveModel(
  modelsDir: string,
  record: Omit<ModelRecord, 'version'>,
  keep = KEEP_MODEL_VERSIONS,
): { path: string; version: number; pruned: number[] } {
  const dir = signalDir(modelsDir, record.resourceType, record.signal);
  mkdirSync(dir, { recursive: true });
  const version = (modelVersions(modelsDir, record.resourceType, record.signal).pop() ?? 0) + 1;
  const file = path.join(dir, `v${version}.json`);
  writeAtomically(file, JSON.stringify({ ...record, version }));
  const versions = modelVersions(modelsDir, record.resourceType, record.signal);
  const pruned = versions.slice(0, Math.max(0, versions.length - Math.max(1, keep)));
  for (const v of pruned) rmSync(path.join(dir, `v${v}.json`), { force: true });
  return { path: file, version, pruned };
}

export function saveCalibration(
  modelsDir: string,
  resourceType: string,
  signal: string,
  record: CalibrationRecord,
): string {
  const dir = signalDir(modelsDir, resourceType, signal);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'calibration.json');
  writeAtomically(file, JSON.stringify(record));
  return file;
}

export function loadCalibration(
  modelsDir: string,
  resourceType: string,
  signal: string,
): CalibrationRecord | undefined {
  const file = path.join(signalDir(modelsDir, resourceType, signal), 'calibration.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CalibrationRecord) : undefined;
}

export function loadLatestModel(
  modelsDir: string,
  resourceType: string,
  signal: string,
): ModelRecord | undefined {
  const version = modelVersions(modelsDir, resourceType, signal).pop();
  if (version === undefined) return undefined;
  const file = path.join(signalDir(modelsDir, resourceType, signal), `v${version}.json`);
  const record = JSON.parse(readFileSync(file, 'utf8')) as ModelRecord;
  if (record.format !== 1 || !record.net) throw new Error(`${file}: not a foreshock model`);
  return record;
}
