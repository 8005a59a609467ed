/**
 * A CI step: inject one fault into staging, wait for the verdict, fail the build when a guard
 * breached (the fault is already gone by then: inject resolves after the verified rollback).
 *
 *   node --import tsx examples/ci-step.ts config/foreshock.yaml orders-db network_latency
 */
import { Client } from '@temporalio/client';
import { ForeshockClient, InjectionRejectedError, connectTemporal, loadConfig } from 'foreshock';

async function main(): Promise<number> {
  const [configFile = 'config/foreshock.yaml', resourceName = 'orders-db', mode = 'network_latency'] =
    process.argv.slice(2);
  const { config } = await loadConfig(configFile);
  const target = await connectTemporal(config);
  try {
    const foreshock = new ForeshockClient({
      client: new Client({ connection: target.connection, namespace: target.namespace }),
      taskQueue: target.taskQueue,
      config,
    });
    const resource = config.resources.find((r) => r.name === resourceName);
    if (!resource) throw new Error(`no resource ${resourceName} in ${configFile}`);
    const outcome = await foreshock.inject({
      resource: resource.name,
      resourceType: resource.type,
      mode: mode as 'network_latency',
      params: { latency: '200ms', duration: '30s' },
      durationMs: 30_000,
      guards: resource.guards.map((g) => ({ name: g.name, expr: g.expr, forMs: g.for })),
      monitorIntervalMs: config.failure_injection_profile.monitor_interval,
    });
    console.log(JSON.stringify(outcome, null, 2));
    if (outcome.breached) {
      console.error(`guard breached: ${outcome.breaches.map((b) => b.guard).join(', ')}`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (err instanceof InjectionRejectedError) {
      console.error(`rejected: ${err.message} (field ${err.field ?? '?'}, allowed ${err.allowed ?? '?'})`);
      return 2;
    }
    throw err;
  } finally {
    await target.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
