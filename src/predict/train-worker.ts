/**
 * Runs `trainSignalModel` in a worker thread: brain's recurrent training is synchronous, and an
 * activity (or the CLI) must keep its event loop free for heartbeats and signals meanwhile.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ModelRecord } from './model-store';
import { trainSignalModel, type TrainSignalInput } from './training';

type TrainResult = Omit<ModelRecord, 'version'>;

/**
 * The thread runs this very file: compiled JS (the installed package) loads directly; the
 * TypeScript sources (the repository, under tsx) register tsx in the thread first.
 */
function startThread(input: TrainSignalInput): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(__filename, { workerData: input });
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(__filename)});`;
  return new Worker(bootstrap, { eval: true, workerData: input });
}

export function trainInWorker(input: TrainSignalInput, signal?: AbortSignal): Promise<TrainResult> {
  const worker = startThread(input);
  return new Promise<TrainResult>((resolve, reject) => {
    const abort = (): void => {
      void worker.terminate();
      reject(new Error('training cancelled'));
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (msg: { ok: true; result: TrainResult } | { ok: false; error: string }) => {
      signal?.removeEventListener('abort', abort);
      if (msg.ok) resolve(msg.result);
      else reject(new Error(msg.error));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      signal?.removeEventListener('abort', abort);
      reject(err);
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
