import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LevelStream } from '../../../src/predict/scorer/level';
import { SortedWindow } from '../../../src/predict/scorer/sorted-window';
import { scoreSeries } from '../../../src/predict/scorer/failure-scorer';
import {
  DEFAULT_SCORER_SETTINGS,
  ScorerSettingsError,
  withSettings,
} from '../../../src/predict/scorer/settings';

/** Deterministic uniform noise in [0, 1). */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function naiveQuantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = q * (s.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(s.length - 1, lo + 1);
  return (s[lo] as number) + (at - lo) * ((s[hi] as number) - (s[lo] as number));
}

describe('level stream', () => {
  it('a sorted window holds the last `capacity` values and gives their quantiles', () => {
    const rand = noise(11);
    const w = new SortedWindow(7);
    const all: number[] = [];
    for (let i = 0; i < 50; i++) {
      const x = Math.round(rand() * 10);
      const out = w.push(x);
      all.push(x);
      assert.equal(out, i >= 7 ? all[i - 7] : NaN);
      const held = all.slice(-7);
      for (const q of [0, 0.25, 0.5, 0.75, 1]) assert.equal(w.quantile(q), naiveQuantile(held, q));
    }
    assert.equal(w.full, true);
  });

  it('says nothing until the recent and the baseline windows are full', () => {
    const s = new LevelStream({ scalesRows: [5], baselineRows: 20, statistics: ['shift', 'spread'] });
    assert.deepEqual(s.names, ['level@5', 'spread@5']);
    for (let i = 0; i < 24; i++) {
      s.update(i, i % 3);
      assert.ok(Number.isNaN(s.stats[0]) && Number.isNaN(s.stats[1]), `row ${i}`);
    }
    s.update(24, 1);
    assert.ok(Number.isFinite(s.stats[0]) && Number.isFinite(s.stats[1]));
  });

  it('shift: a level change inside the range seen grows in units of the baseline spread; a spike does not', () => {
    const rand = noise(5);
    const shift = new LevelStream({ scalesRows: [10], baselineRows: 100, statistics: ['shift'] });
    const spike = new LevelStream({ scalesRows: [10], baselineRows: 100, statistics: ['shift'] });
    let quietMax = 0;
    for (let i = 0; i < 300; i++) {
      const x = rand() + (i % 50 === 0 ? 3 : 0);
      shift.update(i, x);
      spike.update(i, x);
      if (i >= 110) quietMax = Math.max(quietMax, shift.stats[0] as number);
    }
    spike.update(300, 50);
    for (let i = 301; i < 306; i++) spike.update(i, rand());
    for (let i = 300; i < 310; i++) shift.update(i, 1.5 + 0.1 * rand());
    assert.ok((shift.stats[0] as number) > 2 * quietMax, `shift ${shift.stats[0]} vs quiet ${quietMax}`);
    assert.ok(
      (spike.stats[0] as number) <= quietMax + 0.2,
      `one spike moves the median little: ${spike.stats[0]}`,
    );
  });

  it('spread: a reading that flat-lines makes the spread ratio jump', () => {
    const rand = noise(9);
    const s = new LevelStream({ scalesRows: [10], baselineRows: 100, statistics: ['spread'] });
    let quietMax = 0;
    for (let i = 0; i < 300; i++) {
      s.update(i, 5 + rand());
      if (i >= 110) quietMax = Math.max(quietMax, s.stats[0] as number);
    }
    for (let i = 300; i < 310; i++) s.update(i, 5.4);
    assert.ok((s.stats[0] as number) > 1000 * quietMax, `flat ${s.stats[0]} vs quiet ${quietMax}`);
  });

  it('stuck: counts rows without any change, capped at the baseline length', () => {
    const s = new LevelStream({ scalesRows: [2], baselineRows: 4, statistics: ['stuck'] });
    assert.deepEqual(s.names, ['stuck']);
    const seen = [1, 2, 2, 2, 3, 0, 0, 0, 0, 0, 0, 0].map((x, i) => {
      s.update(i, x);
      return s.stats[0];
    });
    assert.deepEqual(seen, [0, 0, 1, 2, 0, 0, 1, 2, 3, 4, 4, 4]);
  });

  it('is off in the committed settings, and when on the scorer runs it and stays deterministic', () => {
    assert.equal(DEFAULT_SCORER_SETTINGS.streams.level, false);
    const settings = withSettings({ streams: { ...DEFAULT_SCORER_SETTINGS.streams, level: true } });
    const rand = noise(3);
    const points = Array.from({ length: 3000 }, (_, i) => ({
      timestamp: i * 300_000,
      value: (i >= 2500 ? 0 : 10) + rand(),
    }));
    const a = scoreSeries(points, settings);
    assert.deepEqual(a, scoreSeries(points, settings));
    const off = scoreSeries(points, DEFAULT_SCORER_SETTINGS);
    assert.notDeepEqual(a, off);
    assert.ok(Math.max(...a.slice(2500, 2600)) > 0.5, 'the drop to 0 is seen');
  });

  it('rejects bad level settings, naming the field', () => {
    assert.throws(() => withSettings({ levelStatistics: [] }), ScorerSettingsError);
    assert.throws(
      () => withSettings({ levelStatistics: ['median' as never] }),
      (e: Error) => e instanceof ScorerSettingsError && e.message.startsWith('levelStatistics'),
    );
    assert.throws(
      () => withSettings({ levelBaseline: -1 }),
      (e: Error) => e.message.startsWith('levelBaseline: expected a number in [0, 10]'),
    );
    assert.throws(() => withSettings({ levelScales: [] }), /levelScales/);
  });
});
