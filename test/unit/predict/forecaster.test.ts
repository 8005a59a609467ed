import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fitHoltWinters, forecastHoltWinters, seasonSteps } from '../../../src/predict/holt-winters';
import { forecastSeries, validationPoints } from '../../../src/predict/series-forecast';
import { compileForecaster, trainNet, type CompiledForecaster } from '../../../src/predict/forecaster';

const MIN = 60_000;
const DAY = 86_400_000;

function noise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

describe('Holt-Winters', () => {
  it('season length comes from time: a week, else a day, else none', () => {
    assert.equal(seasonSteps(15 * MIN, 2 * 7 * 96), 7 * 96, 'two weeks of 15-minute points');
    assert.equal(seasonSteps(15 * MIN, 3 * 96), 96, 'three days: a daily season');
    assert.equal(seasonSteps(2000, 600), 0, '20 minutes of 2 s points: no season');
  });

  it("Holt's linear method continues a trend, damped", () => {
    const r = noise(3);
    const values = Array.from({ length: 80 }, (_, i) => 2 + 0.1 * i + 0.05 * r());
    const m = fitHoltWinters(values);
    assert.equal(m.period, 0);
    const f = forecastHoltWinters(m, 20);
    const last = 2 + 0.1 * 79;
    assert.ok(
      f[19]! > last + 1 && f[19]! < 2 + 0.1 * 99 + 0.2,
      `${f[19]}: above ${last + 1}, at most the straight line`,
    );
    assert.ok(
      f.every((v, k) => k === 0 || v > f[k - 1]!),
      'still rising',
    );
  });

  it('a daily season is forecast a day ahead, where a straight line cannot', () => {
    const perDay = 48;
    const r = noise(11);
    const values = Array.from(
      { length: 4 * perDay },
      (_, i) => 10 + 3 * Math.sin((2 * Math.PI * i) / perDay) + 0.2 * r(),
    );
    const period = seasonSteps(DAY / perDay, values.length);
    assert.equal(period, perDay);
    const f = forecastHoltWinters(fitHoltWinters(values, period), perDay);
    const truth = Array.from(
      { length: perDay },
      (_, k) => 10 + 3 * Math.sin((2 * Math.PI * (values.length + k)) / perDay),
    );
    const mae = f.reduce((s, v, k) => s + Math.abs(v - truth[k]!), 0) / perDay;
    assert.ok(mae < 0.5, `seasonal MAE ${mae}`);
  });

  it('rejects a series too short to fit', () => {
    assert.throws(() => fitHoltWinters([1, 2]), /at least 3 points/);
  });
});

describe('per-series contest', () => {
  const flatNet = (value: number): CompiledForecaster => ({
    kind: 'gru',
    next: () => value,
    forecast: (_s, n) => Array.from({ length: n }, () => value),
  });

  it('keeps Holt-Winters when the net forecasts worse on the held-out points, and says so', () => {
    const values = Array.from({ length: 60 }, (_, i) => i / 10);
    const out = forecastSeries(values, 10, 1000, { forecaster: flatNet(0), inputSteps: 8, residualStd: 0.1 });
    assert.equal(out.kind, 'holt-winters');
    assert.equal(out.validation.points, validationPoints(60, 10));
    assert.ok(out.validation.mae['holt-winters']! < out.validation.mae.gru!);
    assert.ok(
      out.validation.mae['holt-winters']! < out.validation.naiveMae,
      'beats the last value on a trend',
    );
    assert.ok(out.forecast[9]! > 6.3 && out.forecast[9]! < 7, `${out.forecast[9]}`);
  });

  it('keeps the net when it wins on the held-out points', () => {
    const values = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const alternating: CompiledForecaster = {
      kind: 'lstm',
      next: (s) => -(s[s.length - 1] ?? 0),
      forecast: (s, n) => {
        const out: number[] = [];
        let last = s[s.length - 1] ?? 0;
        for (let k = 0; k < n; k++) out.push((last = -last));
        return out;
      },
    };
    const out = forecastSeries(values, 10, 1000, {
      forecaster: alternating,
      inputSteps: 4,
      residualStd: 0.01,
    });
    assert.equal(out.kind, 'lstm');
    assert.equal(out.validation.mae.lstm, 0);
  });

  it('a real trained net takes part (its kind is reported either way)', () => {
    const seqs = Array.from({ length: 6 }, (_, k) =>
      Array.from({ length: 13 }, (_, i) => Math.sin((i + k) / 3)),
    );
    const forecaster = compileForecaster(trainNet({ kind: 'lstm', sequences: seqs, iterations: 5 }).net);
    const values = Array.from({ length: 40 }, (_, i) => Math.sin(i / 3));
    const out = forecastSeries(values, 8, 1000, { forecaster, inputSteps: 12, residualStd: 0.1 });
    assert.ok(out.kind === 'lstm' || out.kind === 'holt-winters');
    assert.ok(Number.isFinite(out.validation.mae.lstm!));
    assert.equal(out.forecast.length, 8);
  });
});
