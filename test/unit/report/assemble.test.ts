import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildCycles,
  isOutcomeRecord,
  outcomesInWindow,
  probabilitySeries,
  storedForecastBand,
} from '../../../src/report/assemble';
import { linearTrendBand } from '../../../src/report/band';
import { appendJsonl, readJsonl } from '../../../src/report/jsonl';
import { collectReportData, stepFor } from '../../../src/report/collect';
import { outcome, prediction, scenario } from './fixtures';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('report assembly', () => {
  it('assigns each injection to the newest cycle that started before it', () => {
    const predictions = [prediction(T0, [scenario()]), prediction(T0 + 60_000, [])];
    const outcomes = [
      outcome(T0 - 5000, T0 - 1000),
      outcome(T0 + 10_000, T0 + 20_000),
      outcome(T0 + 61_000, T0 + 70_000),
    ];
    const cycles = buildCycles(predictions, outcomes);
    assert.equal(cycles.length, 3);
    assert.equal(cycles[0]!.model, 'unknown', 'an injection older than every prediction gets its own entry');
    assert.equal(cycles[1]!.injections.length, 1);
    assert.equal(cycles[1]!.topScenario, 'orders-db:network_latency');
    assert.equal(cycles[2]!.injections[0]!.startMs, T0 + 61_000);
    assert.equal(cycles[2]!.topScenario, undefined);
  });

  it('takes the highest probability per resource and 0 where no scenario names it', () => {
    const p = [
      prediction(T0, [scenario({ probability: 0.2 }), scenario({ probability: 0.7, mode: 'cpu_throttle' })]),
      prediction(T0 + 1000, [scenario({ resource: 'web', probability: 0.9 })]),
    ];
    assert.deepEqual(probabilitySeries(p, 'orders-db'), { timestamps: [T0, T0 + 1000], values: [0.7, 0] });
  });

  it('keeps outcomes that overlap the window, oldest first', () => {
    const inside = outcome(T0 + 5000, T0 + 6000);
    const overlapping = outcome(T0 - 5000, T0 + 1000);
    const before = outcome(T0 - 9000, T0 - 8000);
    assert.deepEqual(outcomesInWindow([inside, before, overlapping], T0, T0 + 10_000), [overlapping, inside]);
  });

  it('prefers a forecast stored with the prediction', () => {
    const p = {
      ...prediction(T0, []),
      forecasts: [
        {
          resource: 'orders-db',
          signal: 'lat',
          startMs: T0,
          stepMs: 1000,
          mid: [1, 2],
          lower: [0, 1],
          upper: [2, 3],
          model: 'lstm' as const,
        },
      ],
    };
    assert.deepEqual(storedForecastBand([p], 'orders-db', 'lat'), {
      timestamps: [T0, T0 + 1000],
      mid: [1, 2],
      lower: [0, 1],
      upper: [2, 3],
      source: 'model',
    });
    assert.equal(storedForecastBand([p], 'orders-db', 'cpu'), undefined);
  });

  it('the trend band follows a rising line and widens with distance', () => {
    const ts = Array.from({ length: 30 }, (_, i) => T0 + i * 1000);
    const values = ts.map((_, i) => 10 + 2 * i + (i % 2 === 0 ? 0.5 : -0.5));
    const band = linearTrendBand(ts, values, 10_000, 10)!;
    assert.equal(band.source, 'trend');
    assert.ok(Math.abs(band.mid[0]! - (10 + 2 * 29)) < 1.5, `starts near the last value: ${band.mid[0]}`);
    assert.ok(Math.abs(band.mid[10]! - (10 + 2 * 39)) < 1.5, `extends the slope: ${band.mid[10]}`);
    assert.ok(band.upper[10]! - band.lower[10]! > band.upper[0]! - band.lower[0]!);
    assert.equal(linearTrendBand([T0, T0 + 1], [1, Number.NaN], 1000), undefined, 'too few points');
  });

  it('steps keep a window under the point budget and never go below 1 s', () => {
    assert.equal(stepFor(T0, T0 + 60_000, 600), 1000);
    assert.equal(stepFor(T0, T0 + 3_600_000, 600), 6000);
  });
});

describe('JSONL and collection', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-report-unit-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads good lines and names the bad ones by file:line', () => {
    const file = path.join(dir, 'outcomes.jsonl');
    appendJsonl(file, outcome(T0, T0 + 1000));
    writeFileSync(file, '{"torn":\n{"resource":"x"}\n', { flag: 'a' });
    appendJsonl(file, outcome(T0 + 2000, T0 + 3000));
    const read = readJsonl(file, isOutcomeRecord);
    assert.equal(read.records.length, 2);
    assert.equal(read.skipped.length, 2);
    assert.match(read.skipped[0]!, /outcomes\.jsonl:2: /);
    assert.match(read.skipped[1]!, /outcomes\.jsonl:3: not the expected shape/);
    assert.deepEqual(readJsonl(path.join(dir, 'missing.jsonl'), isOutcomeRecord), {
      records: [],
      skipped: [],
    });
  });

  it('collects series, forecast band, probabilities and turns a failed query into a shown error', async () => {
    const outcomesFile = path.join(dir, 'c-outcomes.jsonl');
    const predictionsFile = path.join(dir, 'c-predictions.jsonl');
    appendJsonl(outcomesFile, outcome(T0 + 20_000, T0 + 30_000));
    appendJsonl(predictionsFile, prediction(T0 + 10_000, [scenario()]));
    const asked: string[] = [];
    const ts = Array.from({ length: 10 }, (_, i) => T0 + i * 1000);
    const data = await collectReportData({
      prometheus: {
        rangeQuery: async (query: string) => {
          asked.push(query);
          if (query === 'broken') throw new Error('bad PromQL');
          return [{ labels: {}, timestamps: ts, values: ts.map((_, i) => i) }];
        },
      },
      resources: [
        {
          name: 'orders-db',
          type: 'database',
          telemetry: { lat: 'good', cpu: 'broken' },
          thresholds: { lat: 5 },
        },
      ],
      outcomesFile,
      predictionsFile,
      sinceMs: T0,
      untilMs: T0 + 60_000,
      now: () => T0 + 60_000,
    });
    assert.deepEqual(asked, ['good', 'broken']);
    const [lat, cpu] = data.resources[0]!.signals;
    assert.equal(lat!.values.length, 10);
    assert.equal(lat!.threshold, 5);
    assert.equal(lat!.forecast?.source, 'trend');
    assert.equal(cpu!.error, 'bad PromQL');
    assert.deepEqual(data.resources[0]!.probability.values, [0.62]);
    assert.equal(data.cycles.length, 1);
    assert.equal(data.cycles[0]!.injections.length, 1);
    assert.equal(data.latestPrediction?.generatedAt, T0 + 10_000);
  });
});
