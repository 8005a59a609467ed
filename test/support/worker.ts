/**
 * A foreshock worker polling in the background of an integration test, running until `stop`
 * (in the test's `after`) shuts it down and waits for its run to end.
 */
import type { Worker } from '@temporalio/worker';
import { createForeshockWorker, type ForeshockWorkerOptions } from '../../src/worker/worker';

export interface BackgroundWorker {
  readonly worker: Worker;
  /** Shuts the worker down and waits for its run to end; rejects if the run failed. */
  stop(): Promise<void>;
}

export async function startBackgroundWorker(options: ForeshockWorkerOptions): Promise<BackgroundWorker> {
  const worker = await createForeshockWorker(options);
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      worker.shutdown();
      await running;
    },
  };
}
