/**
 * `npm run -s bench -- crash --trials N [--kill worker,agent,temporal,prometheus]`: randomized crash trials of the
 * injection saga on real servers (Temporal dev server, the real agent and its proxy, workers as
 * child processes). Each trial picks a component from --kill and SIGKILLs it at a random point
 * of a random phase — right after inject, mid-monitor, or mid-rollback (reverts held back at a
 * gate):
 *
 *   worker  the worker running the injection; a standby worker carries on. The fault is a
 *           network_latency on the proxy; the lease is long (30 s), so only the saga can remove
 *           it in time.
 *   agent   the agent itself (a `foreshock agent` process, restarted at once by a supervisor as
 *           systemd's Restart=always would). The fault is a cpu_throttle on a real process, a
 *           host change that outlives the agent: only the journal recovery of the restarted
 *           agent can undo it.
 *   temporal  the Temporal dev server (SIGKILL, restarted after 1 s on the same port and
 *           database file); the fault is a network_latency as for worker trials.
 *   prometheus  the Prometheus the bench started (only when --kill names it; it scrapes itself)
 *           and the injection's guard reads from (SIGKILL by its pid, restarted after 2 s on the
 *           same port and data directory). The fault is a network_latency with one guard: the
 *           guards go blind, so the watch removes the fault at once ("guards unavailable"), or
 *           the window ends first.
 *
 * Last line: { trials, orphaned_faults, per_component: { worker: {...}, agent: {...} }, ... }.
 * revert_ms (worker): from the moment the fault was due to go (its window end, or the kill if
 * later) until the agent had removed it. revert_ms (agent): from the kill until the restarted
 * agent had undone the fault from its journal (it does so before it listens). revert_ms
 * (prometheus): from the kill (the guards going blind) until the agent had removed the fault;
 * guards_blind_removals counts the trials whose workflow removed it because the guards were
 * unreadable (rollbackPath "immediate").
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DevServer } from '../src/worker/dev-server';
import { FORESHOCK_WORKFLOWS_PATH } from '../src/worker/plugin';
import { cgroupOf, Cgroups, detectCgroupLayout } from '../src/inject/cgroups';
import { SupervisedAgent } from './support/supervised-agent';
import { AgentClient } from '../src/inject/client';
import { freePort, waitUntil } from '../src/testing/ports';
import { statusQuery, WORKFLOW_TASK_TIMEOUT } from '../src/workflows/messages';
import { faultIdFor } from '../src/workflows/injection-input';
import { WorkerProcess, type WorkerSettings } from '../test/integration/workflows/support/worker-process';
import { AgentGate } from '../test/integration/workflows/support/gate';
import { NamedServer } from '../test/integration/workflows/support/target';
import { CleanupStack } from '../src/testing/cleanup';
import { PrometheusServer } from '../src/testing/prometheus';
import type { InjectionOutcome } from '../src/workflows/types';

type Phase = 'after_inject' | 'mid_monitor' | 'mid_rollback';
type Component = 'worker' | 'agent' | 'temporal' | 'prometheus';
const COMPONENTS: Component[] = ['worker', 'agent', 'temporal', 'prometheus'];
const PHASES: Phase[] = ['after_inject', 'mid_monitor', 'mid_rollback'];
const TASK_QUEUE = 'foreshock-crash-bench';
const PROMETHEUS_RESTART_MS = 2000;
/** Never red while Prometheus answers; unreadable (the fault must go) while it is down. */
const PROMETHEUS_GUARD = { name: 'prometheus-up', expr: 'up{job="prometheus"} == 0', forMs: 1000 };

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
    options: {
      trials: { type: 'string', default: '10' },
      seed: { type: 'string' },
      kill: { type: 'string', default: 'worker' },
    },
  });
  const trials = Number(values.trials);
  const kill = values.kill.split(',').map((k) => k.trim());
  const unknown = kill.filter((k) => !(COMPONENTS as string[]).includes(k));
  if (unknown.length > 0 || kill.length === 0) {
    console.error(
      `--kill ${values.kill}: supported components are ${COMPONENTS.join(', ')} (comma-separated, at least one)`,
    );
    process.exit(2);
  }
  const components = kill as Component[];
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
    // A real process for the agent trials' cpu_throttle: a shell that sleeps, in its own cgroup.
    const victim = spawn('sh', ['-c', 'while :; do sleep 1; done'], { stdio: 'ignore' });
    cleanup.push(async () => {
      victim.kill('SIGKILL');
    });
    const victimPidFile = path.join(workDir, 'victim.pid');
    writeFileSync(victimPidFile, `${victim.pid}\n`);
    const layout = detectCgroupLayout();
    const victimCgroup = layout ? cgroupOf(victim.pid!, 'cpu', layout) : undefined;
    const prefix = `crashbench-${process.pid}`;
    const configFile = path.join(workDir, 'agent.yaml');
    writeFileSync(
      configFile,
      [
        'prometheus: { url: http://127.0.0.1:9 }',
        'agent: { maxFaultsPerResource: 1 }',
        'resources:',
        `  - { name: orders-db, type: database, proxy: { listen: "127.0.0.1:${await freePort()}", upstream: "${upstream.address}" } }`,
        `  - { name: victim, type: worker, process: { pidFile: ${JSON.stringify(victimPidFile)} } }`,
        'failure_injection_profile: { injection_frequency: 1h }',
        '',
      ].join('\n'),
    );
    const agent = await SupervisedAgent.start(
      configFile,
      path.join(workDir, 'agent'),
      await freePort(),
      prefix,
    );
    cleanup.push(() => agent.stop());
    const agentClient = new AgentClient({ url: agent.url, token: agent.token });
    const leftovers = () => (layout ? new Cgroups(layout, prefix).leftovers() : []);
    const victimBack = () => !layout || cgroupOf(victim.pid!, 'cpu', layout) === victimCgroup;
    const gate = await AgentGate.start(agent.url);
    cleanup.push(() => gate.stop());
    // A database file, so that the server SIGKILLed in a temporal trial comes back with its history.
    const server = await DevServer.start({ dbFile: path.join(workDir, 'temporal.db') });
    cleanup.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection });
    // Started only for prometheus trials: the others keep an unreachable URL and no guards.
    const prometheusDir = path.join(workDir, 'prometheus');
    const prometheusPort = await freePort();
    const startPrometheus = () => {
      mkdirSync(prometheusDir, { recursive: true });
      return PrometheusServer.start({
        port: prometheusPort,
        dataDir: prometheusDir,
        targets: [{ job: 'prometheus', targets: [`127.0.0.1:${prometheusPort}`] }],
      });
    };
    let prometheus = components.includes('prometheus') ? await startPrometheus() : undefined;
    cleanup.push(() => prometheus?.stop());
    const bundlePath = path.join(workDir, 'workflows.js');
    writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: FORESHOCK_WORKFLOWS_PATH })).code);
    const settings: WorkerSettings = {
      address: server.address,
      taskQueue: TASK_QUEUE,
      agentUrl: gate.url,
      agentToken: agent.token,
      prometheusUrl: prometheus?.url ?? 'http://127.0.0.1:1',
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

    const stats = Object.fromEntries(
      components.map((c) => [
        c,
        {
          trials: 0,
          orphaned: 0,
          unfinished: 0,
          blind: 0,
          revertMs: [] as number[],
          phases: { after_inject: 0, mid_monitor: 0, mid_rollback: 0 } as Record<Phase, number>,
        },
      ]),
    ) as Record<
      Component,
      {
        trials: number;
        orphaned: number;
        unfinished: number;
        blind: number;
        revertMs: number[];
        phases: Record<Phase, number>;
      }
    >;
    for (let trial = 0; trial < trials; trial++) {
      const component = components[Math.floor(random() * components.length)]!;
      const phase = PHASES[Math.floor(random() * PHASES.length)]!;
      const stat = stats[component];
      stat.trials += 1;
      stat.phases[phase] += 1;
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
            ...(component === 'agent'
              ? { resource: 'victim', mode: 'cpu_throttle', params: { percent: 50, duration: durationMs } }
              : {
                  resource: 'orders-db',
                  mode: 'network_latency',
                  params: { latency: '50ms', duration: durationMs },
                }),
            ...(component === 'prometheus' ? { guards: [PROMETHEUS_GUARD] } : {}),
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
      let killedAt: number;
      let replacement: Promise<unknown> = Promise.resolve();
      let restarted: Promise<{ readyAt: number; recovered: number }> | undefined;
      if (component === 'agent') {
        restarted = agent.nextStart();
        killedAt = await agent.kill();
      } else if (component === 'temporal') {
        process.kill(server.pid!, 'SIGKILL');
        killedAt = Date.now();
        await waitUntil('the dev server to be gone', async () => !server.running, { intervalMs: 20 });
        // Restarted as a supervisor would, after a second, on the same port and database.
        replacement = new Promise((r) => setTimeout(r, 1000)).then(() => server.start());
        await replacement;
      } else if (component === 'prometheus') {
        const killed = prometheus!;
        process.kill(killed.pid!, 'SIGKILL');
        killedAt = Date.now();
        await waitUntil('Prometheus to be gone', async () => !killed.running, { intervalMs: 20 });
        // Restarted as a supervisor would, on the same port and data directory; the watch runs blind meanwhile.
        replacement = new Promise((r) => setTimeout(r, PROMETHEUS_RESTART_MS))
          .then(() => startPrometheus())
          .then((restarted) => (prometheus = restarted));
      } else {
        const identity = await workerOf(handle);
        const holder = [...workers].find((w) => identity === `test-worker-${w.pid}`) ?? [...workers][0]!;
        await holder.kill();
        killedAt = Date.now();
        workers.delete(holder);
        replacement = spawnWorker();
      }
      if (phase === 'mid_rollback') setTimeout(() => (gate.blockReverts = false), random() * 500);
      let outcome: InjectionOutcome | undefined;
      const finished = await Promise.race([
        handle.result().then(
          (result) => {
            outcome = result as InjectionOutcome;
            return true;
          },
          () => true,
        ),
        new Promise<false>((r) => setTimeout(() => r(false), 25_000)),
      ]);
      if (!finished) stat.unfinished += 1;
      if (outcome?.rollbackPath === 'immediate') stat.blind += 1;
      const fault = await agentClient.get(faultId).catch(() => undefined);
      if (component === 'agent') {
        const start = await restarted!;
        // The restarted agent knows nothing of the fault; the host must show no trace of it.
        if (!victimBack() || leftovers().length > 0 || fault?.phase === 'applied') {
          stat.orphaned += 1;
          await agentClient.revert(faultId).catch(() => undefined);
        } else {
          stat.revertMs.push(start.readyAt - killedAt);
        }
      } else if (!fault || fault.phase === 'applied') {
        stat.orphaned += 1;
        await agentClient.revert(faultId).catch(() => undefined);
      } else if (fault.revertedAt) {
        const due =
          component === 'prometheus'
            ? killedAt
            : Math.max(killedAt, Date.parse(applied.appliedAt) + durationMs);
        stat.revertMs.push(Math.max(0, Date.parse(fault.revertedAt) - due));
      }
      gate.blockReverts = false;
      await replacement;
      console.error(
        `trial ${trial + 1}/${trials}: kill ${component} ${phase}, fault ${fault?.phase ?? 'unknown to the agent'}, revert ${stat.revertMs.at(-1) ?? '-'}ms`,
      );
    }
    const perComponent = Object.fromEntries(
      Object.entries(stats).map(([component, s]) => {
        const sorted = [...s.revertMs].sort((a, b) => a - b);
        return [
          component,
          {
            trials: s.trials,
            orphaned_faults: s.orphaned,
            unfinished_workflows: s.unfinished,
            p50_revert_ms: s.revertMs.length ? percentile(sorted, 50) : null,
            max_revert_ms: sorted.at(-1) ?? null,
            phases: s.phases,
            ...(component === 'prometheus' ? { guards_blind_removals: s.blind } : {}),
          },
        ];
      }),
    );
    const all = Object.values(stats);
    console.log(
      JSON.stringify({
        trials,
        kill: components,
        orphaned_faults: all.reduce((n, s) => n + s.orphaned, 0),
        unfinished_workflows: all.reduce((n, s) => n + s.unfinished, 0),
        per_component: perComponent,
        agent_restarts: agent.starts.length - 1,
        // Host changes the restarted agents undid from their journals (the cpu_throttles the kills left).
        journal_recoveries: agent.starts.reduce((n, start) => n + start.recovered, 0),
        leftover_cgroups: leftovers().length,
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
