/**
 * `npm run -s bench -- crash --trials N`: randomized crash trials of the injection saga on
 * real servers (Temporal dev server, the real agent and its proxy, workers as child processes).
 * Each trial SIGKILLs the worker running the injection at a random point of a random phase —
 * right after inject, mid-monitor, or mid-rollback (reverts held back at a gate) — while a
 * standby worker carries on. The lease is long (30 s), so only the saga can remove the fault
 * in time. Last line: { trials, orphaned_faults, p50_revert_ms, max_revert_ms, ... }.
 *
 * revert_ms: from the moment the fault was due to go (its window end, or the kill if later)
 * until the agent had removed it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DevServer } from '../src/worker/dev-server';
import { FORESHOCK_WORKFLOWS_PATH } from '../src/worker/plugin';
import { startAgent } from '../src/inject/agent';
import { AgentClient } from '../src/inject/client';
import { resourceSchema } from '../src/config/schema';
import { freePort, waitUntil } from '../src/testing/ports';
import { statusQuery, WORKFLOW_TASK_TIMEOUT } from '../src/workflows/messages';
import { faultIdFor } from '../src/workflows/injection-input';
import { WorkerProcess, type WorkerSettings } from '../test/integration/workflows/support/worker-process';
import { AgentGate } from '../test/integration/workflows/support/gate';
import { NamedServer } from '../test/integration/workflows/support/target';
import { CleanupStack } from '../src/testing/cleanup';

type Phase = 'after_inject' | 'mid_monitor' | 'mid_rollback';
const PHASES: Phase[] = ['after_inject', 'mid_monitor', 'mid_rollback'];
const TASK_QUEUE = 'foreshock-crash-bench';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The identity of the worker that holds (or last held) the workflow's activity. */
async function workerOf(handle: WorkflowHandle): Promise<string | undefined> {
  const described = await handle.describe();
  const pending = described.raw.pendingActivities ?? [];
  const holder = pending.find((a) => a.lastWorkerIdentity)?.lastWorkerIdentity;
  if (holder) return holder;
  const history = await handle.fetchHistory();
  for (const event of [...(history.events ?? [])].reverse()) {
    const identity = event.activityTaskStartedEventAttributes?.identity;
    if (identity) return identity;
  }
  return undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { trials: { type: 'string', default: '10' }, seed: { type: 'string' } },
  });
  const trials = Number(values.trials);
  let seed = Number(values.seed ?? Date.now() % 1_000_000);
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-crash-bench-'));
  const cleanup = new CleanupStack();
  cleanup.push(() => rmSync(workDir, { recursive: true, force: true }));
  // Ctrl-C still stops every server and process this bench started.
  cleanup.runOnSignals();
  const workers = new Set<WorkerProcess>();
  try {
    const upstream = await NamedServer.start('primary');
    cleanup.push(() => upstream.stop());
    const agent = await startAgent({
      config: {
        resources: [
          resourceSchema.parse({
            name: 'orders-db',
            type: 'database',
            proxy: { listen: `127.0.0.1:${await freePort()}`, upstream: upstream.address },
          }),
        ],
      },
      listen: '127.0.0.1:0',
      stateDir: path.join(workDir, 'agent'),
      cgroupPrefix: `crashbench-${process.pid}`,
    });
    cleanup.push(() => agent.stop());
    const agentClient = new AgentClient({ url: agent.url, token: agent.token });
    const gate = await AgentGate.start(agent.url);
    cleanup.push(() => gate.stop());
    const server = await DevServer.start();
    cleanup.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection });
    const bundlePath = path.join(workDir, 'workflows.js');
    writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: FORESHOCK_WORKFLOWS_PATH })).code);
    const settings: WorkerSettings = {
      address: server.address,
      taskQueue: TASK_QUEUE,
      agentUrl: gate.url,
      agentToken: agent.token,
      prometheusUrl: 'http://127.0.0.1:1',
      outcomesFile: path.join(workDir, 'outcomes.jsonl'),
      bundlePath,
    };
    cleanup.push(async () => {
      for (const w of workers) await w.kill();
    });
    const spawnWorker = async () => {
      const worker = await WorkerProcess.start(settings);
      workers.add(worker);
      return worker;
    };
    await Promise.all([spawnWorker(), spawnWorker()]);

    const revertMs: number[] = [];
    const perPhase: Record<Phase, number> = { after_inject: 0, mid_monitor: 0, mid_rollback: 0 };
    let orphaned = 0;
    let unfinished = 0;
    for (let trial = 0; trial < trials; trial++) {
      const phase = PHASES[Math.floor(random() * PHASES.length)]!;
      perPhase[phase] += 1;
      const durationMs = phase === 'mid_rollback' ? 1000 : 3000;
      const workflowId = `crash-${process.pid}-${trial}`;
      gate.blockReverts = phase === 'mid_rollback';
      gate.refusedReverts = 0;
      const handle = await client.workflow.start('injectionWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId,
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
        args: [
          {
            resource: 'orders-db',
            mode: 'network_latency',
            params: { latency: '50ms', duration: durationMs },
            durationMs,
            monitorIntervalMs: 250,
            leaseMs: 30_000,
            heartbeatTimeoutMs: 2000,
          },
        ],
      });
      const faultId = faultIdFor(handle.workflowId, handle.firstExecutionRunId);
      const applied = await waitUntil(
        'fault applied',
        async () => {
          const f = await agentClient.get(faultId);
          return f?.phase === 'applied' ? f : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 10 },
      );
      if (phase === 'mid_monitor') {
        await waitUntil('watching', async () => (await handle.query(statusQuery)).phase === 'watching');
        await new Promise((r) => setTimeout(r, random() * 2000));
      } else if (phase === 'mid_rollback') {
        await waitUntil('a revert held at the gate', async () => gate.refusedReverts > 0, {
          timeoutMs: 30_000,
        });
        await new Promise((r) => setTimeout(r, random() * 300));
      }
      const identity = await workerOf(handle);
      const victim = [...workers].find((w) => identity === `test-worker-${w.pid}`) ?? [...workers][0]!;
      await victim.kill();
      const killedAt = Date.now();
      workers.delete(victim);
      const replacement = spawnWorker();
      if (phase === 'mid_rollback') setTimeout(() => (gate.blockReverts = false), random() * 500);
      const finished = await Promise.race([
        handle.result().then(
          () => true,
          () => true,
        ),
        new Promise<false>((r) => setTimeout(() => r(false), 25_000)),
      ]);
      if (!finished) unfinished += 1;
      const fault = await agentClient.get(faultId);
      if (!fault || fault.phase === 'applied') {
        orphaned += 1;
        await agentClient.revert(faultId).catch(() => undefined);
      } else if (fault.revertedAt) {
        const due = Math.max(killedAt, Date.parse(applied.appliedAt) + durationMs);
        revertMs.push(Math.max(0, Date.parse(fault.revertedAt) - due));
      }
      gate.blockReverts = false;
      await replacement;
      console.error(
        `trial ${trial + 1}/${trials}: ${phase}, fault ${fault?.phase ?? 'unknown'}, revert ${revertMs.at(-1) ?? '-'}ms`,
      );
    }
    const sorted = [...revertMs].sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        trials,
        orphaned_faults: orphaned,
        unfinished_workflows: unfinished,
        p50_revert_ms: percentile(sorted, 50),
        max_revert_ms: sorted.at(-1) ?? null,
        phases: perPhase,
        heartbeat_timeout_ms: 2000,
        lease_ms: 30_000,
      }),
    );
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
