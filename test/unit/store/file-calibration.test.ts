// The file model store keeps each series' calibration where foreshock has always written it
// (`<models.dir>/<type>/<signal>/calibration.json`): what the store saves the old readers read,
// what the old writer wrote the store reads, and the predict loader gives the same map either way.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFileModelStore } from '../../../src/store';
import { loadCalibration, saveCalibration } from '../../../src/predict/model-store';
import { loadSignalModels, loadStoredSignalModels } from '../../../src/predict/model-loader';
import { calibration } from '../../integration/store/fixtures';

describe('file model store: calibrations', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-file-calibration-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const key = { resourceType: 'api', signal: 'latency_p99' };
  const file = path.join(dir, 'api', 'latency_p99', 'calibration.json');

  it('a series without one has none', async () => {
    assert.equal(await createFileModelStore(dir).loadCalibration(key), undefined);
    assert.equal(existsSync(file), false);
  });

  it('saves calibration.json in the layout the old reader reads; a second save replaces it', async () => {
    const store = createFileModelStore(dir);
    assert.deepEqual(await store.saveCalibration(key, calibration(0.3)), { ref: file });
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), calibration(0.3));
    await store.saveCalibration(key, calibration(0.7));
    assert.deepEqual(loadCalibration(dir, 'api', 'latency_p99'), calibration(0.7));
    assert.deepEqual(await createFileModelStore(dir).loadCalibration(key), calibration(0.7));
    assert.equal(await store.loadCalibration({ ...key, signal: 'cpu' }), undefined, 'per signal');
  });

  it('reads a calibration the old writer stored', async () => {
    saveCalibration(dir, 'db', 'cpu', calibration(0.1));
    assert.deepEqual(
      await createFileModelStore(dir).loadCalibration({ resourceType: 'db', signal: 'cpu' }),
      calibration(0.1),
    );
  });

  it('the predict loader finds the same calibrations on disk and through the store', async () => {
    const resources: { type: string; telemetry: Record<string, string> }[] = [
      { type: 'api', telemetry: { latency_p99: 'q1', cpu: 'q2' } },
      { type: 'db', telemetry: { cpu: 'q3' } },
      { type: 'api', telemetry: { latency_p99: 'q4' } },
    ];
    const onDisk = loadSignalModels(dir, resources);
    const stored = await loadStoredSignalModels(createFileModelStore(dir), resources);
    assert.deepEqual([...stored.calibrations.keys()].sort(), ['api/latency_p99', 'db/cpu']);
    assert.deepEqual(stored.calibrations, onDisk.calibrations);
    assert.equal(stored.models.size, 0, 'no nets saved');
  });
});
