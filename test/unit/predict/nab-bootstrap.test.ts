import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapFoldMean, seededUniform, type HeldOutFile } from '../../../src/predict/eval/bootstrap';
import { lofoReport } from '../../../src/predict/eval/lofo';
import type { NabFile } from '../../../src/predict/eval/nab-data';
import { NAB_PROFILES } from '../../../src/predict/eval/nab-score';

const standard = NAB_PROFILES.standard;

describe('bootstrap interval of the LOFO mean', () => {
  it('is a point when every file of a fold scores the same', () => {
    const files: HeldOutFile[] = [
      { folder: 'a', raw: 0, windows: 1 },
      { folder: 'a', raw: 0, windows: 1 },
      { folder: 'b', raw: 1, windows: 2 },
    ];
    // a: (0 + W) / 2W = 50; b: (1 + 2) / 4 = 75 whatever the draw.
    const i = bootstrapFoldMean(files, standard, { resamples: 200 });
    assert.equal(i.low, 62.5);
    assert.equal(i.high, 62.5);
  });

  it('is reproducible for a seed, widens with the level, and brackets the spread of the files', () => {
    const files: HeldOutFile[] = Array.from({ length: 12 }, (_, k) => ({
      folder: k < 6 ? 'a' : 'b',
      raw: k % 2 === 0 ? 1 : -1,
      windows: 1,
    }));
    const a = bootstrapFoldMean(files, standard, { seed: 7 });
    assert.deepEqual(a, bootstrapFoldMean(files, standard, { seed: 7 }));
    assert.notDeepEqual(a, bootstrapFoldMean(files, standard, { seed: 8 }));
    assert.ok(a.low < 50 && a.high > 50 && a.low >= 0 && a.high <= 100, `${a.low}–${a.high}`);
    const wide = bootstrapFoldMean(files, standard, { seed: 7, level: 0.99 });
    assert.ok(wide.low <= a.low && wide.high >= a.high);
    assert.equal(a.resamples, 1000);
    assert.equal(a.level, 0.9);
  });

  it("leaves a resample's fold without windows out of its mean", () => {
    const files: HeldOutFile[] = [
      { folder: 'a', raw: 1, windows: 1 },
      { folder: 'a', raw: -0.5, windows: 0 },
      { folder: 'b', raw: -1, windows: 1 },
    ];
    // a drawn with its window: 100 (raw 1 or 0.5 → 100 or 75, twice 1 → (2+2)/4 = 100); b: 0.
    const i = bootstrapFoldMean(files, standard, { resamples: 500 });
    assert.ok(i.low >= 0 && i.high <= 100);
    assert.ok(Number.isFinite(i.low) && Number.isFinite(i.high));
  });

  it('rejects bad options, naming them', () => {
    assert.throws(() => bootstrapFoldMean([], standard, { resamples: 0 }), /resamples/);
    assert.throws(() => bootstrapFoldMean([], standard, { level: 1 }), /level/);
  });

  it('the generator is uniform enough in [0, 1)', () => {
    const r = seededUniform(1);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = r();
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  });

  it('lofoReport attaches an interval around each profile built from the held-out files', () => {
    const rows = 1000;
    const file = (key: string, first: number): NabFile => {
      const timestamps = Array.from({ length: rows }, (_, i) => i * 300_000);
      return {
        key,
        timestamps,
        values: timestamps.map(() => 0),
        windows: [{ first, last: first + 49 }],
        labels: [],
      };
    };
    const files = [file('a/1.csv', 500), file('a/2.csv', 600), file('b/1.csv', 500), file('b/2.csv', 600)];
    const hit = (row: number): Float64Array => {
      const s = new Float64Array(rows);
      s[row] = 0.8;
      return s;
    };
    // a/1 and b/1 are detected at their window's start, a/2 and b/2 are missed (fired far outside).
    const report = lofoReport(files, [[hit(500), hit(900), hit(500), hit(900)]]);
    const st = report.profiles.standard;
    assert.equal(st.heldOutFiles.length, 4);
    assert.deepEqual(
      st.heldOutFiles.map((f) => f.folder),
      ['a', 'a', 'b', 'b'],
    );
    assert.ok(st.interval.low <= st.mean && st.mean <= st.interval.high, JSON.stringify(st.interval));
    assert.ok(st.interval.high - st.interval.low > 0, 'files differ, so the interval has width');
  });
});
