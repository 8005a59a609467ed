// foreshock on a real Temporal cluster, first part of issue 13's end-to-end check: two Temporal
// nodes on PostgreSQL, two foreshock workers (the config worker, store.kind postgres) each on its
// own node, injections (dry runs: no agent) started through both nodes. Every outcome lands in the
// shared PostgreSQL store exactly once; a Temporal node is SIGKILLed mid-run and every workflow
// still finishes; the store's cooldown view is the same from both workers.
// Not yet here (see docs/scaling.md): agents in namespaces, worker/agent kills, schedules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

const TASK_QUEUE = 'foreshock-e2e-cluster';

describe('foreshock on a two-node Temporal cluster with the PostgreSQL store', { timeout: 3_000_000 }, () => {
  let cluster: TemporalCluster;
  let workDir: string;
  let stores: Stores;
  const workers: { worker: Worker; running: Promise<void>; connection: NativeConnection }[] = [];
  let counter = 0;

  before(
    async () => {
      cluster = await TemporalCluster.start({ nodes: 2 });
      workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-e2e-cluster-'));
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
          'failure_injection_profile: { injection_frequency: 1h, dry_run: true }',
          `store: { kind: postgres, url: "${url}" }`,
          'resources:',
          ...[0, 1, 2, 3].map((i) => `  - { name: svc-${i}, type: svc }`),
        ].join('\n') + '\n',
      );
      const { config } = await loadConfig(file);
      for (const address of cluster.addresses) {
        const connection = await NativeConnection.connect({ address });
        const worker = await createConfigWorker({
          config,
          agentToken: 'unused-in-dry-runs',
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
});
