import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { foreshockDetector, relativeEntropyStream } from '../../../src/predict/eval/detector';

/** Deterministic uniform noise in [0, 1) (a small LCG), so the test never depends on luck. */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('relative-entropy stream', () => {
  const rand = noise(7);
  // 3,000 rows of uniform noise in [0, 10), then 300 rows crowded into the top fifth of that
  // same range: no value leaves the seen range, only the distribution changes.
  const steady = Array.from({ length: 3000 }, () => rand() * 10);
  const shifted = Array.from({ length: 300 }, () => 8 + rand() * 2);
  const values = [...steady, ...shifted];

  it('stays low on stationary noise and rises when the distribution changes within the range', () => {
    const z = relativeEntropyStream(values, 52, 5);
    const quietMax = Math.max(...z.slice(1000, 3000));
    const changeMax = Math.max(...z.slice(3000, 3100));
    assert.ok(quietMax < 4, `stationary noise peaks at z ${quietMax}`);
    assert.ok(changeMax > 2 * quietMax && changeMax > 6, `change gives z ${changeMax} vs ${quietMax}`);
  });

  it('is walk-forward: changing the future never changes earlier entries', () => {
    const changed = [...values];
    for (let i = 2000; i < changed.length; i++) changed[i] = -changed[i]!;
    const a = relativeEntropyStream(values, 52, 5);
    const b = relativeEntropyStream(changed, 52, 5);
    assert.deepEqual([...a.slice(0, 2000)], [...b.slice(0, 2000)]);
    assert.notDeepEqual([...a.slice(2000)], [...b.slice(2000)], 'the change is seen');
  });

  it('with bins clipped to mean ± k std, one early spike does not blind it to later changes', () => {
    const spiked = [...steady];
    spiked[1500] = 100;
    const after = [...spiked, ...shifted];
    const plain = relativeEntropyStream(after, 52, 5);
    const clipped = relativeEntropyStream(after, 52, 5, 60, 4, 4.5);
    const plainMax = Math.max(...plain.slice(3000, 3100));
    const clippedMax = Math.max(...clipped.slice(3000, 3100));
    const clippedQuiet = Math.max(...clipped.slice(1700, 3000));
    assert.ok(plainMax < 4, `the plain range puts every window in one bin: z ${plainMax}`);
    assert.ok(clippedMax > 6 && clippedMax > 2 * clippedQuiet, `clipped: ${clippedMax} vs ${clippedQuiet}`);
  });
});

describe('foreshock detector', () => {
  it('gives the same scores on a prefix as on the whole series (it never uses the series length)', () => {
    const rand = noise(11);
    const values = Array.from({ length: 2400 }, (_, i) => 5 + Math.sin(i / 20) + rand() + (i > 1800 ? 3 : 0));
    const timestamps = values.map((_, i) => i * 300_000);
    const whole = foreshockDetector()(values, timestamps);
    for (const cut of [700, 1500, 1900]) {
      const prefix = foreshockDetector()(values.slice(0, cut), timestamps.slice(0, cut));
      assert.deepEqual([...prefix], [...whole.slice(0, cut)], `cut at ${cut}`);
    }
    assert.ok(Math.max(...whole.slice(1800, 1900)) > 0.9, 'the level shift is seen');
  });
});
