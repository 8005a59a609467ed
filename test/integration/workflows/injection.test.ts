// The injection saga on real servers: a real Temporal dev server (file-backed, so it can be
// restarted), a real Prometheus scraping a real gauge for guards, workers as child processes
// that the tests SIGKILL, and the real agent (startAgent) putting network latency into its
// in-line proxy in front of a real HTTP server process (with a failover twin).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DevServer } from '../../../src/worker/dev-server';
import { PrometheusServer } from '../../../src/testing/prometheus';
import { MetricsTarget } from '../../../src/testing/metrics-target';
import { waitUntil } from '../../../src/testing/ports';
import { FORESHOCK_WORKFLOWS_PATH } from '../../../src/worker/plugin';
import { abortUpdate, statusQuery, WORKFLOW_TASK_TIMEOUT } from '../../../src/workflows/messages';
import { faultIdFor, type injectionWorkflow } from '../../../src/workflows/injection';
import { MAX_FAILED_CHECKS } from '../../../src/activities/guards';
import { toolPaths } from '../../../src/tools';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FAILURE_TYPES, type InjectionInput, type InjectionOutcome } from '../../../src/workflows/types';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { AgentClient } from '../../../src/inject/client';
import type { FaultState } from '../../../src/inject/api';
import { resourceSchema } from '../../../src/config/schema';
import { freePort } from '../../../src/testing/ports';
import { NamedServer, probe } from './support/target';
import { WorkerProcess, type WorkerSettings } from './support/worker-process';
import { AgentGate } from './support/gate';

const TASK_QUEUE = 'foreshock-injection-test';
const GAUGE = 'foreshock_test_error_ratio';
const guard = { name: 'error-ratio', expr: `${GAUGE} > 0.5`, forMs: 0 };

