/**
 * The embedded model store: today's `<dir>/<resourceType>/<signal>/v<N>.json` files, plus a
 * `promoted` file holding the promoted version. A series without one loads its newest version,
 * which is how models written before promotion existed keep working. The series' calibration
 * stays in `calibration.json` beside them.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCalibration, modelVersions, saveCalibration, saveModel } from '../predict/model-store';
import type { ModelKey, ModelRecord, ModelStore } from './types';
import { StoreError } from './types';

function seriesDir(dir: string, key: ModelKey): string {
  return path.join(dir, key.resourceType, key.signal);
}

function promotedVersion(dir: string, key: ModelKey): number | undefined {
  const file = path.join(seriesDir(dir, key), 'promoted');
  if (!existsSync(file)) return undefined;
  const v = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

export function createFileModelStore(dir: string): ModelStore {
  return {
    async save(record) {
      const { path: file, version } = saveModel(dir, record);
      return { version, ref: file };
    },
    async promote(key, version) {
      if (!modelVersions(dir, key.resourceType, key.signal).includes(version)) {
        throw new StoreError(`no model ${key.resourceType}/${key.signal} v${version} to promote`);
      }
      const file = path.join(seriesDir(dir, key), 'promoted');
      writeFileSync(`${file}.${process.pid}.tmp`, `${version}\n`);
      renameSync(`${file}.${process.pid}.tmp`, file);
    },
    async loadPromoted(key) {
      const versions = modelVersions(dir, key.resourceType, key.signal);
      const promoted = promotedVersion(dir, key);
      const version = promoted !== undefined && versions.includes(promoted) ? promoted : versions.at(-1);
      if (version === undefined) return undefined;
      const file = path.join(seriesDir(dir, key), `v${version}.json`);
      const record = JSON.parse(readFileSync(file, 'utf8')) as ModelRecord;
      if (record.format !== 1 || !record.net) throw new StoreError(`${file}: not a foreshock model`);
      return record;
    },
    async versions(key) {
      return modelVersions(dir, key.resourceType, key.signal);
    },
    async prune(key, keep) {
      const promoted = promotedVersion(dir, key);
      const doomed = modelVersions(dir, key.resourceType, key.signal)
        .slice(0, -Math.max(1, keep))
        .filter((v) => v !== promoted);
      for (const v of doomed) rmSync(path.join(seriesDir(dir, key), `v${v}.json`), { force: true });
      return doomed.length;
    },
    async saveCalibration(key, record) {
      return { ref: saveCalibration(dir, key.resourceType, key.signal, record) };
    },
    async loadCalibration(key) {
      return loadCalibration(dir, key.resourceType, key.signal);
    },
    async close() {},
  };
}
