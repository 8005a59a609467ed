// One worker, two hosts: each host's agent (`startAgent` with `host`) serves only its own
// resource, the config lists the second agent under agent.hosts, and the worker's router
// sends every call for a resource to the agent of its host. Real dev server, real agents,
// real proxies in front of real HTTP server processes; halt reaches both agents.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLocalTestEnvironment } from '../../../src/testing/temporal';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { AgentRouter } from '../../../src/inject/agent-router';
import { resourceSchema, type ResourceConfig } from '../../../src/config/schema';
import { ForeshockClient } from '../../../src/client/foreshock-client';
import type { injectionWorkflow } from '../../../src/workflows/injection';
import type { InjectionInput } from '../../../src/workflows/types';
import { freePort, waitUntil } from '../../../src/testing/ports';
import { CleanupStack } from '../../../src/testing/cleanup';
import { NamedServer, probe } from './support/target';
import { startBackgroundWorker } from '../../support/worker';

const TASK_QUEUE = 'foreshock-hosts-test';
const TOKEN = 'hosts-test-token-0123456789abcdefghijklmnop';

describe('routing by resource host: one worker, an agent per host', () => {
  let workDir: string;
  let env: TestWorkflowEnvironment;
  let local: RunningAgent;
  let remote: RunningAgent;
  let router: AgentRouter;
  const proxies: Record<'web' | 'db', string> = { web: '', db: '' };
  let counter = 0;
  const cleanup = new CleanupStack();

  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-hosts-'));
    cleanup.push(() => rmSync(workDir, { recursive: true, force: true }));
    const web = cleanup.stops(await NamedServer.start('web'));
    const db = cleanup.stops(await NamedServer.start('db'));
    proxies.web = `127.0.0.1:${await freePort()}`;
    proxies.db = `127.0.0.1:${await freePort()}`;
    const resources: ResourceConfig[] = [
      resourceSchema.parse({
        name: 'web',
        type: 'svc',
        proxy: { listen: proxies.web, upstream: web.address },
      }),
      resourceSchema.parse({
        name: 'db',
        type: 'database',
        host: 'db-host',
        proxy: { listen: proxies.db, upstream: db.address },
      }),
    ];
    const [localPort, remotePort] = [await freePort(), await freePort()];
    const agentSection = {
      url: `http://127.0.0.1:${localPort}`,
      hosts: { 'db-host': `http://127.0.0.1:${remotePort}` },
    };
    // Each agent takes only its host's resources and, with no listen given, its URL's port.
    const startFor = (host: string, name: string) =>
      startAgent({
        config: { resources, agent: agentSection },
        host,
        token: TOKEN,
        stateDir: path.join(workDir, name),
        cgroupPrefix: `hoststest-${name}-${process.pid}`,
      });
    local = cleanup.stops(await startFor('local', 'local'));
    remote = cleanup.stops(await startFor('db-host', 'remote'));
    assert.equal(local.url, agentSection.url);
    assert.equal(remote.url, agentSection.hosts['db-host']);
    router = AgentRouter.fromConfig({ agent: agentSection, resources }, { token: TOKEN, timeoutMs: 4000 });

    env = await createLocalTestEnvironment();
    cleanup.push(() => env.teardown());
    cleanup.stops(
      await startBackgroundWorker({
        connection: env.nativeConnection,
        taskQueue: TASK_QUEUE,
        agent: router,
        // No guards in these runs, so Prometheus is never asked.
        prometheus: { url: 'http://127.0.0.1:9' },
        outcomesFile: path.join(workDir, 'outcomes.jsonl'),
      }),
    );
  });

  after(() => cleanup.runAll());

  const input = (resource: 'web' | 'db', durationMs: number): InjectionInput => ({
    resource,
    resourceType: resource === 'db' ? 'database' : 'svc',
    mode: 'network_latency',
    params: { latency: '300ms', duration: `${durationMs / 1000}s` },
    durationMs,
    guards: [],
    monitorIntervalMs: 250,
    leaseMs: 3000,
  });
  const start = (resource: 'web' | 'db', durationMs: number) =>
    env.client.workflow.start<typeof injectionWorkflow>('injectionWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `hosts-test-${process.pid}-${++counter}`,
      args: [input(resource, durationMs)],
    });

  async function assertNothingApplied(): Promise<void> {
    assert.equal(local.core.activeCount(), 0, 'the local agent holds no fault');
    assert.equal(remote.core.activeCount(), 0, 'the db host agent holds no fault');
    for (const address of [proxies.web, proxies.db]) {
      const answer = await probe(address);
      assert.ok(answer.ms < 250, `${address} is fast again (${answer.ms.toFixed(0)}ms)`);
    }
  }

  for (const [resource, holder] of [
    ['db', 'remote'],
    ['web', 'local'],
  ] as const) {
    it(`a fault on ${resource} lands on the ${holder} agent only, and is rolled back there`, async () => {
      const handle = await start(resource, 2500);
      const [holding, other] = holder === 'remote' ? [remote, local] : [local, remote];
      await waitUntil(`the ${holder} agent holds the fault`, async () => holding.core.activeCount() === 1, {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      assert.equal(other.core.activeCount(), 0, 'the other agent was not asked');
      const slow = await probe(proxies[resource]);
      assert.equal(slow.body, resource);
      assert.ok(slow.ms >= 280, `latency shows through ${resource}'s proxy (${slow.ms.toFixed(0)}ms)`);
      const listed = await router.listAll();
      assert.deepEqual(
        listed
          .filter((l) => l.fault.phase === 'applied')
          .map((l) => [l.fault.resource, l.agent === router.forResource(resource)]),
        [[resource, true]],
      );
      const outcome = await handle.result();
      assert.equal(outcome.rollbackPath, 'duration_end');
      assert.equal(outcome.verified, true);
      await assertNothingApplied();
    });
  }

  it('halt cancels injections on both hosts and confirms at both agents that every fault is gone', async () => {
    const handles = [await start('db', 60_000), await start('web', 60_000)];
    await waitUntil(
      'both agents hold a fault',
      async () => local.core.activeCount() === 1 && remote.core.activeCount() === 1,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    const foreshock = new ForeshockClient({ client: env.client, taskQueue: TASK_QUEUE, agent: router });
    const report = await foreshock.halt({ reason: 'hosts test', timeoutMs: 10_000 });
    assert.ok(report.faultsGoneAfterMs !== undefined, JSON.stringify(report));
    for (const handle of handles) assert.ok(report.cancelledWorkflows.includes(handle.workflowId));
    await assertNothingApplied();
  });
});
