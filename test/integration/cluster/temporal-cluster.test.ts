// A real two-node Temporal cluster on PostgreSQL (the official server, built into .tools by
// scripts/install-temporal-server.sh): both nodes SERVING, a workflow with a timer, an activity
// and a Foreshock* search attribute runs and is found through advanced visibility; node 0 is
// SIGKILLed and the cluster still runs workflows through node 1; node 0 restarts and serves
// again; teardown leaves no process and no folder.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TemporalCluster } from '../../../src/testing/cluster';
import { pidAlive } from '../../../src/demo/processes';
import { waitUntil } from '../../../src/testing/ports';
import type { clusterProbe } from './support/workflows';

const TASK_QUEUE = 'cluster-probe';

async function runProbe(address: string, id: string): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    return await client.workflow.execute<typeof clusterProbe>('clusterProbe', {
      taskQueue: TASK_QUEUE,
      workflowId: id,
      args: [id],
      workflowExecutionTimeout: '2 minutes',
    });
  } finally {
    await connection.close();
  }
}

describe('two-node Temporal cluster on PostgreSQL', { timeout: 3_000_000 }, () => {
  let cluster: TemporalCluster;
  let worker: Worker;
  let workerConnection: NativeConnection;
  let running: Promise<void>;

  // the first run on a fresh machine builds the server (scripts/install-temporal-server.sh): minutes
  before(
    async () => {
      cluster = await TemporalCluster.start({ nodes: 2 });
      workerConnection = await NativeConnection.connect({ address: cluster.addresses[1]! });
      worker = await Worker.create({
        connection: workerConnection,
        taskQueue: TASK_QUEUE,
        workflowsPath: require.resolve('./support/workflows'),
        activities: { echo: async (text: string) => `echo:${text}` },
      });
      running = worker.run();
    },
    { timeout: 1_800_000 },
  );

  after(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await workerConnection?.close();
    if (!cluster) return;
    const pids = cluster.pids();
    const dir = cluster.dir;
    await cluster.stop();
    assert.deepEqual(pids.filter(pidAlive), [], 'no server node left running');
    assert.equal(existsSync(dir), false, 'the cluster folder is gone');
  });

  it('both nodes serve; a workflow runs and advanced visibility finds it by a Foreshock* attribute', async () => {
    for (const node of cluster.nodes) await cluster.waitServing(node.index, 5000);
    assert.equal(await runProbe(cluster.addresses[0]!, 'probe-a'), 'echo:probe-a');
    const connection = await Connection.connect({ address: cluster.addresses[1]! });
    try {
      const client = new Client({ connection });
      const ids = await waitUntil(
        'the workflow in visibility',
        async () => {
          const found: string[] = [];
          for await (const w of client.workflow.list({ query: `ForeshockResource = "probe-a"` }))
            found.push(w.workflowId);
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      assert.deepEqual(ids, ['probe-a']);
    } finally {
      await connection.close();
    }
  });

  it('a SIGKILLed node does not stop the cluster; the node comes back', async () => {
    await cluster.kill(0);
    assert.equal(cluster.alive(0), false);
    const results = await Promise.all(
      ['after-kill-1', 'after-kill-2', 'after-kill-3'].map((id) => runProbe(cluster.addresses[1]!, id)),
    );
    assert.deepEqual(results, ['echo:after-kill-1', 'echo:after-kill-2', 'echo:after-kill-3']);
    await cluster.restart(0);
    assert.equal(await runProbe(cluster.addresses[0]!, 'after-restart'), 'echo:after-restart');
  });
});
