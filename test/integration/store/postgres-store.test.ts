// The PostgreSQL store against a real private PostgreSQL cluster: migrations with a version
// table (idempotent, safe when two processes migrate at once), outcomes unique by fault id
// under concurrent writers on separate connection pools, models saved by one store instance
// loaded by another, promotion and pruning.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Pool } from 'pg';
import { startPrivatePostgres, type PrivatePostgres } from '../../../src/testing/postgres';
import {
  MIGRATIONS,
  StoreError,
  StoreSchemaError,
  createStoreHistoryActivities,
  migrate,
  openPostgresStores,
  type Stores,
} from '../../../src/store';
import { pidAlive } from '../../../src/demo/processes';
import { main } from '../../../src/cli/main';
import { model, outcome } from './fixtures';

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.join(' '));
  try {
    return { code: await main(['node', 'foreshock', ...args]), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

describe('PostgreSQL store', () => {
  let pg: PrivatePostgres;
  let a: Stores;
  let b: Stores;

  before(async () => {
    pg = await startPrivatePostgres();
    await pg.createDatabase('store');
  });
  after(async () => {
    await a?.close();
    await b?.close();
    const { pid, dir } = pg;
    await pg.stop();
    assert.equal(pidAlive(pid), false, 'postgres stopped');
    assert.equal(existsSync(dir), false, 'its folder removed');
  });

  it('refuses an unmigrated database, naming the command that fixes it', async () => {
    await assert.rejects(openPostgresStores({ url: pg.url('store') }), (err: Error) => {
      assert.ok(err instanceof StoreSchemaError);
      assert.match(err.message, /foreshock db migrate/);
      return true;
    });
  });

  it('two concurrent migrations apply each version once', async () => {
    const pools = [
      new Pool({ connectionString: pg.url('store') }),
      new Pool({ connectionString: pg.url('store') }),
    ];
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      assert.deepEqual(applied.flat().sort(), MIGRATIONS.map((m) => m.version).sort());
      assert.deepEqual(await migrate(pools[0]!), [], 'a third run has nothing to do');
      const { rows } = await pools[0]!.query('SELECT version FROM foreshock_schema_version ORDER BY version');
      assert.deepEqual(
        rows.map((r: { version: number }) => r.version),
        MIGRATIONS.map((m) => m.version),
      );
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    a = await openPostgresStores({ url: pg.url('store') });
    b = await openPostgresStores({ url: pg.url('store') });
  });

  it('two writers recording the same outcomes at once store each fault exactly once', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const outcomes = Array.from({ length: 60 }, (_, n) => outcome(n, t0 + n * 1000));
    const writes = await Promise.all(
      outcomes.flatMap((o) => [
        a.history.appendOutcome(o),
        b.history.appendOutcome(o),
        a.history.appendOutcome(o),
      ]),
    );
    assert.equal(writes.filter((w) => w.written).length, 60, 'one write per fault');
    const stored = await b.history.outcomesSince(t0);
    assert.equal(stored.length, 60);
    assert.deepEqual(
      stored.map((o) => o.faultId),
      outcomes.map((o) => o.faultId),
      'oldest first',
    );
    assert.deepEqual(stored[7], outcomes[7], 'the outcome comes back as written');
    assert.equal((await a.history.outcomesSince(t0 + 50_000)).length, 10, 'since filters by end time');
  });

  it('cooldown activities on two workers see the same outcomes; dry runs are left out', async () => {
    const t0 = Date.parse('2026-02-01T00:00:00Z');
    const onA = createStoreHistoryActivities(a.history);
    const onB = createStoreHistoryActivities(b.history);
    assert.deepEqual(await onA.recordOutcome(outcome(100, t0)), { written: true });
    assert.deepEqual(await onB.recordOutcome(outcome(100, t0)), { written: false });
    await onB.recordOutcome(outcome(101, t0 + 1, { dryRun: true }));
    const recent = await onB.recentOutcomes({ sinceMs: t0 });
    assert.deepEqual(recent, [
      { resource: 'svc-1', mode: 'network_latency', endedAt: new Date(t0).toISOString(), breached: true },
    ]);
  });

  it('incidents and predictions round-trip', async () => {
    const at = Date.parse('2026-03-01T00:00:00Z');
    await a.history.appendIncident({ resource: 'svc-1', at, mode: 'cpu_throttle' });
    await a.history.appendIncident({ resource: 'svc-2', at: at + 5 });
    assert.deepEqual(await b.history.incidentsSince(at + 1), [{ resource: 'svc-2', at: at + 5 }]);
    for (let i = 0; i < 3; i++) {
      await a.history.appendPrediction({
        generatedAt: at + i,
        horizonMs: 1,
        model: { kind: 'trend' },
        scenarios: [],
      });
    }
    assert.deepEqual(
      (await b.history.recentPredictions(2)).map((p) => p.generatedAt),
      [at + 1, at + 2],
    );
  });

  it('a model saved by one store is loaded by another; promotion and pruning', async () => {
    const key = { resourceType: 'api', signal: 'latency_p99' };
    assert.equal(await b.models.loadPromoted(key), undefined);
    const saved = await Promise.all(
      [0.5, 0.4, 0.3, 0.2].map((loss, i) => (i % 2 ? a : b).models.save(model('api', 'latency_p99', loss))),
    );
    assert.deepEqual(
      saved.map((s) => s.version).sort(),
      [1, 2, 3, 4],
      'concurrent saves get distinct versions',
    );
    assert.equal((await b.models.loadPromoted(key))?.version, 4, 'never promoted: the newest');
    await a.models.promote(key, 2);
    const loaded = await b.models.loadPromoted(key);
    assert.equal(loaded?.version, 2);
    assert.deepEqual(
      loaded?.net,
      { type: 'LSTMTimeStep', layers: [loaded?.loss] },
      'the whole record comes back',
    );
    await assert.rejects(a.models.promote(key, 9), StoreError);
    assert.equal(await a.models.prune(key, 1), 2, 'v1 and v3 go; v4 is newest, v2 promoted');
    assert.deepEqual(await b.models.versions(key), [2, 4]);
  });

  it('foreshock db migrate creates the tables once and then reports nothing to do', async () => {
    await pg.createDatabase('cli');
    const first = await cli('db', 'migrate', '--url', pg.url('cli'));
    assert.equal(first.code, 0);
    assert.deepEqual(JSON.parse(first.out), { applied: [1], current: 1 });
    const again = await cli('db', 'migrate', '--url', pg.url('cli'));
    assert.deepEqual(JSON.parse(again.out), { applied: [], current: 1 });
    const stores = await openPostgresStores({ url: pg.url('cli') });
    await stores.close();
  });
});