describe('injection workflow on real servers', () => {
  let workDir: string;
  let server: DevServer;
  let connection: Connection;
  let client: Client;
  let target: MetricsTarget;
  let prometheus: PrometheusServer;
  let agent: RunningAgent;
  let agentClient: AgentClient;
  let primary: NamedServer;
  let failover: NamedServer;
  let proxyAddress: string;
  let prometheusProxy: string;
  let gate: AgentGate;
  let settings: WorkerSettings;
  const workers: WorkerProcess[] = [];
  let counter = 0;

  const startWorker = async () => {
    const worker = await WorkerProcess.start(settings);
    workers.push(worker);
    return worker;
  };
  const outcomes = (): InjectionOutcome[] => {
    try {
      return readFileSync(settings.outcomesFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as InjectionOutcome);
    } catch {
      return [];
    }
  };
  /** A task queue of its own keeps a test's special worker from sharing work with any other. */
  const start = (input: Partial<InjectionInput> = {}, taskQueue = TASK_QUEUE) =>
    client.workflow.start<typeof injectionWorkflow>('injectionWorkflow', {
      taskQueue,
      workflowId: `inject-test-${process.pid}-${++counter}`,
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
      args: [
        {
          resource: 'orders-db',
          resourceType: 'database',
          mode: 'network_latency',
          params: { latency: '200ms', duration: '3s' },
          durationMs: 3000,
          guards: [guard],
          monitorIntervalMs: 250,
          leaseMs: 3000,
          heartbeatTimeoutMs: 2000,
          ...input,
        },
      ],
    });
  const faultOf = (handle: {
    workflowId: string;
    firstExecutionRunId: string;
  }): Promise<FaultState | undefined> =>
    agentClient.get(faultIdFor(handle.workflowId, handle.firstExecutionRunId));
  /** Nothing of ours is left: no fault applied, the proxy is on its primary and fast again. */
  const assertClean = async () => {
    assert.equal(agent.core.activeCount(), 0, 'no fault is left applied');
    const answer = await probe(proxyAddress);
    assert.equal(answer.body, 'primary');
    assert.ok(answer.ms < 190, `the proxy is fast again (${answer.ms.toFixed(0)}ms)`);
  };
  const lastedMs = (fault: FaultState) => Date.parse(fault.revertedAt!) - Date.parse(fault.appliedAt);

  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-wf-'));
    target = await MetricsTarget.start();
    target.set(GAUGE, 0);
    prometheus = await PrometheusServer.start({ targets: [{ job: 'guards', targets: [target.address] }] });
    primary = await NamedServer.start('primary');
    failover = await NamedServer.start('failover');
    proxyAddress = `127.0.0.1:${await freePort()}`;
    prometheusProxy = `127.0.0.1:${await freePort()}`;
    agent = await startAgent({
      config: {
        resources: [
          resourceSchema.parse({
            name: 'orders-db',
            type: 'database',
            proxy: { listen: proxyAddress, upstream: primary.address, failover: failover.address },
          }),
          // The guards' own Prometheus, behind the agent's proxy, so a test can make it hang.
          resourceSchema.parse({
            name: 'prometheus',
            type: 'monitoring',
            proxy: { listen: prometheusProxy, upstream: new URL(prometheus.url).host },
          }),
        ],
      },
      listen: '127.0.0.1:0',
      stateDir: path.join(workDir, 'agent'),
      cgroupPrefix: `wftest-${process.pid}`,
    });
    agentClient = new AgentClient({ url: agent.url, token: agent.token });
    gate = await AgentGate.start(agent.url);
    server = await DevServer.start({ dbFile: path.join(workDir, 'temporal.db') });
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection });
    const bundle = await bundleWorkflowCode({ workflowsPath: FORESHOCK_WORKFLOWS_PATH, logger: undefined });
    const bundlePath = path.join(workDir, 'workflows.js');
    writeFileSync(bundlePath, bundle.code);
    settings = {
      address: server.address,
      taskQueue: TASK_QUEUE,
      agentUrl: gate.url,
      agentToken: agent.token,
      prometheusUrl: prometheus.url,
      outcomesFile: path.join(workDir, 'outcomes.jsonl'),
      bundlePath,
    };
    await prometheus.waitForSeries(`${GAUGE} == 0`);
  });

  after(async () => {
    for (const w of workers) await w.kill();
    await connection?.close();
    await server?.stop();
    await gate?.stop();
    await agent?.stop();
    await primary?.stop();
    await failover?.stop();
    await prometheus?.stop();
    await target?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('injects, watches for the whole window, rolls back (verified) and records the outcome', async () => {
    const worker = await startWorker();
    const handle = await start();
    await waitUntil('fault applied', async () => (await faultOf(handle))?.phase === 'applied');
    const slowed = await probe(proxyAddress);
    assert.ok(slowed.ms >= 180, `the latency fault is real (${slowed.ms.toFixed(0)}ms through the proxy)`);
    const outcome = await handle.result();
    await worker.stop();
    assert.equal(outcome.rollbackPath, 'duration_end');
    assert.equal(outcome.verdict, 'pass');
    assert.equal(outcome.breached, false);
    assert.equal(outcome.verified, true);
    const fault = (await faultOf(handle))!;
    assert.equal(fault.phase, 'reverted', 'the workflow, not the lease, removed the fault');
    assert.ok(
      lastedMs(fault) >= 2900 && lastedMs(fault) < 8000,
      `fault lasted ${lastedMs(fault)}ms for a 3s window`,
    );
    assert.ok(outcomes().some((o) => o.workflowId === handle.workflowId));
    const history = await handle.fetchHistory();
    assert.ok((history.events?.length ?? 0) < 60, `${history.events?.length} events`);
    await assertClean();
  });

  it('abort Update is validated, acknowledged, and rolls back; status Query shows the decisions', async () => {
    const worker = await startWorker();
    const handle = await start({ durationMs: 60_000, params: { latency: '200ms', duration: '60s' } });
    await waitUntil('watching', async () => (await handle.query(statusQuery)).phase === 'watching');
    assert.equal((await faultOf(handle))?.phase, 'applied');
    await assert.rejects(
      handle.executeUpdate(abortUpdate, { args: [{ reason: 'x'.repeat(600) }] }),
      (err: Error) => /500 characters/.test(String((err.cause as Error | undefined)?.message)),
    );
    const ack = await handle.executeUpdate(abortUpdate, { args: [{ reason: 'operator said stop' }] });
    assert.deepEqual(ack, { acknowledged: true, phase: 'watching' });
    const outcome = await handle.result();
    assert.equal(outcome.rollbackPath, 'aborted');
    assert.equal((await faultOf(handle))?.phase, 'reverted');
    const status = await handle.query(statusQuery);
    assert.equal(status.phase, 'done');
    assert.ok(
      status.decisions.some((d) => d.includes('operator said stop')),
      status.decisions.join('\n'),
    );
    await assert.rejects(handle.executeUpdate(abortUpdate, { args: [{}] }));
    await worker.stop();
    await assertClean();
  });

  it('temporal workflow cancel runs the rollback, records the outcome, ends Canceled', async () => {
    const worker = await startWorker();
    const handle = await start({ durationMs: 60_000, params: { latency: '200ms', duration: '60s' } });
    await waitUntil('fault applied', async () => (await faultOf(handle))?.phase === 'applied');
    await handle.cancel();
    await assert.rejects(handle.result(), WorkflowFailedError);
    assert.equal((await handle.describe()).status.name, 'CANCELLED');
    assert.equal((await faultOf(handle))?.phase, 'reverted');
    assert.equal(outcomes().find((o) => o.workflowId === handle.workflowId)?.rollbackPath, 'cancelled');
    await worker.stop();
    await assertClean();
  });

  it('dry run records its decisions and injects nothing', async () => {
    const worker = await startWorker();
    const handle = await start({ dryRun: true, durationMs: 1500 });
    const outcome = await handle.result();
    await worker.stop();
    assert.equal(outcome.dryRun, true);
    assert.equal(outcome.rollbackPath, 'dry_run');
    assert.equal(await faultOf(handle), undefined, 'the agent never saw the fault');
    assert.ok(outcomes().some((o) => o.workflowId === handle.workflowId && o.dryRun));
  });

  it('bad input fails at once, non-retryably, naming the field and range; so does an agent refusal', async () => {
    const worker = await startWorker();
    const bad = await start({ monitorIntervalMs: 5 });
    const err = await bad.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(String((err.cause as Error).message), /monitorIntervalMs must be a number 100\.\.600000/);
    const refused = await start({ params: { latency: '90s', duration: '3s' } });
    const refusal = await refused.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    await worker.stop();
    assert.ok(refusal instanceof WorkflowFailedError);
    assert.match(String((refusal.cause as Error).message), /latency/);
    assert.equal((refusal.cause as { type?: string }).type, FAILURE_TYPES.invalidFaultParams);
    assert.equal(outcomes().find((o) => o.workflowId === refused.workflowId)?.rollbackPath, 'inject_failed');
    await assertClean();
  });

  it('abort without any input works, from the client and from the temporal CLI', async () => {
    const worker = await startWorker();
    try {
      const long = { durationMs: 60_000, params: { latency: '200ms', duration: '60s' } };
      const abortWith = {
        client: async (workflowId: string) => {
          const ack = await client.workflow.getHandle(workflowId).executeUpdate('abort');
          assert.equal((ack as { acknowledged: boolean }).acknowledged, true);
        },
        cli: async (workflowId: string) => {
          await promisify(execFile)(toolPaths().temporal, [
            'workflow',
            'update',
            'execute',
            '--address',
            server.address,
            '--name',
            'abort',
            '-w',
            workflowId,
          ]);
        },
      };
      for (const [how, abort] of Object.entries(abortWith)) {
        const handle = await start(long);
        await waitUntil('watching', async () => (await handle.query(statusQuery)).phase === 'watching');
        await abort(handle.workflowId);
        const outcome = await handle.result();
        assert.equal(outcome.rollbackPath, 'aborted', how);
        assert.equal(outcome.verdict, 'inconclusive', how);
        assert.equal((await faultOf(handle))?.phase, 'reverted', how);
      }
    } finally {
      await worker.stop();
    }
    await assertClean();
  });

  it('NaN, a "1s" string and a negative monitorIntervalMs fail the workflow at once, naming the field', async () => {
    const worker = await startWorker();
    for (const monitorIntervalMs of [Number.NaN, '1s', -250] as unknown as number[]) {
      const startedAt = Date.now();
      const handle = await start({ monitorIntervalMs });
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError, String(err));
      const cause = err.cause as Error & { type?: string; nonRetryable?: boolean };
      assert.match(cause.message, /monitorIntervalMs must be a number 100\.\.600000/);
      assert.equal(cause.type, FAILURE_TYPES.invalidInput);
      assert.equal((await handle.describe()).status.name, 'FAILED');
      assert.ok(Date.now() - startedAt < 10_000, `failed after ${Date.now() - startedAt}ms`);
      assert.equal(await faultOf(handle), undefined, 'nothing was injected');
    }
    const dry = await start({ dryRun: 'yes' as unknown as boolean });
    await assert.rejects(dry.result(), (e: unknown) =>
      /dryRun must be true or false/.test(String((e as WorkflowFailedError).cause?.message)),
    );
    await worker.stop();
  });

  it('a reused workflow id gets a fresh fault and each run its real outcome', async () => {
    const worker = await startWorker();
    const workflowId = `inject-test-${process.pid}-reused`;
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const handle = await client.workflow.start<typeof injectionWorkflow>('injectionWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId,
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
        args: [
          {
            resource: 'orders-db',
            mode: 'network_latency',
            params: { latency: '200ms', duration: '1500ms' },
            durationMs: 1500,
            guards: [guard],
            monitorIntervalMs: 250,
            leaseMs: 3000,
          },
        ],
      });
      const outcome = await handle.result();
      assert.equal(outcome.verdict, 'pass', JSON.stringify(outcome));
      assert.equal(outcome.verified, true);
      assert.equal((await faultOf(handle))?.phase, 'reverted');
      runs.push(outcome.faultId);
    }
    await worker.stop();
    assert.notEqual(runs[0], runs[1]);
    await assertClean();
  });

  it('recordOutcome gives up after bounded retries; the outcome is still the result, with a note', async () => {
    const taskQueue = `${TASK_QUEUE}-unwritable-history`;
    const worker = await WorkerProcess.start({ ...settings, taskQueue, outcomesFile: workDir });
    workers.push(worker);
    const handle = await start({ durationMs: 1000, params: { latency: '200ms', duration: '1s' } }, taskQueue);
    const outcome = await handle.result();
    await worker.stop();
    assert.equal(outcome.verdict, 'pass');
    assert.match(outcome.note ?? '', /not written to the failure history after 5 attempts/);
    assert.equal((await faultOf(handle))?.phase, 'reverted');
    await assertClean();
  });

  it('a Prometheus that hangs (blackhole at the agent proxy) gets the fault removed within the documented bound', async () => {
    const taskQueue = `${TASK_QUEUE}-blind`;
    const worker = await WorkerProcess.start({
      ...settings,
      taskQueue,
      prometheusUrl: `http://${prometheusProxy}`,
    });
    workers.push(worker);
    const monitorIntervalMs = 250;
    const handle = await start(
      {
        monitorIntervalMs,
        leaseMs: 30_000,
        durationMs: 60_000,
        params: { latency: '200ms', duration: '60s' },
      },
      taskQueue,
    );
    await waitUntil('watching', async () => (await handle.query(statusQuery)).phase === 'watching');
    await new Promise((r) => setTimeout(r, 3 * monitorIntervalMs));
    const blind = `test-blind-${process.pid}`;
    await agentClient.apply({
      faultId: blind,
      resource: 'prometheus',
      mode: 'blackhole',
      params: { duration: '2m' },
      leaseSeconds: 120,
    });
    const blindedAt = Date.now();
    try {
      const outcome = await handle.result();
      const fault = (await faultOf(handle))!;
      const removedAfterMs = Date.parse(fault.revertedAt!) - blindedAt;
      // docs/workflows-operations.md: MAX_FAILED_CHECKS × (monitor interval + query timeout) + 2 s
      const queryTimeoutMs = Math.floor(0.8 * monitorIntervalMs);
      const boundMs = MAX_FAILED_CHECKS * (monitorIntervalMs + queryTimeoutMs) + 2000;
      console.log(`blind guards: fault removed ${removedAfterMs}ms after the blackhole (bound ${boundMs}ms)`);
      assert.equal(fault.phase, 'reverted', 'the workflow, not the 30 s lease, removed it');
      assert.ok(removedAfterMs <= boundMs, `removed after ${removedAfterMs}ms, bound ${boundMs}ms`);
      assert.equal(outcome.rollbackPath, 'immediate');
      assert.equal(outcome.verdict, 'inconclusive');
      assert.match(outcome.note ?? '', /guards could not be evaluated/);
    } finally {
      await agentClient.revert(blind);
      await worker.stop();
    }
    assert.equal((await agentClient.get(blind))?.phase, 'reverted');
    await assertClean();
  });

  describe('SIGKILL of the worker; a new worker finishes the saga', () => {
    // A long lease, so that only the workflow (not the agent's lease) can have removed the fault.
    const crashInput = { leaseMs: 30_000, durationMs: 3000, params: { latency: '200ms', duration: '3s' } };

    it('(a) right after inject', async () => {
      const first = await startWorker();
      const handle = await start(crashInput);
      await waitUntil('fault applied', async () => (await faultOf(handle))?.phase === 'applied', {
        intervalMs: 20,
      });
      await first.kill();
      const second = await startWorker();
      const outcome = await handle.result();
      await second.stop();
      assert.equal((await faultOf(handle))?.phase, 'reverted');
      assert.equal(outcome.verified, true);
      assert.ok(outcomes().some((o) => o.workflowId === handle.workflowId));
      await assertClean();
    });

    it('(b) mid-monitor: the watch resumes from its heartbeat on the new worker', async () => {
      const first = await startWorker();
      const handle = await start({ ...crashInput, durationMs: 5000 });
      await waitUntil('watching', async () => (await handle.query(statusQuery)).phase === 'watching');
      await new Promise((r) => setTimeout(r, 1000));
      await first.kill();
      const second = await startWorker();
      const outcome = await handle.result();
      await second.stop();
      const fault = (await faultOf(handle))!;
      assert.equal(fault.phase, 'reverted');
      assert.ok(
        lastedMs(fault) >= 4900,
        `the fault kept its 5s window across the crash (${lastedMs(fault)}ms)`,
      );
      assert.equal(outcome.rollbackPath, 'duration_end');
      assert.ok(outcomes().some((o) => o.workflowId === handle.workflowId));
      await assertClean();
    });

    it('(c) mid-rollback', async () => {
      const first = await startWorker();
      gate.blockReverts = true;
      gate.refusedReverts = 0;
      try {
        const handle = await start({ ...crashInput, durationMs: 1500 });
        await waitUntil('rollback refused once', async () => gate.refusedReverts > 0, { timeoutMs: 60_000 });
        assert.equal((await handle.query(statusQuery)).phase, 'rolling_back');
        await first.kill();
        assert.equal((await faultOf(handle))?.phase, 'applied');
        gate.blockReverts = false;
        const second = await startWorker();
        const outcome = await handle.result();
        await second.stop();
        assert.equal((await faultOf(handle))?.phase, 'reverted');
        assert.equal(outcome.verified, true);
        assert.ok(outcomes().some((o) => o.workflowId === handle.workflowId));
        await assertClean();
      } finally {
        gate.blockReverts = false;
      }
    });
  });

  it('no worker ever comes back: the lease reverts the fault within lease + 2 s', async () => {
    const worker = await startWorker();
    const leaseMs = 2000;
    const handle = await start({
      leaseMs,
      durationMs: 60_000,
      params: { latency: '200ms', duration: '60s' },
    });
    await waitUntil('watching', async () => (await handle.query(statusQuery)).phase === 'watching');
    await worker.kill();
    const killedAt = Date.now();
    const fault = await waitUntil(
      'lease expiry',
      async () => {
        const f = await faultOf(handle);
        return f?.phase === 'expired' ? f : undefined;
      },
      { timeoutMs: leaseMs + 5000, intervalMs: 50 },
    );
    const gone = Date.parse(fault.revertedAt!) - killedAt;
    assert.ok(gone <= leaseMs + 2000, `fault gone ${gone}ms after the kill (lease ${leaseMs}ms)`);
    await assertClean();
    await handle.terminate('test over: the lease already removed the fault');
  });

  it('the dev server stops and restarts mid-injection: the workflow completes and the fault is reverted', async () => {
    const worker = await startWorker();
    const handle = await start({
      leaseMs: 30_000,
      durationMs: 5000,
      params: { latency: '200ms', duration: '5s' },
    });
    await waitUntil('watching', async () => (await handle.query(statusQuery)).phase === 'watching');
    await server.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await server.start();
    const outcome = await handle.result();
    await worker.stop();
    assert.equal((await faultOf(handle))?.phase, 'reverted');
    assert.equal(outcome.verified, true);
    assert.ok(outcomes().some((o) => o.workflowId === handle.workflowId));
    await assertClean();
  });

  describe('a real guard breach in Prometheus triggers the rollback policy', () => {
    let worker: WorkerProcess;
    before(async () => {
      worker = await startWorker();
    });
    after(async () => {
      target.set(GAUGE, 0);
      await worker?.stop();
    });
    const breachWhenWatching = async (handle: {
      query: (q: typeof statusQuery) => Promise<{ phase: string }>;
    }) => {
      await waitUntil('watching', async () => (await handle.query(statusQuery)).phase === 'watching');
      target.set(GAUGE, 0.9);
    };
    const calm = async () => {
      target.set(GAUGE, 0);
      await prometheus.waitForSeries(`${GAUGE} == 0`);
    };

    it('immediate: the fault is removed at once', async () => {
      const handle = await start({ durationMs: 60_000, params: { latency: '200ms', duration: '60s' } });
      await breachWhenWatching(handle);
      const outcome = await handle.result();
      await calm();
      assert.equal(outcome.rollbackPath, 'immediate');
      assert.equal(outcome.verdict, 'breach');
      assert.equal(outcome.breached, true);
      assert.equal(outcome.breaches[0]?.guard, 'error-ratio');
      assert.equal((await faultOf(handle))?.phase, 'reverted');
      await assertClean();
    });

    it('graceful_degradation: steps the latency down until green, then removes the fault', async () => {
      const handle = await start({
        rollbackPolicy: 'graceful_degradation',
        durationMs: 60_000,
        params: { latency: '400ms', duration: '60s' },
      });
      await breachWhenWatching(handle);
      const stepped = await waitUntil(
        'first step down',
        async () => {
          const fault = await faultOf(handle);
          return fault?.phase === 'applied' && fault.params.latency === 200 ? fault : undefined;
        },
        { intervalMs: 50 },
      );
      const weaker = await probe(proxyAddress);
      assert.ok(weaker.ms >= 180 && weaker.ms < 380, `latency halved (${weaker.ms.toFixed(0)}ms)`);
      target.set(GAUGE, 0);
      const outcome = await handle.result();
      await calm();
      assert.equal(stepped.params.latency, 200, 'the first step halves the latency');
      assert.equal(outcome.rollbackPath, 'graceful_degradation');
      assert.equal((await faultOf(handle))?.phase, 'reverted');
      await assertClean();
    });

    it('automatic_failover: fails over, keeps the fault for its window, then restores the primary', async () => {
      const handle = await start({
        rollbackPolicy: 'automatic_failover',
        durationMs: 5000,
        params: { latency: '200ms', duration: '5s' },
      });
      await breachWhenWatching(handle);
      await waitUntil('failed over', async () => (await handle.query(statusQuery)).phase === 'failed_over');
      await waitUntil(
        'traffic on the failover upstream',
        async () => (await probe(proxyAddress)).body === 'failover',
      );
      assert.equal((await faultOf(handle))?.phase, 'applied', 'the fault stays on the primary');
      const outcome = await handle.result();
      await calm();
      assert.equal(outcome.rollbackPath, 'automatic_failover');
      const fault = (await faultOf(handle))!;
      assert.equal(fault.phase, 'reverted');
      assert.ok(lastedMs(fault) >= 4900, `the fault stayed for its window (${lastedMs(fault)}ms)`);
      await assertClean();
    });
  });
});
