import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runBacktest } from '../../../src/predict/backtest';
import { predictSnapshot } from '../../../src/predict/engine';
import { summarizeHistory } from '../../../src/predict/history';
import { databaseConfig } from '../../support/config';
import type { SignalWindow } from '../../../src/predict/types';

const config = databaseConfig({ impact: 8, telemetry: { latency: 'x' }, thresholds: { latency: 1 } });

// a sawtooth at 10 s steps: 20 minutes rising from 0.2 past the 1.0 threshold, then reset
const STEP = 10_000;
const values = Array.from({ length: 720 }, (_, i) => 0.2 + 0.01 * (i % 120) + 0.005 * Math.sin(i));
const window: SignalWindow = {
  resource: 'db',
  resourceType: 'database',
  signal: 'latency',
  startMs: 0,
  stepMs: STEP,
  values,
  stale: false,
};
const history = summarizeHistory([], [], 0);

/** Ten-minute lookback, five-minute horizon, an origin a minute, Holt-Winters only. */
const replay = () =>
  runBacktest({
    config,
    windows: [window],
    lookbackMs: 10 * 60_000,
    horizonMs: 5 * 60_000,
    everyMs: 60_000,
    models: new Map(),
    history,
  });

describe('backtest', () => {
  it('forecasts the crossings ahead, counts lead, false alarms and precision', () => {
    const result = replay();
    const [db] = result.signals;
    assert.ok(db);
    assert.deepEqual(Object.keys(db.models), ['holt-winters']);
    // crossings at i = 80 + 120k (0.2 + 0.01·80 = 1.0), after the first lookback of 60 points
    assert.equal(db.failures, 6);
    assert.ok(db.failuresForecast >= 5, `${db.failuresForecast} of ${db.failures} forecast`);
    assert.ok((db.medianLeadMs ?? 0) >= 60_000, `lead ${db.medianLeadMs}`);
    assert.ok(db.alarms > 0 && db.falseAlarms <= db.alarms);
    assert.equal(db.precision, (db.alarms - db.falseAlarms) / db.alarms);
    assert.ok(result.outOfFold.samples > 0);
    assert.equal(db.chart.values.length, values.length);
    assert.equal(db.chart.forecast.mid.length, db.origins);
  });

  it('each origin is exactly what predictSnapshot (predictFailures) says on that window', () => {
    const result = replay();
    const end = 60 + 5 * 6; // the sixth origin
    const live = predictSnapshot({
      snapshot: {
        collectedAt: (end - 1) * STEP,
        stepMs: STEP,
        signals: [{ ...window, startMs: (end - 60) * STEP, values: values.slice(end - 60, end) }],
        redGuards: [],
        firingAlerts: [],
      },
      config,
      models: new Map(),
      history,
      horizonMs: 5 * 60_000,
      now: (end - 1) * STEP,
    });
    const f = live.forecasts?.[0];
    assert.ok(f);
    const band = result.signals[0]!.chart.forecast;
    const k = band.timestamps.indexOf(f.startMs + (f.mid.length - 1) * f.stepMs);
    assert.ok(k >= 0, 'the replay has this origin');
    assert.equal(band.mid[k], f.mid.at(-1));
  });
});
