// Where training puts the calibration: with a model store (what a PostgreSQL deployment passes)
// the store gets it and the config's models folder stays empty; without one it lands in that
// folder as calibration.json, as before. Prometheus is a stand-in returning a fixed series (a
// pure unit test); training runs for real in its worker thread with tiny sizes.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../../../src/config/schema';
import { trainFromConfig } from '../../../src/activities/training';
import { loadCalibration } from '../../../src/predict/model-store';
import type { PrometheusAdapter } from '../../../src/prometheus/adapter';
import { createFileModelStore, type CalibrationRecord, type ModelKey } from '../../../src/store';

const series = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i / 5) + i / 100);
const prometheus = {
  rangeQuery: (q: string, start: number, end: number, step: number) => {
    if (q.startsWith('ALERTS')) return Promise.resolve([]);
    const n = Math.floor((end - start) / step) + 1;
    return Promise.resolve([
      { labels: {}, timestamps: Array.from({ length: n }, (_, i) => start + i * step), values: series(n) },
    ]);
  },
  instantQuery: () => Promise.resolve([]),
} as unknown as PrometheusAdapter;
const sizes = { iterations: 20, maxSequences: 40, hiddenSize: 4, calibrationOrigins: 20 };

describe('trainFromConfig: the calibration goes where the models go', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-train-calibration-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = configSchema.parse({
    prometheus: { url: 'http://127.0.0.1:9', step: '1s', lookback: '5m' },
    resources: [
      {
        name: 'db',
        type: 'database',
        proxy: { listen: '127.0.0.1:1', upstream: '127.0.0.1:2' },
        telemetry: { latency_p99: 'x' },
      },
    ],
    failure_injection_profile: { injection_frequency: '1h' },
    resource_failure_modes: [{ resource_type: 'database', failure_modes: ['network_latency'] }],
    history: { incidents: path.join(dir, 'i.jsonl'), outcomes: path.join(dir, 'o.jsonl') },
    models: { dir: path.join(dir, 'local-models') },
  });
  const key = { resourceType: 'database', signal: 'latency_p99' };

  it('with a model store: saved there, nothing in models.dir', async () => {
    const saved: { key: ModelKey; record: CalibrationRecord }[] = [];
    const inner = createFileModelStore(path.join(dir, 'shared-models'));
    const store = {
      ...inner,
      saveCalibration: (k: ModelKey, record: CalibrationRecord) => {
        saved.push({ key: k, record });
        return inner.saveCalibration(k, record);
      },
    };
    const [summary] = await trainFromConfig(config, prometheus, undefined, sizes, { models: store });
    assert.equal(summary?.error, undefined);
    assert.deepEqual(
      saved.map((s) => s.key),
      [key],
    );
    assert.equal(saved[0]?.record.samples, summary?.calibration?.samples);
    assert.deepEqual(await inner.loadCalibration(key), JSON.parse(JSON.stringify(saved[0]?.record)));
    assert.equal(existsSync(config.models.dir), false, 'the local models folder was not written');
  });

  it('without one: calibration.json under models.dir, as before', async () => {
    const [summary] = await trainFromConfig(config, prometheus, undefined, sizes);
    assert.equal(summary?.error, undefined);
    assert.equal(
      loadCalibration(config.models.dir, 'database', 'latency_p99')?.samples,
      summary?.calibration?.samples,
    );
  });
});
