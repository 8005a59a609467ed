// The chaos cycle, the client, schedules and the global halt on real servers: a real Temporal
// dev server, a real Prometheus, the real agent with its proxy in front of a real HTTP server
// process, and the Predictive Failure Engine's real telemetry and predict activities.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { createLocalTestEnvironment } from '../../../src/testing/temporal';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PrometheusServer } from '../../../src/testing/prometheus';
import { MetricsTarget } from '../../../src/testing/metrics-target';
import { freePort, waitUntil } from '../../../src/testing/ports';
import { CleanupStack } from '../../../src/testing/cleanup';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { AgentClient } from '../../../src/inject/client';
import { configSchema, type ForeshockConfig } from '../../../src/config/schema';
import { createTelemetryActivities } from '../../../src/activities/telemetry';
import { createPredictActivities } from '../../../src/activities/predict';
import { createCyclePredictActivities } from '../../../src/activities/cycle-predict';
import { cycleConfigOf } from '../../../src/client/schedules';
import type { CycleSummary } from '../../../src/workflows/cycle-types';
import { cycleStatusQuery } from '../../../src/workflows/messages';
import { ForeshockClient } from '../../../src/client/foreshock-client';
import { InjectionRejectedError } from '../../../src/client/errors';
import { applySchedules, scheduleDefinitions, scheduleIds } from '../../../src/client/schedules';
import { statusQuery } from '../../../src/workflows/messages';
import { searchAttributeKeys } from '../../../src/workflows/search-attributes';
import { NamedServer, probe } from './support/target';
import { startBackgroundWorker } from '../../support/worker';

const TASK_QUEUE = 'foreshock-cycle-test';

