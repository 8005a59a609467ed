import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseNabCsv } from '../../../src/predict/eval/nab-data';
import { scoreNabFile } from '../../../src/predict/eval/lofo';
import { ANOMALY_RECENT_SHARE, predictSnapshot } from '../../../src/predict/engine';
import { summarizeHistory } from '../../../src/predict/history';
import { DEFAULT_SCORER_SETTINGS } from '../../../src/predict/scorer/settings';
import { configSchema } from '../../../src/config/schema';
import { createPredictActivities } from '../../../src/activities/predict';
import type { TelemetrySnapshot } from '../../../src/predict/types';

const fixture = parseNabCsv(
  readFileSync(path.resolve(__dirname, '../../fixtures/scorer/series.csv'), 'utf8'),
  'series.csv',
);
const STEP = 900_000;

const config = configSchema.parse({
  prometheus: { url: 'http://127.0.0.1:9' },
  resources: [{ name: 'db', type: 'database', proxy: { listen: '127.0.0.1:1', upstream: '127.0.0.1:2' } }],
  failure_injection_profile: { injection_frequency: '1h' },
  resource_failure_modes: [{ resource_type: 'database', failure_modes: ['network_latency'] }],
});

/** The fixture cut at `rows` rows, as the window a live collect would return. */
function snapshotOf(rows: number): TelemetrySnapshot {
  const startMs = fixture.timestamps[0]!;
  return {
    collectedAt: startMs + rows * STEP,
    stepMs: STEP,
    signals: [
      {
        resource: 'db',
        resourceType: 'database',
        signal: 'load',
        startMs,
        stepMs: STEP,
        values: fixture.values.slice(0, rows),
        stale: false,
      },
    ],
    firingAlerts: [],
    redGuards: [],
  } as TelemetrySnapshot;
}

/** What `foreshock eval nab` scores for the same rows: the highest score among the newest ones. */
function evalPathAnomaly(rows: number): number {
  const file = {
    key: 'fixture/series.csv',
    timestamps: fixture.timestamps.slice(0, rows),
    values: fixture.values.slice(0, rows),
    windows: [],
    labels: [],
  };
  const scores = scoreNabFile(file, DEFAULT_SCORER_SETTINGS);
  const recent = Math.max(1, Math.ceil(rows * ANOMALY_RECENT_SHARE));
  return Math.max(0, ...scores.slice(rows - recent));
}

describe('one scorer, two callers', () => {
  it('predictFailures scores a signal with exactly the scores eval nab computes for the same rows', () => {
    const history = summarizeHistory([], [], Date.now());
    let alarms = 0;
    for (const rows of [200, 400, 600, fixture.values.length]) {
      const snapshot = snapshotOf(rows);
      const { signals } = predictSnapshot({
        snapshot,
        config,
        models: new Map(),
        history,
        horizonMs: 3_600_000,
        now: snapshot.collectedAt,
      });
      const expected = evalPathAnomaly(rows);
      assert.equal(signals[0]?.anomaly, expected, `${rows} rows`);
      assert.equal(signals[0]?.anomalous, expected >= DEFAULT_SCORER_SETTINGS.threshold);
      if (signals[0]?.anomalous) alarms++;
    }
    assert.ok(alarms < 4, 'the scorer does not alarm on every cut');
  });

  it('an alarming signal is named in the scenario and raises its rank, never its probability', async () => {
    // find a cut where the scorer alarms on the fixture, through the activity itself
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-scorer-live-'));
    try {
      const predict = createPredictActivities({
        modelsDir: path.join(dir, 'models'),
        historyFiles: { incidents: path.join(dir, 'i.jsonl'), outcomes: path.join(dir, 'o.jsonl') },
        horizonMs: 3_600_000,
      });
      let seen = false;
      for (let rows = 150; rows <= fixture.values.length && !seen; rows += 10) {
        if (evalPathAnomaly(rows) < DEFAULT_SCORER_SETTINGS.threshold) continue;
        const result = await predict.predictFailures({ snapshot: snapshotOf(rows), config });
        const s = result.scenarios[0]!;
        assert.match(s.why.text, /anomalous now \(load /, `${rows} rows`);
        assert.ok(s.probability <= 1 && s.rankScore! >= 0);
        seen = true;
      }
      assert.ok(seen, 'the fixture holds at least one anomaly the scorer alarms on');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
