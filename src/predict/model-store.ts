/**
 * Trained models on disk, versioned: `<modelsDir>/<resourceType>/<signal>/v<N>.json`, each a
 * brain.js net plus what is needed to judge and use it (data window, loss, evaluation, residual
 * spread, calibration). A new training writes v<N+1>; loading takes the highest N.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { BrainNetJson, ForecasterKind } from './forecaster';
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

/** Writes the record as the next version (atomically: temp file, then rename); returns its path. */
export function saveModel(
  modelsDir: string,
  record: Omit<ModelRecord, 'version'>,
): { path: string; version: number } {
  const dir = signalDir(modelsDir, record.resourceType, record.signal);
  mkdirSync(dir, { recursive: true });
  const version = (modelVersions(modelsDir, record.resourceType, record.signal).pop() ?? 0) + 1;
  const file = path.join(dir, `v${version}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...record, version }));
  renameSync(tmp, file);
  return { path: file, version };
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