describe('chaos cycle, client, schedules and halt on real servers', () => {
  let workDir: string;
  let env: TestWorkflowEnvironment;
  let target: MetricsTarget;
  let prometheus: PrometheusServer;
  let agent: RunningAgent;
  let upstream: NamedServer;
  let upstream2: NamedServer;
  let proxyAddress: string;
  let proxyAddress2: string;
  let config: ForeshockConfig;
  let foreshock: ForeshockClient;
  let client: Client;
  const cleanup = new CleanupStack();

  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-cycle-'));
    cleanup.push(() => rmSync(workDir, { recursive: true, force: true }));
    target = cleanup.stops(await MetricsTarget.start());
    target.set('orders_p99_seconds', 0.9);
    target.set('orders_error_ratio', 0);
    prometheus = cleanup.stops(
      await PrometheusServer.start({ targets: [{ job: 'orders', targets: [target.address] }] }),
    );
    upstream = cleanup.stops(await NamedServer.start('primary'));
    upstream2 = cleanup.stops(await NamedServer.start('second'));
    proxyAddress = `127.0.0.1:${await freePort()}`;
    proxyAddress2 = `127.0.0.1:${await freePort()}`;
    const incidents = path.join(workDir, 'incidents.jsonl');
    const now = Date.now();
    writeFileSync(
      incidents,
      [1, 2, 3, 4, 5, 6]
        .map((d) =>
          JSON.stringify({
            resource: 'orders-db',
            at: new Date(now - d * 3_600_000).toISOString(),
            mode: 'network_latency',
          }),
        )
        .join('\n') + '\n',
    );
    config = configSchema.parse({
      prometheus: { url: prometheus.url, lookback: '1m', step: '1s' },
      resources: [
        {
          name: 'orders-db',
          type: 'database',
          proxy: { listen: proxyAddress, upstream: upstream.address },
          telemetry: { latency_p99: 'orders_p99_seconds' },
          thresholds: { latency_p99: 0.5 },
          guards: [{ name: 'errors', expr: 'orders_error_ratio > 0.5', for: '0s' }],
        },
      ],
      failure_injection_profile: {
        injection_frequency: '1h',
        severity_threshold: 'low',
        monitor_interval: '250ms',
        lease: '5s',
        cooldown: '10m',
        catchup_window: '2m',
      },
      resource_failure_modes: [
        {
          resource_type: 'database',
          failure_modes: ['network_latency'],
          injection_parameters: { network_latency: { latency: '100ms', duration: '2s' } },
        },
      ],
      history: { incidents, outcomes: path.join(workDir, 'outcomes.jsonl') },
      models: { dir: path.join(workDir, 'models') },
    });
    agent = cleanup.stops(
      await startAgent({
        config: { resources: [...config.resources, secondResource()] },
        listen: '127.0.0.1:0',
        stateDir: path.join(workDir, 'agent'),
        cgroupPrefix: `cycletest-${process.pid}`,
      }),
    );
    env = await createLocalTestEnvironment();
    cleanup.push(() => env.teardown());
    client = env.client;
    const agentClient = new AgentClient({ url: agent.url, token: agent.token });
    cleanup.stops(
      await startBackgroundWorker({
        connection: env.nativeConnection,
        taskQueue: TASK_QUEUE,
        agent: agentClient,
        prometheus: { url: prometheus.url },
        outcomesFile: config.history.outcomes,
        extraActivities: {
          ...createTelemetryActivities({ prometheus: prometheus.adapter }),
          ...createPredictActivities({ modelsDir: config.models.dir, historyFiles: config.history }),
          ...createCyclePredictActivities({
            prometheus: prometheus.adapter,
            predict: { modelsDir: config.models.dir, historyFiles: config.history },
          }),
        },
      }),
    );
    foreshock = new ForeshockClient({ client, taskQueue: TASK_QUEUE, agent: agentClient, config });
    await prometheus.waitForSeries('orders_p99_seconds');
  });

  after(() => cleanup.runAll());

  /** The same telemetry and guards as orders-db, behind its own proxy. */
  const secondResource = () => ({
    ...config.resources[0]!,
    name: 'orders-db-2',
    proxy: { ...config.resources[0]!.proxy!, listen: proxyAddress2, upstream: upstream2.address },
  });

  it('runCycle: predicts, selects, injects as a child, rolls back; the next cycle respects the cooldown', async () => {
    const summary = await foreshock.runCycle();
    assert.equal(summary.shards, 1, 'one collect-and-predict shard');
    assert.equal(summary.injections[0]?.verdict, 'pass', JSON.stringify(summary));
    assert.ok(summary.model, 'the summary names the forecaster');
    assert.ok(summary.considered >= 1, JSON.stringify(summary));
    assert.equal(summary.injections.length, 1, JSON.stringify(summary));
    const injection = summary.injections[0];
    assert.equal(injection.rollbackPath, 'duration_end', JSON.stringify(summary));
    assert.equal(agent.core.activeCount(), 0, 'the fault is gone');
    const child = client.workflow.getHandle(injection.workflowId);
    const described = await child.describe();
    assert.equal(described.typedSearchAttributes.get(searchAttributeKeys.resource), 'orders-db');
    assert.ok(
      typeof described.memo?.why === 'string' && described.memo.why.length > 0,
      'memo carries the why',
    );

    const second = await foreshock.runCycle();
    assert.equal(second.injections.length, 0);
    assert.ok(
      second.skipped.some((s) => s.reason === 'cooldown'),
      JSON.stringify(second),
    );
  });

  it('inject() returns typed errors for a refused scenario', async () => {
    await assert.rejects(
      foreshock.inject({
        resource: 'orders-db',
        mode: 'network_latency',
        params: { latency: '2m', duration: '2s' },
        durationMs: 2000,
      }),
      (err: unknown) =>
        err instanceof InjectionRejectedError && err.failureType === 'ForeshockInvalidFaultParams',
    );
    assert.equal(agent.core.activeCount(), 0);
  });

  it('schedule apply creates (then updates) the cycle and training schedules with overlap SKIP and a catch-up window', async () => {
    const definitions = scheduleDefinitions(config, TASK_QUEUE, { configPath: '/etc/foreshock.yaml' });
    assert.deepEqual(
      (await applySchedules(client, definitions)).map((r) => r.created),
      [true, true],
    );
    assert.deepEqual(
      (await applySchedules(client, definitions)).map((r) => r.created),
      [false, false],
    );
    const ids = scheduleIds(TASK_QUEUE);
    const disabled = {
      ...config,
      failure_injection_profile: { ...config.failure_injection_profile, enabled: false },
    };
    await applySchedules(
      client,
      scheduleDefinitions(disabled, TASK_QUEUE, { configPath: '/etc/foreshock.yaml' }),
    );
    // the scheduler applies updates asynchronously: wait for the state, then check it
    const pausedState = async () => (await client.schedule.getHandle(ids.cycle).describe()).state.paused;
    await waitUntil('the schedule paused', async () => (await pausedState()) === true, {
      timeoutMs: 5_000,
      intervalMs: 100,
    }).catch(() => undefined);
    assert.equal(await pausedState(), true, 'enabled: false pauses');
    await applySchedules(client, definitions);
    await waitUntil('the schedule resumed', async () => (await pausedState()) === false, {
      timeoutMs: 5_000,
      intervalMs: 100,
    }).catch(() => undefined);
    const cycle = await client.schedule.getHandle(ids.cycle).describe();
    assert.equal(cycle.state.paused, false, 'enabled: true resumes');
    assert.deepEqual(cycle.action.type === 'startWorkflow' ? cycle.action.args : [], [
      { configPath: '/etc/foreshock.yaml' },
    ]);
    assert.equal(cycle.policies.overlap, ScheduleOverlapPolicy.SKIP);
    assert.equal(cycle.policies.catchupWindow, 120_000);
    assert.deepEqual(
      cycle.spec.intervals?.map((i) => i.every),
      [3_600_000],
    );
    const training = await client.schedule.getHandle(ids.training).describe();
    assert.equal(training.action.type, 'startWorkflow');
    assert.equal(
      training.action.type === 'startWorkflow' ? training.action.workflowType : '',
      'forecasterTraining',
    );
  });

  it('one child cancelled by an operator is recorded as cancelled; its sibling completes and the cycle succeeds', async () => {
    const two: ForeshockConfig = {
      ...config,
      resources: [config.resources[0]!, secondResource()],
      failure_injection_profile: { ...config.failure_injection_profile, max_concurrent: 2, cooldown: 0 },
      resource_failure_modes: [
        {
          ...config.resource_failure_modes[0]!,
          injection_parameters: { network_latency: { latency: 100, duration: 6000, direction: 'both' } },
        },
      ],
    };
    const cycle = await client.workflow.start('chaosCycle', {
      taskQueue: TASK_QUEUE,
      workflowId: `cycle-cancel-child-${process.pid}`,
      args: [{ config: cycleConfigOf(two), shardSize: 1 }],
    });
    const injecting = await waitUntil(
      'two children watching',
      async () => {
        const status = await cycle.query(cycleStatusQuery);
        if (status.injections.length < 2) return undefined;
        const phases = await Promise.all(
          status.injections.map(
            async (i) => (await client.workflow.getHandle(i.workflowId).query(statusQuery)).phase,
          ),
        );
        return phases.every((p) => p === 'watching') ? status.injections : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const [cancelled, sibling] = injecting;
    await client.workflow.getHandle(cancelled!.workflowId).cancel();
    const summary = (await cycle.result()) as CycleSummary;
    assert.equal(summary.shards, 2, 'shardSize 1: one activity per resource');
    const byId = new Map(summary.injections.map((i) => [i.workflowId, i]));
    assert.equal(byId.get(cancelled!.workflowId)?.rollbackPath, 'cancelled', JSON.stringify(summary));
    assert.equal(byId.get(cancelled!.workflowId)?.verdict, 'inconclusive');
    assert.equal(byId.get(sibling!.workflowId)?.rollbackPath, 'duration_end', JSON.stringify(summary));
    assert.equal(byId.get(sibling!.workflowId)?.verdict, 'pass');
    assert.equal(agent.core.activeCount(), 0, 'both faults are gone');
  });

  it('running injections count against max_concurrent: a cycle started while one runs injects nothing', async () => {
    const manual = await foreshock.startInjection({
      resource: 'orders-db-2',
      mode: 'network_latency',
      params: { latency: '100ms', duration: '60s' },
      durationMs: 60_000,
      monitorIntervalMs: 250,
      leaseMs: 5000,
    });
    try {
      await waitUntil('listed as running', async () => {
        for await (const _ of client.workflow.list({
          query: `WorkflowId = '${manual.workflowId}' AND ExecutionStatus = 'Running'`,
        }))
          return true;
        return false;
      });
      const summary = await new ForeshockClient({
        client,
        taskQueue: TASK_QUEUE,
        config: {
          ...config,
          failure_injection_profile: { ...config.failure_injection_profile, cooldown: 0 },
        },
      }).runCycle();
      assert.deepEqual(summary.running, ['orders-db-2']);
      assert.equal(summary.injections.length, 0, JSON.stringify(summary));
      assert.ok(
        summary.skipped.some((s) => s.reason === 'max_concurrent'),
        JSON.stringify(summary),
      );
    } finally {
      await manual.cancel();
      await manual.result().catch(() => undefined);
    }
    assert.equal(agent.core.activeCount(), 0);
  });

  it('halt pauses every foreshock schedule, cancels running injections, and every fault is gone within 2 s; resume undoes the pause', async () => {
    const handle = await foreshock.startInjection({
      resource: 'orders-db',
      mode: 'network_latency',
      params: { latency: '200ms', duration: '60s' },
      durationMs: 60_000,
      monitorIntervalMs: 250,
      leaseMs: 30_000,
    });
    await waitUntil('watching', async () => (await handle.query(statusQuery)).phase === 'watching');
    assert.ok((await probe(proxyAddress)).ms >= 180, 'the fault is live before the halt');
    const report = await foreshock.halt({ reason: 'test' });
    assert.ok(
      report.faultsGoneAfterMs !== undefined && report.faultsGoneAfterMs <= 2000,
      JSON.stringify(report),
    );
    assert.ok(report.cancelledWorkflows.includes(handle.workflowId));
    assert.equal(agent.core.activeCount(), 0);
    assert.ok((await probe(proxyAddress)).ms < 190, 'the proxy is fast again');
    const ids = scheduleIds(TASK_QUEUE);
    for (const id of [ids.cycle, ids.training]) {
      assert.equal((await client.schedule.getHandle(id).describe()).state.paused, true, `${id} paused`);
    }
    await waitUntil('cancelled', async () => (await handle.describe()).status.name === 'CANCELLED');
    const resumed = await foreshock.resume();
    assert.deepEqual(resumed.resumedSchedules.sort(), [ids.cycle, ids.training].sort());
    assert.equal((await client.schedule.getHandle(ids.cycle).describe()).state.paused, false);
    for (const id of [ids.cycle, ids.training]) await client.schedule.getHandle(id).delete();
  });
});
