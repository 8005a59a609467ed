import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { observeGuards } from '../../../src/activities/guard-state';
import { stepDownFault } from '../../../src/activities/degrade';

const guards = [
  { name: 'errors', expr: 'errors > 0.05', forMs: 2000 },
  { name: 'latency', expr: 'p99 > 0.3', forMs: 0 },
];

describe('observeGuards (Prometheus for: semantics)', () => {
  it('breaches only after a guard has stayed red for its `for`', () => {
    let streaks = {};
    const at = (t: number, errors: boolean | undefined) => {
      const o = observeGuards(
        guards,
        streaks,
        [
          { guard: 'errors', red: errors },
          { guard: 'latency', red: false },
        ],
        t,
      );
      streaks = o.streaks;
      return o.breaches.map((b) => b.guard);
    };
    assert.deepEqual(at(0, true), []);
    assert.deepEqual(at(1000, true), []);
    assert.deepEqual(at(1500, undefined), [], 'a failed query neither extends nor resets the streak');
    assert.deepEqual(at(2000, true), ['errors']);
    assert.deepEqual(at(2500, false), []);
    assert.deepEqual(at(3000, true), [], 'green in between starts a new streak');
  });

  it('a guard with for: 0 breaches on its first red check, with its value', () => {
    const o = observeGuards(guards, {}, [{ guard: 'latency', red: true, value: 0.42 }], 5000);
    assert.deepEqual(o.breaches, [
      { guard: 'latency', expr: 'p99 > 0.3', redSince: 5000, breachedAt: 5000, value: 0.42 },
    ]);
  });
});

describe('stepDownFault (graceful degradation)', () => {
  it('halves latency and jitter, accepting duration strings', () => {
    assert.deepEqual(stepDownFault('network_latency', { latency: '400ms', jitter: '50ms', duration: '1m' }), {
      latency: 200,
      jitter: 25,
      duration: '1m',
    });
  });
  it('gives the CPU back: a 20% quota becomes 60%, then 80%', () => {
    assert.equal(stepDownFault('cpu_throttle', { percent: 20 })?.percent, 60);
    assert.equal(stepDownFault('cpu_throttle', { percent: 60 })?.percent, 80);
    assert.equal(stepDownFault('cpu_throttle', { percent: 96 }), undefined);
  });
  it('doubles bandwidth and halves shares; has no step for faults without a strength', () => {
    assert.equal(stepDownFault('bandwidth', { rate: '1KiB' })?.rate, 2048);
    assert.equal(stepDownFault('http_error', { status: 503 })?.share, 0.5);
    assert.equal(stepDownFault('process_pause', { duration: 1000 }), undefined);
    assert.equal(stepDownFault('network_latency', { latency: 6 }), undefined);
  });
});
