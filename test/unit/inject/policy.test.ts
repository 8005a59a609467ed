import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { FaultConflictError } from '../../../src/inject/errors';
import { HostBudget } from '../../../src/inject/policy';

const refusedNaming = (field: string) => (err: unknown) =>
  err instanceof FaultConflictError && err.status === 409 && err.field === field;

describe('HostBudget defaults', () => {
  it('a single memory_pressure cannot ask for more than half the host, whatever its params allow', () => {
    const budget = new HostBudget();
    assert.throws(
      () => budget.reserve('m1', 'memory_pressure', { size: os.totalmem(), duration: 10_000 }),
      refusedNaming('params.size'),
    );
    budget.reserve('m2', 'memory_pressure', { size: Math.floor(os.totalmem() / 4), duration: 10_000 });
    assert.throws(
      () =>
        budget.reserve('m3', 'memory_pressure', { size: Math.floor(os.totalmem() / 4), duration: 10_000 }),
      refusedNaming('params.size'),
      'faults add up across the host',
    );
    budget.release('m2');
    budget.reserve('m3', 'memory_pressure', { size: Math.floor(os.totalmem() / 4), duration: 10_000 });
  });

  it('cpu_stress faults add up to at most all cores but half of one', () => {
    const budget = new HostBudget();
    const cores = os.availableParallelism();
    const limit = Math.max(50, (cores - 0.5) * 100);
    budget.reserve('c1', 'cpu_stress', { workers: 1, load: Math.min(100, limit), duration: 10_000 });
    const left = limit - Math.min(100, limit);
    assert.throws(
      () => budget.reserve('c2', 'cpu_stress', { workers: 1, load: left + 1, duration: 10_000 }),
      refusedNaming('params.workers'),
    );
  });
});
