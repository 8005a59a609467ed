/**
 * An existing worker that takes on foreshock: ForeshockPlugin adds the activities (agent,
 * guards, history), the workflows come from ./workflows.ts, and the SDK's runtime metrics are
 * served for Prometheus.
 *
 *   FORESHOCK_AGENT_TOKEN=… node --import tsx examples/worker.ts
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { ForeshockPlugin, installRuntimeMetrics } from 'foreshock';

async function main(): Promise<void> {
  installRuntimeMetrics(process.env.METRICS_ADDRESS ?? '127.0.0.1:9464');
  const connection = await NativeConnection.connect({
    address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  });
  const worker = await Worker.create({
    connection,
    taskQueue: 'foreshock',
    workflowsPath: require.resolve('./workflows'),
    plugins: [
      new ForeshockPlugin({
        agent: {
          url: process.env.FORESHOCK_AGENT_URL ?? 'http://127.0.0.1:7070',
          token: process.env.FORESHOCK_AGENT_TOKEN ?? '',
        },
        prometheus: { url: process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090' },
        outcomesFile: 'history/outcomes.jsonl',
      }),
    ],
  });
  await worker.run();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
