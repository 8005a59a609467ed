import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brainRun, compileForecaster, trainNet } from '../../../src/predict/forecaster';
import { robustScale, fillGaps, downsample } from '../../../src/predict/features';
import {
  calibrate,
  combineIndependent,
  crossingProbability,
  fitCalibration,
  brier,
  poissonChance,
} from '../../../src/predict/probability';
import { buildScenarios, scaleParams, severityOf, type ScenarioConfig } from '../../../src/predict/scenarios';
import { parseIncidents, parseOutcomes, summarizeHistory } from '../../../src/predict/history';
import { loadLatestModel, modelVersions, saveModel } from '../../../src/predict/model-store';
import { trainSignalModel } from '../../../src/predict/training';
import { configSchema } from '../../../src/config/schema';
import { assessSignals, forecastBand, loadModel, type LoadedModel } from '../../../src/predict/engine';
import type { SignalForecast } from '../../../src/predict/types';

function sine(n: number, phase = 0): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin((i + phase) / 4));
}

describe('forecaster', () => {
  for (const kind of ['lstm', 'gru'] as const) {
    it(`compiled ${kind} forward pass equals brain.js run`, () => {
      const trained = trainNet({ kind, sequences: [sine(20), sine(20, 3), sine(20, 7)], iterations: 5 });
      const compiled = compileForecaster(trained.net);
      for (const phase of [0, 5, 11]) {
        const seq = sine(15, phase);
        assert.ok(Math.abs(compiled.next(seq) - brainRun(trained.net, seq)) < 1e-5);
      }
      assert.equal(compiled.forecast(sine(10), 4).length, 4);
    });
  }
});

describe('features', () => {
  it('robust scale ignores outliers and never collapses', () => {
    const s = robustScale([1, 2, 3, 4, 1000]);
    assert.equal(s.center, 3);
    assert.equal(s.scale, 2);
    assert.ok(robustScale([5, 5, 5]).scale > 0);
  });
  it('fills gaps forward and downsamples', () => {
    assert.deepEqual(fillGaps([NaN, 1, NaN, 3])?.values, [1, 1, 1, 3]);
    assert.equal(fillGaps([NaN, NaN]), undefined);
    assert.equal(
      downsample(
        Array.from({ length: 1000 }, () => 1),
        100,
      ).values.length,
      100,
    );
  });
});

describe('probability', () => {
  it('crossing probability grows as the forecast nears the threshold', () => {
    const far = crossingProbability([0, 0, 0], 1, 5);
    const near = crossingProbability([3, 4, 4.5], 1, 5);
    assert.ok(far < 0.01 && near > 0.3 && near < 1, `${far} ${near}`);
  });
  it('isotonic calibration maps raw scores to observed frequencies', () => {
    const pairs = Array.from({ length: 400 }, (_, i) => {
      const p = (i % 100) / 100;
      // Truth: the event happens with probability p/2 (raw scores are overconfident by 2x).
      return { p, outcome: (i * 7919) % 100 < p * 50 };
    });
    const cal = fitCalibration(pairs);
    const after = pairs.map(({ p, outcome }) => ({ p: calibrate(p, cal), outcome }));
    assert.ok(brier(after) < brier(pairs), 'calibration lowers the Brier score');
    assert.ok(Math.abs(calibrate(0.8, cal) - 0.4) < 0.15, `calibrated 0.8 → ${calibrate(0.8, cal)}`);
  });
});

const config: ScenarioConfig = configSchema.parse({
  prometheus: { url: 'http://127.0.0.1:9' },
  resources: [
    {
      name: 'db',
      type: 'database',
      impact: 8,
      proxy: { listen: '127.0.0.1:1', upstream: '127.0.0.1:2' },
      thresholds: { latency_p99: 0.3 },
    },
    { name: 'web', type: 'web', impact: 1, proxy: { listen: '127.0.0.1:3', upstream: '127.0.0.1:4' } },
  ],
  failure_injection_profile: { injection_frequency: '1h' },
  resource_failure_modes: [
    {
      resource_type: 'database',
      failure_modes: ['network_latency', 'blackhole'],
      injection_parameters: { network_latency: { latency: '200ms', duration: '1m' } },
    },
    { resource_type: 'web', failure_modes: ['network_latency'] },
  ],
});

