/**
 * `npm run -s bench -- rollback [--trials N] [--interval 1s]`: how fast a guard breach takes
 * the fault out, on real servers. A real gauge crosses its guard's threshold; the clock starts
 * at the timestamp of the first scraped sample over the threshold (the moment Prometheus saw
 * it) and stops when the agent has removed the fault (immediate policy).
 * Last line: { trials, monitor_interval_ms, breach_to_revert_ms_p50, breach_to_revert_ms_max }.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { DevServer } from '../src/worker/dev-server';
import { createForeshockWorker } from '../src/worker/worker';
import { startAgent } from '../src/inject/agent';
import { AgentClient } from '../src/inject/client';
import { resourceSchema } from '../src/config/schema';
import { parseDuration } from '../src/config/duration';
import { PrometheusServer } from '../src/testing/prometheus';
import { MetricsTarget } from '../src/testing/metrics-target';
import { freePort, waitUntil } from '../src/testing/ports';
import { faultIdFor } from '../src/workflows/injection-input';
import { statusQuery } from '../src/workflows/messages';
import type { InjectionOutcome } from '../src/workflows/types';
import { CleanupStack } from '../src/testing/cleanup';

const TASK_QUEUE = 'foreshock-rollback-bench';
const GAUGE = 'foreshock_bench_error_ratio';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { trials: { type: 'string', default: '10' }, interval: { type: 'string', default: '1s' } },
  });
  const trials = Number(values.trials);
  const intervalMs = parseDuration(values.interval) ?? 1000;
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-rollback-bench-'));
  const cleanup = new CleanupStack();
  cleanup.push(() => rmSync(workDir, { recursive: true, force: true }));
  // Ctrl-C still stops every server and process this bench started.
  cleanup.runOnSignals();
  try {
    const target = await MetricsTarget.start();
    cleanup.push(() => target.stop());
    target.set(GAUGE, 0);
    const prometheus = await PrometheusServer.start({
      targets: [{ job: 'bench', targets: [target.address] }],
    });
    cleanup.push(() => prometheus.stop());
    const agent = await startAgent({
      config: {
        resources: [
          resourceSchema.parse({
            name: 'orders-db',
            type: 'database',
            proxy: { listen: `127.0.0.1:${await freePort()}`, upstream: `127.0.0.1:${await freePort()}` },
          }),
        ],
      },
      listen: '127.0.0.1:0',
      stateDir: path.join(workDir, 'agent'),
      cgroupPrefix: `rollbackbench-${process.pid}`,
    });
    cleanup.push(() => agent.stop());
    const agentClient = new AgentClient({ url: agent.url, token: agent.token });
    const server = await DevServer.start();
    cleanup.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    cleanup.push(() => connection.close());
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanup.push(() => nativeConnection.close());
    const client = new Client({ connection });
    const worker = await createForeshockWorker({
      connection: nativeConnection,
      taskQueue: TASK_QUEUE,
      agent: agentClient,
      prometheus: prometheus.adapter,
      outcomesFile: path.join(workDir, 'outcomes.jsonl'),
    });
    const running = worker.run();
    cleanup.push(async () => {
      worker.shutdown();
      await running;
    });
    await prometheus.waitForSeries(`${GAUGE} == 0`);

    const samples: number[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const handle = await client.workflow.start('injectionWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId: `rollback-bench-${process.pid}-${trial}`,
        args: [
          {
            resource: 'orders-db',
            mode: 'network_latency',
            params: { latency: '50ms', duration: '60s' },
            durationMs: 60_000,
            guards: [{ name: 'errors', expr: `${GAUGE} > 0.5`, forMs: 0 }],
            monitorIntervalMs: intervalMs,
            leaseMs: Math.max(15_000, 3 * intervalMs),
            rollbackPolicy: 'immediate',
          },
        ],
      });
      await waitUntil('watching', async () => (await handle.query(statusQuery)).phase === 'watching');
      // A random offset against the monitor interval and the scrape interval.
      await new Promise((r) => setTimeout(r, Math.random() * 1500));
      const setAt = Date.now();
      target.set(GAUGE, 1);
      const outcome = (await handle.result()) as InjectionOutcome;
      const fault = await agentClient.get(faultIdFor(handle.workflowId, handle.firstExecutionRunId));
      const seenAt = await firstScrapeOver(prometheus, setAt);
      target.set(GAUGE, 0);
      await prometheus.waitForSeries(`${GAUGE} == 0`);
      if (!fault?.revertedAt || outcome.rollbackPath !== 'immediate' || seenAt === undefined) {
        console.error(`trial ${trial + 1}: no measurement (${outcome.rollbackPath}, ${fault?.phase})`);
        continue;
      }
      samples.push(Date.parse(fault.revertedAt) - seenAt);
      console.error(`trial ${trial + 1}/${trials}: breach → revert ${samples.at(-1)}ms`);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        trials,
        measured: samples.length,
        monitor_interval_ms: intervalMs,
        scrape_interval_ms: 1000,
        breach_to_revert_ms_p50: percentile(sorted, 50),
        breach_to_revert_ms_max: sorted.at(-1) ?? null,
      }),
    );
  } finally {
    await cleanup.run();
  }
}

/**
 * Unix ms of the first scraped sample over the threshold at or after `sinceMs`: the raw
 * samples of a range selector, not a resampled grid.
 */
async function firstScrapeOver(prometheus: PrometheusServer, sinceMs: number): Promise<number | undefined> {
  const res = await fetch(
    `${prometheus.url}/api/v1/query?query=${encodeURIComponent(`${GAUGE}[30s]`)}&time=${Date.now() / 1000}`,
  );
  const body = (await res.json()) as { data: { result: { values: [number, string][] }[] } };
  const values = body.data.result[0]?.values ?? [];
  const first = values.find(([t, v]) => t * 1000 >= sinceMs - 1000 && Number(v) > 0.5);
  return first ? Math.round(first[0] * 1000) : undefined;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
