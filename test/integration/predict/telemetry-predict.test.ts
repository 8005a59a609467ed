// The telemetry activity against a real Prometheus scraping a real target (with a rule that
// fires an alert), then the predict activity end to end on what it collected.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrometheusServer } from '../../../src/testing/prometheus';
import { MetricsTarget } from '../../../src/testing/metrics-target';
import { configSchema } from '../../../src/config/schema';
import { createTelemetryActivities } from '../../../src/activities/telemetry';
import { createPredictActivities } from '../../../src/activities/predict';
import { saveModel } from '../../../src/predict/model-store';
import { trainSignalModel } from '../../../src/predict/training';
import type { TelemetrySnapshot, PredictionResult } from '../../../src/predict/types';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLocalTestEnvironment } from '../../../src/testing/temporal';
import { createTrainingActivities, type TrainedModelSummary } from '../../../src/activities/training';
import { forecasterTraining } from '../../../src/workflows/training';
import { loadCalibration, loadLatestModel } from '../../../src/predict/model-store';
import { Command } from 'commander';
import { registerPredict } from '../../../src/cli/commands/predict';

/** Only this command's module is loaded, so other commands' start-up never affects this test. */
async function runCli(argv: string[]): Promise<number> {
  const program = new Command('foreshock').exitOverride();
  registerPredict(program);
  process.exitCode = undefined;
  await program.parseAsync(argv);
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  return code;
}

const RULES = `groups:
  - name: test
    rules:
      - alert: DbSlow
        expr: foreshock_db_latency_seconds > 0.1
        labels: { resource: db }
`;

/** One finite, ordered band per signal with data; the db latency one from the named forecaster. */
function assertForecasts(result: PredictionResult, snapshot: TelemetrySnapshot, dbModel: string): void {
  const withData = snapshot.signals.filter((s) => s.values.some(Number.isFinite));
  assert.ok(withData.length > 0);
  assert.deepEqual(
    (result.forecasts ?? []).map((f) => `${f.resource}/${f.signal}`).sort(),
    withData.map((s) => `${s.resource}/${s.signal}`).sort(),
  );
  for (const f of result.forecasts ?? []) {
    assert.ok(f.mid.length > 0 && f.mid.length <= 30, `${f.signal}: ${f.mid.length} points`);
    f.mid.forEach((mid, k) => {
      const [lower, upper] = [f.lower[k]!, f.upper[k]!];
      assert.ok([lower, mid, upper].every(Number.isFinite), `${f.signal}[${k}]`);
      assert.ok(lower <= mid && mid <= upper, `${f.signal}[${k}]: ${lower} ≤ ${mid} ≤ ${upper}`);
    });
  }
  const db = result.forecasts?.find((f) => f.resource === 'db' && f.signal === 'latency_p99');
  assert.equal(db?.model, dbModel);
}

