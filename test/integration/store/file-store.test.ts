// The embedded file store on real files: outcomes unique by fault id even when one process
// records concurrently, the JSONL layout foreshock has always written, models with a promotion
// pointer (and without one: the newest, as before).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFileHistoryStore, createFileModelStore, StoreError } from '../../../src/store';
import { loadLatestModel } from '../../../src/predict/model-store';
import { model, outcome } from './fixtures';

describe('file store', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-file-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const files = {
    outcomes: path.join(dir, 'history', 'outcomes.jsonl'),
    incidents: path.join(dir, 'history', 'incidents.jsonl'),
    predictions: path.join(dir, 'predictions.jsonl'),
  };

  it('records each fault once under concurrent calls; lines stay the JSONL foreshock reads', async () => {
    const store = createFileHistoryStore(files);
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const outcomes = Array.from({ length: 20 }, (_, n) => outcome(n, t0 + n));
    const writes = await Promise.all(
      outcomes.flatMap((o) => [store.appendOutcome(o), store.appendOutcome(o)]),
    );
    assert.equal(writes.filter((w) => w.written).length, 20);
    const lines = readFileSync(files.outcomes, 'utf8').trim().split('\n');
    assert.equal(lines.length, 20);
    assert.deepEqual(JSON.parse(lines[3]!), outcomes[3]);
    assert.equal((await store.outcomesSince(t0 + 15)).length, 5);
    await store.close();
  });

  it('reads hand-written incidents leniently and keeps the newest predictions', async () => {
    writeFileSync(files.incidents, '{"resource":"db","at":"2026-01-02T00:00:00Z"}\nnot json\n');
    const store = createFileHistoryStore(files);
    await store.appendIncident({ resource: 'api', at: Date.parse('2026-01-03T00:00:00Z') });
    assert.deepEqual(
      (await store.incidentsSince(Date.parse('2026-01-02T12:00:00Z'))).map((i) => i.resource),
      ['api'],
    );
    for (let i = 0; i < 3; i++)
      await store.appendPrediction({ generatedAt: i, horizonMs: 1, model: { kind: 'trend' }, scenarios: [] });
    assert.deepEqual(
      (await store.recentPredictions(2)).map((p) => p.generatedAt),
      [1, 2],
    );
  });

  it('models: newest without a pointer, the promoted one with it, pruning keeps it', async () => {
    const modelsDir = path.join(dir, 'models');
    const store = createFileModelStore(modelsDir);
    const key = { resourceType: 'api', signal: 'cpu' };
    for (const loss of [0.3, 0.2, 0.1]) await store.save(model('api', 'cpu', loss));
    assert.equal((await store.loadPromoted(key))?.version, 3);
    await store.promote(key, 1);
    assert.equal((await store.loadPromoted(key))?.loss, 0.3);
    await assert.rejects(store.promote(key, 7), StoreError);
    assert.equal(await store.prune(key, 1), 1, 'v2 goes; v3 is newest, v1 promoted');
    assert.deepEqual(await store.versions(key), [1, 3]);
    assert.equal(
      loadLatestModel(modelsDir, 'api', 'cpu')?.version,
      3,
      'the old reader still reads the files',
    );
  });
});
