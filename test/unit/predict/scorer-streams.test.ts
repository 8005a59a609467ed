import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EntropyStream } from '../../../src/predict/scorer/entropy';
import { SeasonStream } from '../../../src/predict/scorer/season';
import { ForecastStream, RangeStream, TrailingExtremes } from '../../../src/predict/scorer/streams';

const HOUR = 3_600_000;

/** Deterministic uniform noise in [0, 1). */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('scorer streams', () => {
  it('trailing extremes forget values older than the horizon', () => {
    const e = new TrailingExtremes(3);
    for (const x of [9, 1, 5, 4, 3]) e.push(x);
    assert.equal(e.max, 5);
    assert.equal(e.min, 3);
  });

  it('range: a slow drift stays near 0 in volatility units, a jump of the same size at once does not', () => {
    const rand = noise(3);
    const drift = new RangeStream([100, 0], 50);
    const jump = new RangeStream([100, 0], 50);
    let driftMax = 0;
    for (let i = 0; i < 2000; i++) {
      drift.update(i, i * 0.01 + rand());
      if (!Number.isNaN(drift.stats[0])) driftMax = Math.max(driftMax, drift.stats[0] ?? 0);
      jump.update(i, rand());
    }
    jump.update(2000, 20 + rand());
    assert.ok((jump.stats[0] ?? 0) > 10 * driftMax, `jump ${jump.stats[0]} vs drift ${driftMax}`);
    assert.deepEqual(drift.names, ['range@100', 'range@all']);
  });

  it('forecast: the error is measured in units of the recent error, at each time scale', () => {
    const rand = noise(5);
    const f = new ForecastStream({
      levelHalfLifeRows: 2,
      trendHalfLifeRows: 20,
      errorHalfLifeRows: 50,
      scalesRows: [1, 10],
    });
    for (let i = 0; i < 500; i++) f.update(i, 10 + rand());
    const quiet = [...f.stats];
    f.update(500, 30);
    assert.ok((f.stats[0] ?? 0) > 10 * (quiet[0] ?? 1), `single row ${f.stats[0]} vs ${quiet[0]}`);
    assert.ok((f.stats[1] ?? 0) < (f.stats[0] ?? 0), 'the longer scale averages it down');
  });

  it('season: compares with the value one day earlier by timestamp, across a gap in the data', () => {
    const s = new SeasonStream({ periodsMs: [24 * HOUR], smoothingRows: 1, scaleHalfLifeRows: 24 });
    const daily = (t: number): number => Math.sin((2 * Math.PI * t) / (24 * HOUR));
    let t = 0;
    for (let i = 0; i < 24 * 3; i++, t += HOUR) {
      s.update(t, daily(t));
      if (i < 24) assert.ok(Number.isNaN(s.stats[0]), 'no evidence before a full season');
    }
    t += 5 * HOUR; // five rows missing
    s.update(t, daily(t));
    assert.ok((s.stats[0] ?? 1) < 1e-6, `the same phase one day earlier is found: ${s.stats[0]}`);
    t += HOUR;
    s.update(t, daily(t) + 3);
    assert.ok((s.stats[0] ?? 0) > 1e3, `an off-season value stands out: ${s.stats[0]}`);
  });

  it('season (nearest): a day unlike yesterday but like last week is not a surprise', () => {
    const periodsMs = [24 * HOUR, 168 * HOUR];
    const each = new SeasonStream({ periodsMs, smoothingRows: 1, scaleHalfLifeRows: 24 });
    const nearest = new SeasonStream({ periodsMs, nearest: true, smoothingRows: 1, scaleHalfLifeRows: 24 });
    assert.deepEqual(nearest.names, ['season']);
    const rand = noise(3);
    const weekly = (t: number): number => (Math.floor(t / (24 * HOUR)) % 7 === 5 ? 10 : 0) + rand();
    let t = 0;
    for (; t < 3 * 168 * HOUR; t += HOUR) {
      const v = weekly(t);
      each.update(t, v);
      nearest.update(t, v);
    }
    for (let i = 0; i < 24; i++, t += HOUR) {
      const v = weekly(t);
      each.update(t, v);
      nearest.update(t, v);
    }
    // t is now inside a weekday; move to the weekly special day's first hour.
    while (Math.floor(t / (24 * HOUR)) % 7 !== 5) {
      const v = weekly(t);
      each.update(t, v);
      nearest.update(t, v);
      t += HOUR;
    }
    const v = weekly(t);
    each.update(t, v);
    nearest.update(t, v);
    assert.ok((each.stats[0] ?? 0) > 8, `against yesterday it stands out: ${each.stats[0]}`);
    assert.ok((nearest.stats[0] ?? 9) < 2, `against last week it does not: ${nearest.stats[0]}`);
    assert.equal(nearest.stats[0], Math.min(each.stats[0] ?? NaN, each.stats[1] ?? NaN));
  });

  it('season: a season shorter than 8 steps is never used', () => {
    const s = new SeasonStream({ periodsMs: [4 * HOUR], smoothingRows: 1, scaleHalfLifeRows: 24 });
    for (let i = 0; i < 100; i++) s.update(i * HOUR, i % 4);
    assert.ok(Number.isNaN(s.stats[0]));
  });

  it('entropy: a change of distribution inside the seen range raises the divergence', () => {
    const rand = noise(7);
    const e = new EntropyStream({ windowRows: 52, bins: 5, lookback: 60, clipSd: 4.5 });
    let quietMax = 0;
    for (let i = 0; i < 3000; i++) {
      e.update(i, rand() * 10);
      if (i > 1000 && !Number.isNaN(e.stats[0])) quietMax = Math.max(quietMax, e.stats[0] ?? 0);
    }
    let changeMax = 0;
    for (let i = 0; i < 100; i++) {
      e.update(3000 + i, 8 + rand() * 2);
      if (!Number.isNaN(e.stats[0])) changeMax = Math.max(changeMax, e.stats[0] ?? 0);
    }
    assert.ok(changeMax > 2 * quietMax, `change ${changeMax} vs quiet ${quietMax}`);
  });
});
