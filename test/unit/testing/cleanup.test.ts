import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CleanupStack } from '../../../src/testing/cleanup';

describe('CleanupStack', () => {
  it('stops what it was handed, newest first, and hands the thing back', async () => {
    const stopped: string[] = [];
    const cleanup = new CleanupStack();
    const thing = (name: string) => ({ name, stop: async () => void stopped.push(name) });
    const a = cleanup.stops(thing('a'));
    cleanup.push(() => stopped.push('folder'));
    cleanup.stops(thing('b'));
    assert.equal(a.name, 'a');
    await cleanup.runAll();
    assert.deepEqual(stopped, ['b', 'folder', 'a']);
    await cleanup.runAll();
    assert.deepEqual(stopped, ['b', 'folder', 'a'], 'each step runs once');
  });

  it('runAll runs every step although one fails, then throws what failed', async () => {
    const ran: string[] = [];
    const cleanup = new CleanupStack();
    cleanup.push(() => ran.push('first'));
    cleanup.push(() => {
      throw new Error('stop failed');
    });
    cleanup.push(() => ran.push('last'));
    await assert.rejects(cleanup.runAll(), /stop failed/);
    assert.deepEqual(ran, ['last', 'first']);
    cleanup.push(() => Promise.reject(new Error('one')));
    cleanup.push(() => Promise.reject(new Error('two')));
    await assert.rejects(
      cleanup.runAll(),
      (err: unknown) => err instanceof AggregateError && err.errors.length === 2,
    );
  });
});
