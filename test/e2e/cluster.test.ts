// foreshock on a real Temporal cluster, first part of issue 13's end-to-end check: two Temporal
// nodes on PostgreSQL, two foreshock workers (the config worker, store.kind postgres) each on its
// own node, injections (dry runs: no agent) started through both nodes. Every outcome lands in the
// shared PostgreSQL store exactly once; a Temporal node is SIGKILLed mid-run and every workflow
// still finishes; the store's cooldown view is the same from both workers.
// Then real faults: three agent hosts in their own network namespaces, a latency fault on each,
// a Temporal node SIGKILLed while they run: every fault rolled back and verified, none left at
// any agent (0 orphaned faults), no namespace or link left.
// Not yet here: worker and agent kills, schedules, model sharing through training.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { TemporalCluster } from '../../src/testing/cluster';
import { loadConfig } from '../../src/config/loader';
import { createConfigWorker } from '../../src/worker/main';
import { main } from '../../src/cli/main';
import { openPostgresStores, createStoreHistoryActivities, type Stores } from '../../src/store';
import { pidAlive } from '../../src/demo/processes';
import type { injectionWorkflow } from '../../src/workflows/injection';
import { TestHosts } from '../../src/testing/netns';
import { makeTestCertificates } from '../../src/testing/tls';
import { AgentRouter } from '../../src/inject/agent-router';
import type { InjectionOutcome } from '../../src/workflows/types';

const TASK_QUEUE = 'foreshock-e2e-cluster';
const TOKEN = randomBytes(32).toString('base64url');
const SERVICE = `require('node:http').createServer((q, s) => s.end(process.argv[1])).listen(8080, '127.0.0.1')`;