describe('scenarios', () => {
  it('ranks by impact-weighted evidence, keeps probability a probability, explains why', () => {
    const history = summarizeHistory(
      parseIncidents('{"resource":"db","at":"2026-11-20T00:00:00Z"}\nnot json\n', 'i').items,
      parseOutcomes(
        '{"resource":"db","resourceType":"database","mode":"network_latency","startedAt":1,"endedAt":2,"breached":true,"breaches":2,"rollbackPath":"immediate","dryRun":false}',
      ).items,
      Date.parse('2026-11-26T00:00:00Z'),
    );
    const scenarios = buildScenarios({
      config,
      signals: [
        { resource: 'db', signal: 'latency_p99', probability: 0.7, text: 'latency_p99 0.2 → 0.35' },
        { resource: 'web', signal: 'latency_p99', probability: 0.7, text: 'latency_p99 0.1 → 0.2' },
      ],
      history,
      firingAlerts: [],
      redGuards: [],
      horizonMs: 600_000,
    });
    assert.equal(scenarios.length, 3);
    assert.equal(scenarios[0]?.id, 'db:network_latency');
    const pIncident = poissonChance(1, 30 * 86_400_000, 600_000);
    // the probability is the signal's chance and the incident rate, nothing else: not the
    // breach record, not the mode's fit to the signal
    for (const s of scenarios.filter((x) => x.resource === 'db'))
      assert.ok(
        Math.abs(s.probability - combineIndependent([0.7, pIncident])) < 1e-12,
        `${s.id} ${s.probability}`,
      );
    const [weak, blackhole] = [scenarios[0], scenarios.find((x) => x.id === 'db:blackhole')!];
    assert.ok(weak.rankScore! > blackhole.rankScore!, 'a known weak spot and a fitting signal rank higher');
    assert.equal(weak.score, weak.rankScore);
    assert.equal(scenarios[0]?.severity, 'high');
    assert.equal(scenarios[0]?.params.latency, 300, 'high severity scales 200ms by 1.5');
    assert.match(scenarios[0]?.why.text ?? '', /breached a guard 1 of 1/);
    for (let i = 1; i < scenarios.length; i++)
      assert.ok((scenarios[i - 1]?.score ?? 0) >= (scenarios[i]?.score ?? 0));
    assert.equal(severityOf(0.1), 'low');
    assert.equal(scaleParams('cpu_throttle', { percent: 2, duration: 1000 }, 'high').percent, 1);
  });
});

/** Finite, ordered, one point per step from startMs: what the report draws as the band. */
function assertDrawableForecast(f: SignalForecast | undefined): asserts f is SignalForecast {
  assert.ok(f, 'a forecast');
  assert.ok(f.mid.length > 0 && f.mid.length <= 30, `${f.mid.length} points`);
  assert.equal(f.lower.length, f.mid.length);
  assert.equal(f.upper.length, f.mid.length);
  assert.ok(Number.isFinite(f.startMs) && f.stepMs > 0);
  f.mid.forEach((mid, k) => {
    const lower = f.lower[k]!;
    const upper = f.upper[k]!;
    assert.ok([lower, mid, upper].every(Number.isFinite), `point ${k}: ${lower} ${mid} ${upper}`);
    assert.ok(lower <= mid && mid <= upper, `point ${k}: ${lower} ≤ ${mid} ≤ ${upper}`);
  });
}

