// A foreshock worker run as a child process, so a test can SIGKILL it like a crashed host.
// Settings arrive as JSON in FORESHOCK_TEST_WORKER; "ready" on stdout once it polls.
import { NativeConnection } from '@temporalio/worker';
import { createForeshockWorker } from '../../../../src/worker/worker';
import type { WorkerSettings } from './worker-process';

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.FORESHOCK_TEST_WORKER ?? '{}') as WorkerSettings;
  const connection = await NativeConnection.connect({ address: settings.address });
  const worker = await createForeshockWorker({
    connection,
    taskQueue: settings.taskQueue,
    agent: { url: settings.agentUrl, token: settings.agentToken },
    prometheus: { url: settings.prometheusUrl },
    outcomesFile: settings.outcomesFile,
    workflowBundle: { codePath: settings.bundlePath },
    identity: `test-worker-${process.pid}`,
  });
  process.once('SIGTERM', () => worker.shutdown());
  const running = worker.run();
  console.log('ready');
  await running;
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
