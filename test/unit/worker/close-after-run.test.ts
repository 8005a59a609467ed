// closeAfterRun: the store's pool ends only once the worker's run has settled, whether the run
// ends cleanly or with an error, and the run's own result or error comes through unchanged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeAfterRun } from '../../../src/worker/main';

function fakeWorker(settle: 'resolve' | 'reject') {
  let finish!: () => void;
  const events: string[] = [];
  const worker = {
    run: () =>
      new Promise<void>((resolve, reject) => {
        events.push('run');
        finish = () => {
          events.push('run settled');
          if (settle === 'resolve') resolve();
          else reject(new Error('worker failed'));
        };
      }),
  };
  const stores = { close: async () => void events.push('closed') };
  return { worker, stores, events, finish: () => finish() };
}

describe('closeAfterRun', () => {
  it('closes the stores after a clean shutdown, not before', async () => {
    const w = fakeWorker('resolve');
    closeAfterRun(w.worker, w.stores);
    const running = w.worker.run();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(w.events, ['run'], 'still open while the worker runs');
    w.finish();
    await running;
    assert.deepEqual(w.events, ['run', 'run settled', 'closed']);
  });

  it('closes them after a failed run and passes the error on', async () => {
    const w = fakeWorker('reject');
    closeAfterRun(w.worker, w.stores);
    const running = w.worker.run();
    w.finish();
    await assert.rejects(running, /worker failed/);
    assert.deepEqual(w.events, ['run', 'run settled', 'closed']);
  });
});
