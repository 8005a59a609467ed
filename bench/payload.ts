/**
 * `npx tsx bench/payload.ts [--resources 500] [--signals 3]`: the largest payload one chaos
 * cycle puts into Temporal, on real servers: a real Prometheus scraping a real target with
 * resources × signals series, a Temporal dev server, and a worker running the cycle with the
 * collect-and-predict shards (dry run, so no agent is involved). Every payload of the cycle's
 * history and of its child injections is measured. For comparison it also sizes the telemetry
 * snapshot that cycles before 0.2 put into history (twice). Prints one JSON object and fails
 * when the largest payload reaches 512 KB.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Gauge } from 'prom-client';
import type { NativeConnection } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { createLocalTestEnvironment } from '../src/testing/temporal';
import { PrometheusServer } from '../src/testing/prometheus';
import { MetricsTarget } from '../src/testing/metrics-target';
import { CleanupStack } from '../src/testing/cleanup';
import { configSchema } from '../src/config/schema';
import { createForeshockWorker } from '../src/worker/worker';
import { createCyclePredictActivities } from '../src/activities/cycle-predict';
import { createTelemetryActivities } from '../src/activities/telemetry';
import type { CycleSummary } from '../src/workflows/cycle-types';

const LIMIT_BYTES = 512 * 1024;
const SIGNALS = ['cpu', 'latency_p99', 'error_ratio'];

/** Every Payloads blob in an event, by its field path: the unit Temporal's size limit applies to. */
function payloadSizes(value: unknown, at: string, out: { at: string; bytes: number }[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => payloadSizes(v, `${at}[${i}]`, out));
    return;
  }
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.payloads)) {
    const bytes = (record.payloads as { data?: Uint8Array | null }[]).reduce(
      (n, p) => n + (p.data?.length ?? 0),
      0,
    );
    out.push({ at, bytes });
    return;
  }
  for (const [key, v] of Object.entries(record)) payloadSizes(v, at ? `${at}.${key}` : key, out);
}

function sizesOf(history: temporal.api.history.v1.IHistory, workflow: string) {
  const sizes: { at: string; bytes: number }[] = [];
  for (const event of history.events ?? []) {
    const found: { at: string; bytes: number }[] = [];
    payloadSizes(event, '', found);
    for (const f of found) sizes.push({ at: `${workflow}#${String(event.eventId)}.${f.at}`, bytes: f.bytes });
  }
  return sizes;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { resources: { type: 'string', default: '500' }, signals: { type: 'string', default: '3' } },
  });
  const resourceCount = Number(values.resources);
  const signals = SIGNALS.slice(0, Number(values.signals));
  const cleanup = new CleanupStack();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-payload-'));
  cleanup.push(() => rmSync(workDir, { recursive: true, force: true }));
  try {
    const target = await MetricsTarget.start();
    cleanup.push(() => target.stop());
    const gauge = new Gauge({
      name: 'bench_signal',
      help: 'one series per resource and signal',
      labelNames: ['resource', 'signal'],
      registers: [target.registry],
    });
    const names = Array.from({ length: resourceCount }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
    names.forEach((resource, i) =>
      signals.forEach((signal, k) => gauge.set({ resource, signal }, 0.2 + ((i * 7 + k * 13) % 100) / 100)),
    );
    const prometheus = await PrometheusServer.start({
      targets: [{ job: 'bench', targets: [target.address] }],
    });
    cleanup.push(() => prometheus.stop());
    await prometheus.waitForSeries(`count(bench_signal) == ${resourceCount * signals.length}`, 60_000);

    const raw = {
      prometheus: { url: prometheus.url, lookback: '10m', step: '1s' },
      resources: names.map((name, i) => ({
        name,
        type: 'service',
        // never started (dry run): distinct addresses only because the config demands them
        proxy: { listen: `127.0.0.1:${20_000 + i}`, upstream: `127.0.0.1:${30_000 + i}` },
        telemetry: Object.fromEntries(
          signals.map((s) => [s, `bench_signal{resource="${name}",signal="${s}"}`]),
        ),
        thresholds: Object.fromEntries(signals.map((s) => [s, 0.9])),
        guards: [
          { name: 'errors', expr: `bench_signal{resource="${name}",signal="error_ratio"} > 5`, for: '0s' },
        ],
      })),
      failure_injection_profile: {
        injection_frequency: '1h',
        severity_threshold: 'low',
        max_concurrent: 2,
        cooldown: '0s',
        dry_run: true,
        monitor_interval: '250ms',
      },
      resource_failure_modes: [
        {
          resource_type: 'service',
          failure_modes: ['network_latency', 'connection_reset'],
          injection_parameters: {
            network_latency: { latency: '100ms', duration: '1s' },
            connection_reset: { duration: '1s' },
          },
        },
      ],
      history: {
        incidents: path.join(workDir, 'incidents.jsonl'),
        outcomes: path.join(workDir, 'outcomes.jsonl'),
      },
      models: { dir: path.join(workDir, 'models') },
    };
    const configFile = path.join(workDir, 'foreshock.yaml');
    writeFileSync(configFile, JSON.stringify(raw));
    const config = configSchema.parse(raw);

    const legacySnapshot = await createTelemetryActivities({
      prometheus: prometheus.adapter,
    }).collectTelemetry({
      resources: config.resources,
      lookbackMs: config.prometheus.lookback,
      stepMs: config.prometheus.step,
    });

    const env = await createLocalTestEnvironment();
    cleanup.push(() => env.teardown());
    const worker = await createForeshockWorker({
      connection: env.nativeConnection as unknown as NativeConnection,
      taskQueue: 'foreshock-payload-bench',
      agent: { url: 'http://127.0.0.1:9', token: 'unused-in-dry-run' },
      prometheus: { url: prometheus.url },
      outcomesFile: config.history.outcomes,
      extraActivities: createCyclePredictActivities({
        prometheus: prometheus.adapter,
        predict: { modelsDir: config.models.dir, historyFiles: config.history },
      }),
    });
    const client = env.client;
    const startedAt = performance.now();
    const { summary, sizes } = await worker.runUntil(async () => {
      const handle = await client.workflow.start('chaosCycle', {
        taskQueue: 'foreshock-payload-bench',
        workflowId: `payload-bench-${process.pid}`,
        args: [{ configPath: configFile }],
      });
      const result = (await handle.result()) as CycleSummary;
      const all = sizesOf(await handle.fetchHistory(), 'chaosCycle');
      for (const injection of result.injections)
        all.push(
          ...sizesOf(
            await client.workflow.getHandle(injection.workflowId).fetchHistory(),
            injection.workflowId,
          ),
        );
      return { summary: result, sizes: all };
    });
    const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a), { at: '', bytes: 0 });
    const result = {
      resources: resourceCount,
      signals_per_resource: signals.length,
      series: resourceCount * signals.length,
      shards: summary.shards,
      scenarios_considered: summary.considered,
      injections: summary.injections.length,
      payloads_measured: sizes.length,
      largest_payload_bytes: largest.bytes,
      largest_payload_at: largest.at,
      limit_bytes: LIMIT_BYTES,
      legacy_snapshot_bytes: Buffer.byteLength(JSON.stringify(legacySnapshot)),
      cycle_ms: Math.round(performance.now() - startedAt),
    };
    console.log(JSON.stringify(result));
    if (largest.bytes >= LIMIT_BYTES) process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
