// The PostgreSQL store against a real private PostgreSQL cluster: migrations with a version
// table (idempotent, safe when two processes migrate at once), outcomes unique by fault id
// under concurrent writers on separate connection pools, models saved by one store instance
// loaded by another, promotion and pruning, and a calibration saved by one store that another
// store's worker predicts with.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
import { configSchema } from '../../../src/config/schema';
import { createPredictActivities } from '../../../src/activities/predict';
import { backtestRange } from '../../../src/activities/backtest';
import type { TelemetrySnapshot } from '../../../src/predict/types';
import { calibration, model, outcome } from './fixtures';

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

/** One database resource with a latency_p99 signal (threshold 0.3); `over` replaces top-level fields. */
function dbConfig(over: Record<string, unknown> = {}) {
  return configSchema.parse({
    prometheus: { url: 'http://127.0.0.1:9' },
    resources: [
      {
        name: 'db',
        type: 'database',
        proxy: { listen: '127.0.0.1:1', upstream: '127.0.0.1:2' },
        telemetry: { latency_p99: 'latency_p99{resource="db"}' },
        thresholds: { latency_p99: 0.3 },
      },
    ],
    failure_injection_profile: { injection_frequency: '1h' },
    resource_failure_modes: [{ resource_type: 'database', failure_modes: ['network_latency'] }],
    ...over,
  });
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

  it('a calibration saved by one store is what another store and its worker predict with', async () => {
    const key = { resourceType: 'database', signal: 'latency_p99' };
    assert.equal(await b.models.loadCalibration(key), undefined);
    assert.deepEqual(await a.models.saveCalibration(key, calibration(0.2)), {
      ref: 'postgres:database/latency_p99/calibration/v1',
    });
    assert.deepEqual(await b.models.loadCalibration(key), calibration(0.2));
    const again = await Promise.all([
      b.models.saveCalibration(key, calibration(0.9)),
      a.models.saveCalibration({ ...key, signal: 'cpu' }, calibration(0.1)),
    ]);
    assert.equal(again[0].ref, 'postgres:database/latency_p99/calibration/v2', 'replaced, counted up');
    assert.deepEqual(await a.models.loadCalibration(key), calibration(0.9));
    assert.deepEqual(await a.models.loadCalibration({ ...key, signal: 'cpu' }), calibration(0.1));

    // worker B: an empty models folder of its own, the shared store for everything else
    const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-pg-predict-'));
    try {
      const config = dbConfig();
      const t0 = Date.parse('2026-04-01T00:00:00Z');
      const snapshot: TelemetrySnapshot = {
        collectedAt: t0 + 600_000,
        stepMs: 10_000,
        signals: [
          {
            resource: 'db',
            resourceType: 'database',
            signal: 'latency_p99',
            startMs: t0,
            stepMs: 10_000,
            values: Array.from({ length: 60 }, (_, i) => 0.1 + 0.0025 * i + (i % 3 ? -0.002 : 0.004)),
            stale: false,
          },
        ],
        redGuards: [],
        firingAlerts: [],
      };
      const deps = { modelsDir, historyFiles: { incidents: '/nonexistent', outcomes: '/nonexistent' } };
      const onB = createPredictActivities({ ...deps, stores: b, now: () => snapshot.collectedAt });
      const shared = await onB.predictFailures({ snapshot, config });
      assert.equal(shared.forecasts?.[0]?.calibrated, true, 'the shared calibration is applied');
      assert.equal(shared.scenarios[0]?.probability, 0.9, 'through the stored map (flat at 0.9)');
      const alone = await createPredictActivities(deps).predictFailures({ snapshot, config });
      assert.equal(alone.forecasts?.[0]?.calibrated, false, 'the same worker without the store has none');
      assert.deepEqual(readdirSync(modelsDir), [], 'nothing read from or written to the local folder');
    } finally {
      rmSync(modelsDir, { recursive: true, force: true });
    }
  });

  it('a backtest with the shared stores replays with their calibration, not the local folder', async () => {
    // the previous test left database/latency_p99 calibrated flat at 0.9 in the store
    const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-pg-backtest-'));
    try {
      const config = dbConfig({
        prometheus: { url: 'http://127.0.0.1:9', step: '10s', lookback: '5m' },
        models: { dir: modelsDir },
        history: { incidents: '/nonexistent/incidents.jsonl', outcomes: '/nonexistent/outcomes.jsonl' },
      });
      const t0 = Date.parse('2026-04-01T00:00:00Z');
      const prometheus = {
        rangeQuery: async (_q: string, start: number, end: number, step: number) => {
          const timestamps: number[] = [];
          for (let t = start; t <= end; t += step) timestamps.push(t);
          return [
            { labels: {}, timestamps, values: timestamps.map((t) => 0.1 + ((t - t0) / 3_600_000) * 0.4) },
          ];
        },
      };
      const range = { fromMs: t0, toMs: t0 + 3_600_000, stepMs: 10_000, horizonMs: 300_000, everyMs: 60_000 };
      const shared = await backtestRange(config, prometheus, { ...range, stores: b });
      const local = await backtestRange(config, prometheus, range);
      assert.ok(shared.result.live.samples > 10, 'forecasts were replayed');
      assert.equal(shared.result.live.samples, local.result.live.samples);
      const p = shared.result.live.positives / shared.result.live.samples;
      const flat = p * 0.1 ** 2 + (1 - p) * 0.9 ** 2;
      assert.ok(Math.abs(shared.result.live.brier - flat) < 1e-9, 'every live probability is the stored 0.9');
      assert.notEqual(
        local.result.live.brier,
        shared.result.live.brier,
        'the local folder has no calibration',
      );
      assert.deepEqual(readdirSync(modelsDir), [], 'the local folder was not touched');
    } finally {
      rmSync(modelsDir, { recursive: true, force: true });
    }
  });

  it('a database at migration 1 is refused until migrated, then upgraded to the calibrations table', async () => {
    await pg.createDatabase('upgrade');
    const pool = new Pool({ connectionString: pg.url('upgrade') });
    try {
      assert.deepEqual(await migrate(pool, MIGRATIONS.slice(0, 1)), [1]);
      await assert.rejects(openPostgresStores({ url: pg.url('upgrade') }), /lacks migration\(s\) 2\b/);
      assert.deepEqual(await migrate(pool), [2]);
    } finally {
      await pool.end();
    }
    const stores = await openPostgresStores({ url: pg.url('upgrade') });
    try {
      const key = { resourceType: 'api', signal: 'cpu' };
      await stores.models.saveCalibration(key, calibration(0.5));
      assert.deepEqual(await stores.models.loadCalibration(key), calibration(0.5));
    } finally {
      await stores.close();
    }
  });

  it('foreshock db migrate creates the tables once and then reports nothing to do', async () => {
    await pg.createDatabase('cli');
    const latest = MIGRATIONS.at(-1)!.version;
    const first = await cli('db', 'migrate', '--url', pg.url('cli'));
    assert.equal(first.code, 0);
    assert.deepEqual(JSON.parse(first.out), { applied: MIGRATIONS.map((m) => m.version), current: latest });
    const again = await cli('db', 'migrate', '--url', pg.url('cli'));
    assert.deepEqual(JSON.parse(again.out), { applied: [], current: latest });
    const stores = await openPostgresStores({ url: pg.url('cli') });
    await stores.close();
  });
});