describe('foreshock on a two-node Temporal cluster with the PostgreSQL store', { timeout: 3_000_000 }, () => {
  let cluster: TemporalCluster;
  let workDir: string;
  let stores: Stores;
  let hosts: TestHosts;
  let router: AgentRouter;
  const workers: { worker: Worker; running: Promise<void>; connection: NativeConnection }[] = [];
  let counter = 0;

  before(
    async () => {
      cluster = await TemporalCluster.start({ nodes: 2 });
      workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-e2e-cluster-'));
      hosts = await TestHosts.create(3, 'host');
      const certs = makeTestCertificates(
        workDir,
        hosts.hosts.map((h) => h.address),
      );
      await cluster.postgres.createDatabase('foreshock');
      const url = cluster.postgres.url('foreshock');
      const log = console.log;
      console.log = () => undefined;
      try {
        assert.equal(await main(['node', 'foreshock', 'db', 'migrate', '--url', url]), 0);
      } finally {
        console.log = log;
      }
      const file = path.join(workDir, 'foreshock.yaml');
      writeFileSync(
        file,
        [
          'prometheus: { url: "http://127.0.0.1:9" }',
          'failure_injection_profile: { injection_frequency: 1h }',
          `store: { kind: postgres, url: "${url}" }`,
          'agent:',
          `  url: https://${hosts.hosts[0]!.address}:7070`,
          // beyond loopback the agents speak TLS: one throwaway certificate names every host
          `  tls: { certFile: "${certs.cert}", keyFile: "${certs.key}", caFile: "${certs.ca}" }`,
          '  hosts:',
          ...hosts.hosts.map((h) => `    ${h.name}: https://${h.address}:7070`),
          'resources:',
          ...[0, 1, 2, 3].map((i) => `  - { name: svc-${i}, type: svc, host: host${i % 3} }`),
          ...hosts.hosts.map(
            (h, i) =>
              `  - { name: web-${i}, type: svc, host: ${h.name}, proxy: { listen: "${h.address}:18080", upstream: "127.0.0.1:8080" } }`,
          ),
        ].join('\n') + '\n',
      );
      const { config } = await loadConfig(file);
      for (const h of hosts.hosts) {
        hosts.spawn(h, process.execPath, ['-e', SERVICE, h.name], { stdio: 'ignore' });
        await hosts.startAgent(h, file, TOKEN, path.join(workDir, h.name));
      }
      router = AgentRouter.fromConfig(config, { token: TOKEN, timeoutMs: 4000 });
      for (const address of cluster.addresses) {
        const connection = await NativeConnection.connect({ address });
        const worker = await createConfigWorker({
          config,
          agentToken: TOKEN,
          target: { nativeConnection: async () => connection, namespace: 'default', taskQueue: TASK_QUEUE },
        });
        workers.push({ worker, connection, running: worker.run() });
      }
      stores = await openPostgresStores({ url });
    },
    { timeout: 1_800_000 },
  );

  after(async () => {
    for (const w of workers) w.worker.shutdown();
    for (const w of workers) await w.running.catch(() => undefined);
    for (const w of workers) await w.connection.close();
    await stores?.close();
    if (cluster) {
      const pids = cluster.pids();
      await cluster.stop();
      assert.deepEqual(pids.filter(pidAlive), [], 'no server node left');
    }
    if (hosts) {
      await hosts.destroy();
      assert.deepEqual(await hosts.leftovers(), [], 'no namespace, link or address left');
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function inject(address: string, n: number): Promise<string[]> {
    const connection = await Connection.connect({ address });
    try {
      const client = new Client({ connection });
      const handles = await Promise.all(
        Array.from({ length: n }, async (_, i) =>
          client.workflow.start<typeof injectionWorkflow>('injectionWorkflow', {
            taskQueue: TASK_QUEUE,
            workflowId: `e2e-cluster-${process.pid}-${++counter}`,
            args: [
              {
                resource: `svc-${i % 4}`,
                resourceType: 'svc',
                mode: 'network_latency',
                params: { latency: '100ms', duration: '1s' },
                durationMs: 1000,
                dryRun: true,
                monitorIntervalMs: 250,
                leaseMs: 3000,
              },
            ],
          }),
        ),
      );
      const outcomes = await Promise.all(handles.map((h) => h.result()));
      return outcomes.map((o) => o.faultId);
    } finally {
      await connection.close();
    }
  }

  it('outcomes from both workers land once each in the shared store', async () => {
    const since = Date.now() - 60_000;
    const ids = [...(await inject(cluster.addresses[0]!, 4)), ...(await inject(cluster.addresses[1]!, 4))];
    const stored = await stores.history.outcomesSince(since);
    assert.deepEqual(stored.map((o) => o.faultId).sort(), [...ids].sort());
    assert.equal(new Set(stored.map((o) => o.faultId)).size, 8);
  });

  it('a SIGKILLed Temporal node: every workflow still finishes, every outcome is stored once', async () => {
    const since = Date.now() - 1000;
    const running = inject(cluster.addresses[1]!, 6);
    await new Promise((r) => setTimeout(r, 300));
    await cluster.kill(0);
    const ids = await running;
    const stored = (await stores.history.outcomesSince(since)).map((o) => o.faultId);
    assert.deepEqual(stored.filter((id) => ids.includes(id)).sort(), [...ids].sort(), 'each once');
    assert.equal(new Set(stored).size, stored.length);
    await cluster.restart(0);
  });

  it('both workers see the same cooldown history', async () => {
    const a = createStoreHistoryActivities(stores.history);
    const other = await openPostgresStores({ url: cluster.postgres.url('foreshock') });
    const b = createStoreHistoryActivities(other.history);
    const since = { sinceMs: Date.now() - 3_600_000 };
    // dry runs are not cooldowns: nothing to enforce, the same (empty) answer on both
    assert.deepEqual(await a.recentOutcomes(since), await b.recentOutcomes(since));
    assert.equal((await other.history.outcomesSince(since.sinceMs)).length, 14);
    await other.close();
  });

  it('real faults on three hosts survive a Temporal node SIGKILL: all rolled back, none orphaned', async () => {
    const connection = await Connection.connect({ address: cluster.addresses[1]! });
    try {
      const client = new Client({ connection });
      const handles = await Promise.all(
        hosts.hosts.map((h, i) =>
          client.workflow.start<typeof injectionWorkflow>('injectionWorkflow', {
            taskQueue: TASK_QUEUE,
            workflowId: `e2e-cluster-${process.pid}-${++counter}`,
            args: [
              {
                resource: `web-${i}`,
                resourceType: 'svc',
                mode: 'network_latency',
                params: { latency: '200ms', duration: '4s' },
                durationMs: 4000,
                monitorIntervalMs: 250,
                leaseMs: 5000,
              },
            ],
          }),
        ),
      );
      await new Promise((r) => setTimeout(r, 1000));
      await cluster.kill(0);
      const outcomes: InjectionOutcome[] = await Promise.all(handles.map((h) => h.result()));
      for (const o of outcomes) {
        assert.equal(o.dryRun, false);
        assert.equal(o.verified, true, `${o.resource}: the agent confirmed the fault is gone`);
      }
      const applied = (await router.listAll()).filter((l) => l.fault.phase === 'applied');
      assert.deepEqual(applied, [], '0 orphaned faults');
      const stored = (await stores.history.outcomesSince(Date.now() - 600_000)).map((o) => o.faultId);
      for (const o of outcomes) assert.equal(stored.filter((id) => id === o.faultId).length, 1);
      await cluster.restart(0);
    } finally {
      await connection.close();
    }
  });
});
