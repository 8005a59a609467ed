/**
 * `npm run -s bench -- scale --resources 10000`: one whole foreshock-style cycle over many
 * discovered resources. A real Prometheus holds N resources × 3 signals, backfilled with
 * `promtool tsdb create-blocks-from openmetrics`; resource_discovery turns `up{job="scale"}` into
 * N resources; two workers on a dev server collect (one grouped PromQL per signal) and predict in
 * shards, and only scenarios go through history. Prints one JSON object:
 * {resources, signals, collect_ms, predict_ms, cycle_ms, max_payload_bytes, history_events, …}.
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { NativeConnection, Worker } from '@temporalio/worker';
import { configSchema } from '../src/config/schema';
import { PrometheusAdapter } from '../src/prometheus/adapter';
import { CleanupStack } from '../src/testing/cleanup';
import { freePort, waitUntil } from '../src/testing/ports';
import { createLocalTestEnvironment } from '../src/testing/temporal';
import { toolPaths } from '../src/tools';
import { createScaleActivities } from './support/scale-activities';
import type { scaleCycle } from './support/scale-workflow';

const run = promisify(execFile);
const SIGNALS = ['cpu', 'latency', 'errors'] as const;

async function writeOpenMetrics(
  file: string,
  resources: number,
  points: number,
  stepS: number,
  endS: number,
) {
  const out = createWriteStream(file);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', r));
  const name = (i: number) => `r${String(i).padStart(5, '0')}`;
  const families: [string, (i: number, k: number) => number][] = [
    ['up', () => 1],
    ['scale_cpu', (i, k) => 0.3 + 0.2 * Math.sin((i + k) / 7) + (i % 97 === 0 ? (0.5 * k) / points : 0)],
    ['scale_latency', (i, k) => 0.05 + 0.01 * ((i * 31 + k) % 10) + (i % 89 === 0 ? (0.4 * k) / points : 0)],
    ['scale_errors', (i, k) => ((i + k) % 13 === 0 ? 0.02 : 0.001)],
  ];
  for (const [metric, value] of families) {
    await write(`# TYPE ${metric} gauge\n`);
    for (let i = 0; i < resources; i++) {
      let lines = '';
      for (let k = 0; k < points; k++) {
        const t = endS - (points - 1 - k) * stepS;
        lines += `${metric}{job="scale",instance="${name(i)}"} ${value(i, k).toFixed(4)} ${t}\n`;
      }
      await write(lines);
    }
  }
  await write('# EOF\n');
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

function payloadBytes(value: unknown, seen = new Set<unknown>()): number {
  if (value instanceof Uint8Array) return value.length;
  if (typeof value !== 'object' || value === null || seen.has(value)) return 0;
  seen.add(value);
  let n = 0;
  for (const v of Object.values(value)) n += payloadBytes(v, seen);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      resources: { type: 'string', default: '1000' },
      'shard-size': { type: 'string', default: '500' },
      points: { type: 'string', default: '20' },
      workers: { type: 'string', default: '2' },
    },
  });
  const resources = Number(values.resources);
  const shardSize = Number(values['shard-size']);
  const points = Number(values.points);
  const workers = Number(values.workers);
  for (const [k, v, lo, hi] of [
    ['--resources', resources, 1, 100_000],
    ['--shard-size', shardSize, 1, 100_000],
    ['--points', points, 5, 720],
    ['--workers', workers, 1, 8],
  ] as const) {
    if (!Number.isInteger(v) || v < lo || v > hi)
      throw new RangeError(`${k}: expected an integer ${lo}..${hi}, got ${v}`);
  }
  const stepS = 60;
  const cleanup = new CleanupStack();
  cleanup.runOnSignals();
  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-bench-scale-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const endS = Math.floor(Date.now() / 1000 / stepS) * stepS - stepS;
    const t0 = performance.now();
    await writeOpenMetrics(path.join(dir, 'data.om'), resources, points, stepS, endS);
    await run(
      'promtool',
      ['tsdb', 'create-blocks-from', 'openmetrics', path.join(dir, 'data.om'), path.join(dir, 'tsdb')],
      {
        timeout: 1_800_000,
        maxBuffer: 64 << 20,
      },
    );
    rmSync(path.join(dir, 'data.om'));
    const backfillMs = performance.now() - t0;

    const port = await freePort();
    writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
    const prom = spawn(
      toolPaths().prometheus,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
        '--storage.tsdb.retention.time=30d',
        `--web.listen-address=127.0.0.1:${port}`,
        '--query.lookback-delta=30m',
        '--query.max-samples=200000000',
      ],
      { stdio: 'ignore' },
    );
    cleanup.push(async () => {
      if (prom.exitCode !== null || prom.signalCode !== null) return;
      const exited = new Promise((r) => prom.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    });
    const url = `http://127.0.0.1:${port}`;
    const prometheus = new PrometheusAdapter({ url, timeoutMs: 120_000 });
    await waitUntil(
      'Prometheus serving the backfilled blocks',
      async () => (await prometheus.instantQuery('count(up{job="scale"})'))[0]?.value === resources,
      { timeoutMs: 300_000, intervalMs: 1000 },
    );

    const config = configSchema.parse({
      prometheus: { url, step: `${stepS}s`, lookback: `${points * stepS}s`, timeout: '120s' },
      failure_injection_profile: { injection_frequency: '1h' },
      resource_failure_modes: [{ resource_type: 'api', failure_modes: ['network_latency'] }],
      resource_discovery: [
        {
          name: 'scale',
          query: 'up{job="scale"}',
          label: 'instance',
          limit: 100_000,
          resource: {
            name: '{{instance}}',
            type: 'api',
            proxy: { listen: '127.0.0.1:20000', upstream: '127.0.0.1:20001' },
            thresholds: { cpu: 0.9, latency: 0.5, errors: 0.05 },
          },
          signals: Object.fromEntries(SIGNALS.map((s) => [s, `max by (instance) (scale_${s}{job="scale"})`])),
        },
      ],
    });

    const env = await createLocalTestEnvironment();
    cleanup.push(() => env.teardown());
    for (let i = 0; i < workers; i++) {
      const scale = createScaleActivities(config, prometheus);
      cleanup.push(() => rmSync(scale.dir, { recursive: true, force: true }));
      // each worker its own connection, as separate replicas would have
      const connection = await NativeConnection.connect({ address: env.address });
      cleanup.push(() => connection.close());
      const worker = await Worker.create({
        connection,
        taskQueue: 'bench-scale',
        workflowsPath: require.resolve('./support/scale-workflow'),
        activities: scale.activities,
        identity: `bench-scale-${i}`,
      });
      const running = worker.run();
      cleanup.push(async () => {
        worker.shutdown();
        await running.catch(() => undefined);
      });
    }
    const t1 = performance.now();
    const handle = await env.client.workflow.start<typeof scaleCycle>('scaleCycle', {
      taskQueue: 'bench-scale',
      workflowId: `bench-scale-${Date.now()}`,
      args: [{ cycleId: 'c1', shardSize }],
    });
    const result = await handle.result();
    const cycleMs = performance.now() - t1;
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    console.log(
      JSON.stringify({
        resources: result.resources,
        signals: result.signals,
        collect_ms: result.collectMs,
        predict_ms: result.predictMs,
        cycle_ms: Math.round(cycleMs),
        max_payload_bytes: Math.max(...events.map((e) => payloadBytes(e))),
        history_events: events.length,
        shards: result.shards,
        workers,
        points_per_signal: points,
        top_scenarios: result.scenarios.length,
        backfill_ms: Math.round(backfillMs),
      }),
    );
  } finally {
    await cleanup.run();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