describe('forecasts in the assessment', () => {
  const T0 = Date.parse('2026-11-26T00:00:00Z');
  // 60 points at 10 s rising from 0.10 to ~0.25 with a little wobble; the horizon is 10 min
  const values = Array.from({ length: 60 }, (_, i) => 0.1 + 0.0025 * i + (i % 3 === 0 ? 0.004 : -0.002));
  const snapshot = {
    collectedAt: T0 + 600_000,
    stepMs: 10_000,
    signals: [
      {
        resource: 'db',
        resourceType: 'database',
        signal: 'latency_p99',
        startMs: T0,
        stepMs: 10_000,
        values: [...values.slice(0, 20), NaN, ...values.slice(21)],
        stale: false,
      },
      {
        resource: 'web',
        resourceType: 'web',
        signal: 'latency_p99',
        startMs: T0,
        stepMs: 10_000,
        values: [NaN, NaN],
        stale: true,
        error: 'no data',
      },
    ],
    redGuards: [],
    firingAlerts: [],
  };

  it('without a trained net, Holt-Winters carries its mean path and band over the horizon', () => {
    const [db, web] = assessSignals({ snapshot, config, models: new Map(), horizonMs: 600_000 });
    assertDrawableForecast(db?.forecast);
    assert.equal(db.forecast.model, 'holt-winters');
    assert.equal(db.model, 'holt-winters');
    assert.equal(db.calibrated, false, 'no calibration stored: the raw chance, marked uncalibrated');
    assert.match(db.text, /uncalibrated/);
    assert.equal(db.forecast.resource, 'db');
    assert.equal(db.forecast.signal, 'latency_p99');
    assert.equal(db.forecast.mid.length, 30, '60 steps thinned to 30');
    assert.equal(db.forecast.stepMs, 20_000);
    const lastSample = T0 + 59 * 10_000;
    assert.equal(db.forecast.startMs, lastSample + 20_000);
    assert.equal(db.forecast.startMs + 29 * db.forecast.stepMs, lastSample + 600_000, 'ends at the horizon');
    // the rise continues and the band widens further out
    // (damped: a trend seen over 10 min runs on for about 5 more, not the whole horizon)
    assert.ok(db.forecast.mid.at(-1)! > 0.27 && db.forecast.mid.at(-1)! < 0.4, `${db.forecast.mid.at(-1)}`);
    const width = (k: number) => db.forecast!.upper[k]! - db.forecast!.lower[k]!;
    assert.ok(width(29) > width(0) && width(0) > 0);
    assert.equal(web?.forecast, undefined, 'no forecast without data');
  });

  it('a trained net competes with Holt-Winters and the winner labels the forecast', () => {
    const record = trainSignalModel({
      resourceType: 'database',
      signal: 'latency_p99',
      series: [sine(120), sine(120, 2)],
      stepMs: 10_000,
      fromMs: 0,
      toMs: 1,
      iterations: 5,
      maxSequences: 20,
    });
    const models = new Map<string, LoadedModel>([
      ['database/latency_p99', loadModel({ ...record, version: 1 })],
    ]);
    const [db] = assessSignals({ snapshot, config, models, horizonMs: 600_000 });
    assertDrawableForecast(db?.forecast);
    assert.ok(db.forecast.model === record.kind || db.forecast.model === 'holt-winters');
    assert.equal(db.forecast.model, db.model);
    assert.deepEqual([db.forecast.mid.length, db.forecast.stepMs], [30, 20_000]);
  });

  it('a NaN forecast claims no probability (never a small number in disguise)', () => {
    const record = trainSignalModel({
      resourceType: 'database',
      signal: 'latency_p99',
      series: [sine(120)],
      stepMs: 10_000,
      fromMs: 0,
      toMs: 1,
      iterations: 2,
      maxSequences: 10,
    });
    const broken = loadModel({ ...record, version: 1 });
    broken.forecaster = { ...broken.forecaster, forecast: (_s, n) => Array.from({ length: n }, () => NaN) };
    const flat = {
      ...snapshot,
      signals: [{ ...snapshot.signals[0]!, values: Array.from({ length: 6 }, () => 0.1) }],
    };
    const [db] = assessSignals({
      snapshot: flat,
      config,
      models: new Map([['database/latency_p99', broken]]),
      horizonMs: 600_000,
    });
    // six points: too few for the contest, the net forecasts and its forecast is NaN
    assert.equal(db?.claimed, false);
    assert.equal(db?.probability, 0);
    assert.ok(Number.isNaN(db?.rawProbability));
    assert.match(db?.text ?? '', /no probability claimed/);
    assert.ok(Number.isNaN(calibrate(NaN, fitCalibration([{ p: 0.5, outcome: true }]))));
  });

  it('a non-finite forecast gives no band', () => {
    const scale = { center: 0, scale: 1 };
    assert.equal(
      forecastBand({ forecast: [1, NaN], residualStd: 0.1, scale, lastSampleMs: 0, stepMs: 1 }),
      undefined,
    );
    assert.deepEqual(
      forecastBand({
        forecast: [1, 2],
        residualStd: 0.5,
        scale: { center: 10, scale: 2 },
        lastSampleMs: 0,
        stepMs: 5,
      }),
      { startMs: 5, stepMs: 5, mid: [12, 14], lower: [10, 11.17], upper: [14, 16.83] },
    );
  });
});

describe('training and model store', () => {
  it('trains LSTM and GRU, keeps the better, stores versions', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-models-'));
    try {
      const record = trainSignalModel({
        resourceType: 'database',
        signal: 'latency_p99',
        series: [sine(120), sine(120, 2)],
        stepMs: 15_000,
        fromMs: 0,
        toMs: 1,
        iterations: 5,
        maxSequences: 20,
      });
      const maes = record.evaluation.candidates.map((c) => c.mae);
      assert.equal(record.evaluation.mae, Math.min(...maes));
      assert.equal(record.promoted, record.evaluation.mae < record.evaluation.naiveMae, 'the promotion gate');
      assert.equal(saveModel(dir, record, 2).version, 1);
      assert.equal(saveModel(dir, record, 2).version, 2);
      const third = saveModel(dir, record, 2);
      assert.deepEqual([third.version, third.pruned], [3, [1]], 'only the newest two are kept');
      assert.deepEqual(modelVersions(dir, 'database', 'latency_p99'), [2, 3]);
      assert.equal(loadLatestModel(dir, 'database', 'latency_p99')?.version, 3);
      assert.equal(loadLatestModel(dir, 'database', 'cpu'), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('training off the main thread', () => {
  it('trainInWorker returns a model while the event loop stays free', async () => {
    const { trainInWorker } = await import('../../../src/predict/train-worker');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const record = await trainInWorker({
        resourceType: 'a',
        signal: 'b',
        series: [sine(120)],
        stepMs: 1000,
        fromMs: 0,
        toMs: 1,
        iterations: 5,
        maxSequences: 20,
      });
      assert.ok(record.kind === 'lstm' || record.kind === 'gru');
      assert.ok(ticks > 0, 'timers ran during training');
    } finally {
      clearInterval(timer);
    }
  });
});
