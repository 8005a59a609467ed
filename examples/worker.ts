/**
 * An existing worker that takes on foreshock: ForeshockPlugin.fromConfig adds every foreshock
 * activity (agent, guards, history, telemetry, predict, training), the workflows come from
 * ./workflows.ts, and the SDK's runtime metrics are served for Prometheus.
 *
 *   FORESHOCK_AGENT_TOKEN=… node --import tsx examples/worker.ts
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { ForeshockPlugin, installRuntimeMetrics, loadConfig } from 'foreshock';

async function main(): Promise<void> {
  installRuntimeMetrics(process.env.METRICS_ADDRESS ?? '127.0.0.1:9464');
  const configPath = process.env.FORESHOCK_CONFIG ?? 'config/foreshock.yaml';
  const { config } = await loadConfig(configPath);
  const connection = await NativeConnection.connect({
    address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  });
  const worker = await Worker.create({
    connection,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    plugins: [ForeshockPlugin.fromConfig(config, { configPath })],
  });
  await worker.run();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