describe('telemetry + predict activities against a real Prometheus', () => {
  let prometheus: PrometheusServer;
  let target: MetricsTarget;
  let dir: string;
  let snapshot: TelemetrySnapshot;
  let env: TestWorkflowEnvironment | undefined;
  const config = () =>
    configSchema.parse({
      prometheus: { url: prometheus.adapter.url },
      resources: [
        {
          name: 'db',
          type: 'database',
          impact: 5,
          proxy: { listen: '127.0.0.1:1', upstream: '127.0.0.1:2' },
          telemetry: {
            latency_p99: 'foreshock_db_latency_seconds',
            missing: 'foreshock_never_exported',
            broken: 'sum(rate(',
          },
          thresholds: { latency_p99: 0.3 },
          guards: [{ name: 'slow', expr: 'foreshock_db_latency_seconds > 0.1' }],
        },
        {
          name: 'web',
          type: 'web',
          proxy: { listen: '127.0.0.1:3', upstream: '127.0.0.1:4' },
          telemetry: { latency_p99: 'foreshock_web_latency_seconds' },
          guards: [{ name: 'slow', expr: 'foreshock_web_latency_seconds > 1' }],
        },
      ],
      failure_injection_profile: { injection_frequency: '1h' },
      resource_failure_modes: [
        { resource_type: 'database', failure_modes: ['network_latency', 'blackhole'] },
        { resource_type: 'web', failure_modes: ['network_latency'] },
      ],
    });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-predict-'));
    target = await MetricsTarget.start();
    target.set('foreshock_db_latency_seconds', 0.05);
    target.set('foreshock_web_latency_seconds', 0.02);
    prometheus = await PrometheusServer.start({
      targets: [{ job: 'svc', targets: [target.address] }],
      rules: RULES,
    });
    await prometheus.waitForSeries('foreshock_db_latency_seconds');
    // A rising latency: the forecaster should see it head for its 0.3 s threshold.
    for (const v of [0.08, 0.12, 0.16, 0.2]) {
      target.set('foreshock_db_latency_seconds', v);
      await prometheus.waitForSeries(`foreshock_db_latency_seconds == ${v}`);
    }
    await prometheus.waitForSeries('ALERTS{alertstate="firing",resource="db"}');
  });

  after(async () => {
    await env?.teardown();
    await prometheus?.stop();
    await target?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('collects compact windows, names every problem, finds red guards and firing alerts', async () => {
    const telemetry = createTelemetryActivities({ prometheus: prometheus.adapter });
    snapshot = await telemetry.collectTelemetry({
      resources: config().resources,
      lookbackMs: 60_000,
      stepMs: 1000,
    });
    const byName = new Map(snapshot.signals.map((s) => [`${s.resource}/${s.signal}`, s]));
    const latency = byName.get('db/latency_p99');
    assert.ok(latency && latency.values.filter(Number.isFinite).length >= 4, 'latency has points');
    // Prometheus started seconds ago, so the 60 s window is mostly gaps: reported, not fatal.
    assert.doesNotMatch(latency?.error ?? '', /no data|query failed|stale/);
    const seen = (latency?.values ?? []).filter(Number.isFinite);
    assert.ok(Math.max(...seen) >= 0.16, `values: ${seen.join(',')}`);
    assert.match(byName.get('db/missing')?.error ?? '', /no data/);
    assert.match(byName.get('db/broken')?.error ?? '', /query failed: PrometheusQueryError/);
    assert.deepEqual(snapshot.redGuards, ['db']);
    assert.deepEqual(snapshot.firingAlerts, ['db']);
  });

  it('stays under 256 KiB for a day of 1 s telemetry over many signals', async () => {
    const telemetry = createTelemetryActivities({ prometheus: prometheus.adapter });
    const resources = config().resources.map((r) => ({
      ...r,
      telemetry: Object.fromEntries(
        Array.from({ length: 20 }, (_, k) => [`s${k}`, 'foreshock_db_latency_seconds']),
      ),
    }));
    const big = await telemetry.collectTelemetry({ resources, lookbackMs: 86_400_000, stepMs: 1000 });
    const bytes = Buffer.byteLength(JSON.stringify(big));
    assert.ok(bytes < 256 * 1024, `${bytes} bytes`);
    assert.ok(big.signals.every((s) => s.values.length <= 720));
  });

  it('predicts with Holt-Winters, then with a stored trained net competing with it per series', async () => {
    const files = {
      incidents: path.join(dir, 'incidents.jsonl'),
      outcomes: path.join(dir, 'outcomes.jsonl'),
    };
    writeFileSync(files.incidents, `{"resource":"db","at":"${new Date().toISOString()}"}\n`);
    const modelsDir = path.join(dir, 'models');
    const predictionsFile = path.join(dir, 'not-yet', 'predictions.jsonl');
    const predict = createPredictActivities({ modelsDir, historyFiles: files, predictionsFile });
    const trend = await predict.predictFailures({ snapshot, config: config() });
    assert.equal(trend.model.kind, 'holt-winters');
    assert.equal(trend.modelKinds?.['db/latency_p99'], 'holt-winters');
    assertForecasts(trend, snapshot, 'holt-winters');
    const stored = readFileSync(predictionsFile, 'utf8').split('\n').filter(Boolean);
    assert.equal(stored.length, 1, 'one JSON line per prediction, folder created');
    assert.deepEqual(JSON.parse(stored[0]!), trend);
    assert.equal(trend.scenarios.length, 3);
    assert.equal(trend.scenarios[0]?.resource, 'db', 'the rising, alerting, higher-impact db ranks first');
    assert.match(trend.scenarios[0]?.why.text ?? '', /latency_p99/);
    for (const s of trend.scenarios) assert.ok(s.probability >= 0 && s.probability <= 1);

    const ramp = Array.from({ length: 150 }, (_, i) => 0.05 + 0.001 * (i % 50));
    saveModel(
      modelsDir,
      trainSignalModel({
        resourceType: 'database',
        signal: 'latency_p99',
        series: [ramp],
        stepMs: 1000,
        fromMs: 0,
        toMs: 1,
        iterations: 5,
        maxSequences: 20,
      }),
    );
    const trained = await predict.predictFailures({ snapshot, config: config() });
    const dbKind = trained.modelKinds?.['db/latency_p99'];
    assert.ok(dbKind === 'lstm' || dbKind === 'gru' || dbKind === 'holt-winters', `${dbKind}`);
    assert.equal(trained.modelKinds?.['web/latency_p99'], 'holt-winters', 'no net for the web type');
    assert.match(
      trained.scenarios.find((s) => s.resource === 'db')?.why.text ?? '',
      dbKind === 'holt-winters' ? /holt-winters/ : /(lstm|gru) v1/,
    );
    assertForecasts(trained, snapshot, dbKind);
    assert.equal(readFileSync(predictionsFile, 'utf8').split('\n').filter(Boolean).length, 2);
  });

  it('forecasterTraining workflow trains and stores models through a real Temporal server; predict CLI uses them', async () => {
    env = await createLocalTestEnvironment();
    const configFile = path.join(dir, 'foreshock.yaml');
    writeFileSync(
      configFile,
      [
        'prometheus:',
        `  url: ${prometheus.adapter.url}`,
        '  step: 1s',
        '  lookback: 1m',
        'resources:',
        '  - name: db',
        '    type: database',
        '    proxy: { listen: 127.0.0.1:1, upstream: 127.0.0.1:2 }',
        '    telemetry:',
        '      latency_p99: foreshock_db_latency_seconds',
        '    thresholds: { latency_p99: 0.3 }',
        'failure_injection_profile:',
        '  injection_frequency: 1h',
        'resource_failure_modes:',
        '  - resource_type: database',
        '    failure_modes: [network_latency]',
        'history:',
        `  incidents: ${path.join(dir, 'none.jsonl')}`,
        `  outcomes: ${path.join(dir, 'none-outcomes.jsonl')}`,
        'models:',
        `  dir: ${path.join(dir, 'cli-models')}`,
        '',
      ].join('\n'),
    );
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'predict-training',
      workflowsPath: require.resolve('../../../src/workflows/training'),
      activities: createTrainingActivities({
        prometheus: prometheus.adapter,
        trainOptions: { inputSteps: 8, horizonSteps: 4, iterations: 3, maxSequences: 10 },
      }),
    });
    const results: TrainedModelSummary[] = await worker.runUntil(
      env.client.workflow.execute(forecasterTraining, {
        taskQueue: 'predict-training',
        workflowId: `training-${Date.now()}`,
        args: [{ configPath: configFile, reason: 'test' }],
      }),
    );
    assert.equal(results.length, 1, JSON.stringify(results));
    assert.equal(results[0]?.error, undefined, results[0]?.error);
    assert.equal(results[0]?.candidates?.length, 2, 'both LSTM and GRU were measured');
    // the promotion gate: stored only when it beat the last value on the select part
    const stored = loadLatestModel(path.join(dir, 'cli-models'), 'database', 'latency_p99');
    assert.equal(results[0]?.promoted, stored !== undefined, results[0]?.promotion);
    assert.equal(results[0]?.version, stored ? 1 : undefined);
    assert.ok(
      loadCalibration(path.join(dir, 'cli-models'), 'database', 'latency_p99'),
      'the calibration is stored either way',
    );

    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void lines.push(args.join(' '));
    try {
      assert.equal(await runCli(['node', 'foreshock', 'predict', '--config', configFile, '--json']), 0);
    } finally {
      console.log = log;
    }
    const prediction = JSON.parse(lines[lines.length - 1] ?? '{}') as PredictionResult;
    assert.equal(
      prediction.modelKinds?.['db/latency_p99'],
      stored ? prediction.modelKinds?.['db/latency_p99'] : 'holt-winters',
    );
    assert.notEqual(prediction.model.kind, 'trend');
    assert.equal(prediction.scenarios[0]?.id, 'db:network_latency');
  });
});
