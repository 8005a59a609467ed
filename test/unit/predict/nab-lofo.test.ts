import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lofoProfile, scoredFiles } from '../../../src/predict/eval/lofo';
import type { NabFile } from '../../../src/predict/eval/nab-data';
import { NAB_PROFILES, optimizeThreshold, scoreCorpus } from '../../../src/predict/eval/nab-score';
import { scorerGrid } from '../../../src/predict/scorer/grid';
import { DEFAULT_SCORER_SETTINGS } from '../../../src/predict/scorer/settings';

const ROWS = 1000;

function file(key: string, windows: { first: number; last: number }[]): NabFile {
  const timestamps = Array.from({ length: ROWS }, (_, i) => i * 300_000);
  return { key, timestamps, values: timestamps.map(() => 0), windows, labels: [] };
}

function scores(spikes: Record<number, number>): Float64Array {
  const s = new Float64Array(ROWS);
  for (const [row, x] of Object.entries(spikes)) s[Number(row)] = x;
  return s;
}

const files = [
  file('a/1.csv', [{ first: 500, last: 549 }]),
  file('b/1.csv', [{ first: 600, last: 649 }]),
  file('c/1.csv', []),
];
// Entry 0 detects every window at 0.6 and raises one false alarm, above them, at 0.7 in c.
const entry0 = [scores({ 505: 0.6 }), scores({ 605: 0.6 }), scores({ 300: 0.7 })];
// Entry 1 is perfect on b and c but misses a's window (it fires only after it).
const entry1 = [scores({ 700: 0.9 }), scores({ 605: 0.9 }), scores({})];

describe('leave-one-folder-out', () => {
  it('chooses the settings and threshold on the other folders only, and scores the held-out one', () => {
    const r = lofoProfile(files, [entry0, entry1], 'standard');
    assert.deepEqual(
      r.folds.map((f) => f.folder),
      ['a', 'b', 'c'],
    );
    const [a, b, c] = r.folds;
    // Held-out a: on b + c, entry 1 is better (no false alarm in c), so it is chosen and misses a.
    assert.equal(a?.chosen, 1);
    assert.equal(a?.tp, 0);
    assert.equal(a?.fn, 1);
    const trainA = scoredFiles(files.slice(1), entry1.slice(1));
    assert.equal(a?.threshold, optimizeThreshold(trainA, NAB_PROFILES.standard).threshold);
    const heldA = scoreCorpus(
      scoredFiles(files.slice(0, 1), entry1.slice(0, 1)),
      a.threshold,
      NAB_PROFILES.standard,
    );
    assert.equal(a?.score, heldA.score);
    // Held-out b: on a + c, entry 0 detects a's window (entry 1 cannot), so entry 0 is chosen.
    assert.equal(b?.chosen, 0);
    assert.equal(b?.tp, 1);
    // c has no windows: no normalized score, its false alarms are counted, it is out of the mean.
    assert.equal(c?.score, null);
    assert.equal(c?.windows, 0);
    assert.equal(r.mean, ((a?.score ?? 0) + (b?.score ?? 0)) / 2);
    assert.equal(r.worst, Math.min(a?.score ?? 0, b?.score ?? 0));
    assert.equal(r.worstFolder, 'a');
  });
});

describe('scorer grid', () => {
  it('varies only the p-value history, the season scale and the length correction', () => {
    const grid = scorerGrid(DEFAULT_SCORER_SETTINGS);
    assert.equal(grid.length, 8);
    assert.equal(grid[0]?.label, 'history=8 season=0.013 length=0.5');
    assert.equal(new Set(grid.map((e) => e.label)).size, 8);
    for (const e of grid) {
      const { pValueHistory, seasonScale, lengthCorrection, ...rest } = e.settings;
      const { pValueHistory: _h, seasonScale: _s, lengthCorrection: _l, ...base } = DEFAULT_SCORER_SETTINGS;
      assert.deepEqual(rest, base);
      assert.equal(e.label, `history=${pValueHistory} season=${seasonScale} length=${lengthCorrection}`);
    }
  });

  it('adds the level stream as on/off only when asked to try both', () => {
    const grid = scorerGrid(DEFAULT_SCORER_SETTINGS, [false, true]);
    assert.equal(grid.length, 16);
    assert.equal(grid.filter((e) => e.settings.streams.level).length, 8);
    assert.ok(grid.every((e) => e.label.endsWith(e.settings.streams.level ? ' level=on' : ' level=off')));
    assert.ok(scorerGrid(DEFAULT_SCORER_SETTINGS).every((e) => !e.settings.streams.level));
  });
});
