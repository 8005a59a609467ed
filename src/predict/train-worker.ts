/**
 * Runs `trainSignalModel` in a worker thread: brain's recurrent training is synchronous, and an
 * activity (or the CLI) must keep its event loop free for heartbeats and cancellation meanwhile.
 * An abort terminates the thread at once; a thread that dies (error, exit without an answer)
 * rejects at once, with what is known about why.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { trainSignalModel, type TrainSignalInput, type TrainedSignal } from './training';

export class TrainingCancelledError extends Error {
  override name = 'TrainingCancelledError';
}

/**
 * The thread runs this very file: compiled JS (the installed package) loads directly; the
 * TypeScript sources (the repository, under tsx) register tsx in the thread first.
 */
function startThread(input: TrainSignalInput, resourceLimits?: { maxOldGenerationSizeMb?: number }): Worker {
  const limits = resourceLimits ? { resourceLimits } : {};
  if (!__filename.endsWith('.ts')) return new Worker(__filename, { workerData: input, ...limits });
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(__filename)});`;
  return new Worker(bootstrap, { eval: true, workerData: input, ...limits });
}

export class TrainingThreadError extends Error {
  override name = 'TrainingThreadError';
}

export function trainInWorker(
  input: TrainSignalInput,
  signal?: AbortSignal,
  options: { resourceLimits?: { maxOldGenerationSizeMb?: number } } = {},
): Promise<TrainedSignal> {
  if (signal?.aborted) return Promise.reject(new TrainingCancelledError('training cancelled'));
  const worker = startThread(input, options.resourceLimits);
  return new Promise<TrainedSignal>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      fn();
    };
    const abort = (): void => {
      settle(() =>
        reject(new TrainingCancelledError(`training ${input.resourceType}/${input.signal} cancelled`)),
      );
      void worker.terminate();
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (msg: { ok: true; result: TrainedSignal } | { ok: false; error: string }) => {
      settle(() => (msg.ok ? resolve(msg.result) : reject(new TrainingThreadError(msg.error))));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      settle(() => reject(new TrainingThreadError(`training thread failed: ${err.message}`)));
    });
    worker.once('exit', (code) => {
      settle(() =>
        reject(new TrainingThreadError(`training thread exited with code ${code} before it answered`)),
      );
    });
  });
}

if (!isMainThread && parentPort && (workerData as TrainSignalInput | undefined)?.signal !== undefined) {
  try {
    parentPort.postMessage({ ok: true, result: trainSignalModel(workerData as TrainSignalInput) });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}
