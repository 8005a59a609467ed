// The pure checks the cluster end-to-end test runs on recorded outcomes, and its seeded kill plan.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cooldownViolations, maxOverlap, seededRandom } from './support/chaos';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const run = (resource: string, from: number, to: number) => ({
  resource,
  startedAt: at(from),
  endedAt: at(to),
});

describe('cluster e2e checks', () => {
  it('maxOverlap counts injections open at one instant; an end and a start at one instant do not overlap', () => {
    assert.equal(maxOverlap([]), 0);
    assert.equal(maxOverlap([run('a', 0, 5), run('b', 5, 9)]), 1);
    assert.equal(maxOverlap([run('a', 0, 5), run('b', 1, 9), run('c', 4, 6)]), 3);
    assert.equal(maxOverlap([run('a', 0, 2), run('b', 3, 9), run('c', 4, 6), run('a', 7, 8)]), 2);
  });

  it('cooldownViolations names each resource injected again too soon, with the gap', () => {
    const outcomes = [run('a', 0, 4), run('b', 0, 4), run('a', 16, 20), run('b', 10, 14), run('a', 40, 44)];
    assert.deepEqual(cooldownViolations(outcomes, 12_000), [{ resource: 'b', gapMs: 6000 }]);
    assert.deepEqual(cooldownViolations(outcomes, 6000), []);
  });

  it('the kill plan replays from its seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
    for (const x of draw(123)) assert.ok(x >= 0 && x < 1);
  });
});
