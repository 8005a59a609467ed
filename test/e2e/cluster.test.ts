// foreshock past one machine, issue 13's end-to-end check. Two Temporal nodes on PostgreSQL, two
// foreshock workers (`foreshock worker`, each its own process on its own node, store.kind
// postgres, each its own models folder), three agent hosts in their own network namespaces, a
// real Prometheus for telemetry.
// 1. A model trained on one worker is used by the other: forecasterTraining runs while only
//    worker A polls; then A stops and a cycle served by B reports that model (kind and version
//    from the PostgreSQL ModelStore; B's own models folder holds nothing).
// 2. Cycles run from the Temporal Schedule `schedule apply` defines; at moments drawn from a
//    seeded generator (seed printed; FORESHOCK_E2E_SEED replays it) a server node, a worker and
//    an agent are SIGKILLed by the pid the test started and started again. Afterwards: 0
//    orphaned faults (no agent holds an active fault, proxies add no delay, services run), 0
//    unfinished workflows, every injection recorded once, and from the PostgreSQL history no
//    resource injected twice inside its cooldown and never more than max_concurrent at once.
// Teardown asserts nothing is left: no process, namespace, link, address or temp folder.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TemporalCluster } from '../../src/testing/cluster';
import { PrometheusServer } from '../../src/testing/prometheus';
import { TestHosts } from '../../src/testing/netns';
import { makeTestCertificates } from '../../src/testing/tls';
import { loadConfig } from '../../src/config/loader';
import { main } from '../../src/cli/main';
import { openPostgresStores, type Stores } from '../../src/store';
import { pidAlive } from '../../src/demo/processes';
import { AgentRouter } from '../../src/inject/agent-router';
import { applySchedules, scheduleDefinitions, scheduleIds } from '../../src/client/schedules';
import type { forecasterTraining } from '../../src/workflows/training';
import type { chaosCycle } from '../../src/workflows/cycle';
import { cooldownViolations, maxOverlap, seededRandom, sleep, WorkerProcess } from './support/chaos';

const TASK_QUEUE = 'foreshock-e2e-cluster';
const TOKEN = randomBytes(32).toString('base64url');
const SERVICE = `require('node:http').createServer((q, s) => s.end(process.argv[1])).listen(8080, '127.0.0.1')`;
const EVERY_MS = 10_000;
const CHAOS_MS = 60_000;
const COOLDOWN_MS = 12_000;
const MAX_CONCURRENT = 2;
const SEED = Number(process.env.FORESHOCK_E2E_SEED ?? Math.floor(Math.random() * 2 ** 31));
const EventType = temporal.api.enums.v1.EventType;

/** Milliseconds for one GET through a host's proxy. */
function timedGet(url: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - t0));
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error(`${url}: timed out`));
      })
      .on('error', reject);
  });
}

function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

describe(
  'foreshock on a two-node Temporal cluster: shared store, three hosts, SIGKILLs',
  { timeout: 900_000 },
  () => {
    let cluster: TemporalCluster | undefined;
    let hosts: TestHosts | undefined;
    let prometheus: PrometheusServer | undefined;
    let workDir: string | undefined;
    let stores: Stores;
    let router: AgentRouter;
    let connection: Connection;
    let client: Client;
    let cycleFile: string;
    let trainFile: string;
    const agents: ChildProcess[] = [];
    const services: ChildProcess[] = [];
    const workers: WorkerProcess[] = [];
    const folders: string[] = [];

    before(
      async () => {
        workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-e2e-cluster-'));
        folders.push(workDir);
        cluster = await TemporalCluster.start({ nodes: 2 });
        folders.push(cluster.dir, cluster.postgres.dir);
        hosts = await TestHosts.create(3, 'host');
        const promDir = path.join(workDir, 'prometheus');
        mkdirSync(promDir);
        prometheus = await PrometheusServer.start({ targets: [], dataDir: promDir });
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
        const dir = workDir;
        const configText = (name: string, address: string, window: string) =>
          [
            `temporal: { address: "${address}", namespace: default, taskQueue: ${TASK_QUEUE} }`,
            `prometheus: { url: "${prometheus!.url}", ${window} }`,
            'failure_injection_profile:',
            `  injection_frequency: ${EVERY_MS / 1000}s`,
            '  severity_threshold: low',
            `  max_concurrent: ${MAX_CONCURRENT}`,
            `  cooldown: ${COOLDOWN_MS / 1000}s`,
            '  monitor_interval: 500ms',
            '  lease: 3s',
            `store: { kind: postgres, url: "${url}" }`,
            `history: { incidents: "${path.join(dir, name, 'incidents.jsonl')}", outcomes: "${path.join(dir, name, 'outcomes.jsonl')}" }`,
            `models: { dir: "${path.join(dir, name, 'models')}" }`,
            'agent:',
            `  url: https://${hosts!.hosts[0]!.address}:7070`,
            // beyond loopback the agents speak TLS: one throwaway certificate names every host
            `  tls: { certFile: "${certs.cert}", keyFile: "${certs.key}", caFile: "${certs.ca}" }`,
            '  hosts:',
            ...hosts!.hosts.map((h) => `    ${h.name}: https://${h.address}:7070`),
            'resources:',
            // time() is a steady ramp: a net learns it, and the last value never keeps up with it
            ...hosts!.hosts.map(
              (h, i) =>
                `  - { name: web-${i}, type: svc, host: ${h.name}, telemetry: { latency: "time()" }, proxy: { listen: "${h.address}:18080", upstream: "127.0.0.1:8080" } }`,
            ),
            'resource_failure_modes:',
            '  - resource_type: svc',
            '    failure_modes: [network_latency]',
            '    injection_parameters: { network_latency: { latency: 200ms, duration: 4s } }',
          ].join('\n') + '\n';
        const write = (name: string, address: string, window: string) => {
          mkdirSync(path.join(dir, name));
          const file = path.join(dir, `${name}.yaml`);
          writeFileSync(file, configText(name, address, window));
          return file;
        };
        // cycles see 7 points (1m at 10s): too few for Holt-Winters to contest a stored net
        const cycleWindow = 'step: 10s, lookback: 1m';
        cycleFile = write('cycle', cluster.addresses[0]!, cycleWindow);
        trainFile = write('train', cluster.addresses[0]!, 'step: 1s, lookback: 2m');
        const workerFiles = cluster.addresses.map((address, i) =>
          write(`worker-${'ab'[i]}`, address, cycleWindow),
        );
        const { config } = await loadConfig(cycleFile);
        for (const h of hosts.hosts) {
          services.push(hosts.spawn(h, process.execPath, ['-e', SERVICE, h.name], { stdio: 'ignore' }));
          agents.push(await hosts.startAgent(h, cycleFile, TOKEN, path.join(dir, h.name)));
        }
        router = AgentRouter.fromConfig(config, { token: TOKEN, timeoutMs: 4000 });
        stores = await openPostgresStores({ url });
        connection = await Connection.connect({ address: cluster.addresses[0]! });
        client = new Client({ connection });
        workerFiles.forEach((file, i) => {
          workers.push(new WorkerProcess('ab'[i]!, file, TOKEN, path.join(dir, `worker-${'ab'[i]}.log`)));
        });
        await workers[0]!.start();
      },
      { timeout: 600_000 },
    );

    after(async () => {
      const pids = [
        ...workers.flatMap((w) => w.pids),
        ...agents.map((a) => a.pid!),
        ...services.map((s) => s.pid!),
        ...(prometheus?.pid ? [prometheus.pid] : []),
        ...(cluster ? [...cluster.pids(), cluster.postgres.pid] : []),
      ];
      for (const w of workers) await w.stop();
      await connection?.close();
      await stores?.close();
      await hosts?.destroy();
      await prometheus?.stop();
      await cluster?.stop();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      assert.deepEqual(pids.filter(pidAlive), [], 'no process left');
      if (hosts) assert.deepEqual(await hosts.leftovers(), [], 'no namespace, link or address left');
      assert.deepEqual(folders.filter(existsSync), [], 'no temp folder left');
    });

    /** Activity type → identities of the workers that started it, from the workflow's history. */
    async function activityWorkers(workflowId: string, runId?: string): Promise<Map<string, string[]>> {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const types = new Map<string, string>();
      const out = new Map<string, string[]>();
      for (const e of history.events ?? []) {
        if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
          types.set(String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
        if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
          const attributes = e.activityTaskStartedEventAttributes;
          const type = types.get(String(attributes?.scheduledEventId)) ?? '';
          out.set(type, [...(out.get(type) ?? []), attributes?.identity ?? '']);
        }
      }
      return out;
    }

    /** Which of our workers an identity (`pid@host`) belongs to. */
    const workerOf = (identity: string) =>
      workers.find((w) => w.pids.includes(Number(identity.split('@')[0])))?.name ?? `? ${identity}`;

    it('a model trained on worker A is read from the PostgreSQL store by worker B', async () => {
      const [a, b] = workers as [WorkerProcess, WorkerProcess];
      const trainingId = `e2e-cluster-training-${process.pid}`;
      const results = await client.workflow.execute<typeof forecasterTraining>('forecasterTraining', {
        taskQueue: TASK_QUEUE,
        workflowId: trainingId,
        args: [{ configPath: trainFile, reason: 'e2e' }],
      });
      assert.equal(results.length, 1, JSON.stringify(results));
      const trained = results[0]!;
      assert.equal(trained.error, undefined, trained.error);
      assert.equal(trained.promoted, true, trained.promotion);
      const trainedBy = (await activityWorkers(trainingId)).get('trainModels') ?? [];
      assert.deepEqual(trainedBy.map(workerOf), ['a'], 'trained on A');
      const stored = await stores.models.loadPromoted({ resourceType: 'svc', signal: 'latency' });
      assert.equal(stored?.version, trained.version);
      assert.equal(stored?.kind, trained.kind);

      await b.start();
      await a.stop();
      const cycleId = `e2e-cluster-cycle-on-b-${process.pid}`;
      const summary = await client.workflow.execute<typeof chaosCycle>('chaosCycle', {
        taskQueue: TASK_QUEUE,
        workflowId: cycleId,
        args: [{ configPath: cycleFile, dryRun: true }],
      });
      const predictedBy = (await activityWorkers(cycleId)).get('collectAndPredict') ?? [];
      assert.deepEqual(predictedBy.map(workerOf), ['b'], 'predicted on B');
      assert.deepEqual(summary.model, { kind: stored!.kind, version: `svc/latency/v${stored!.version}` });
      const modelsOfB = path.join(workDir!, 'worker-b', 'models');
      assert.deepEqual(existsSync(modelsOfB) ? readdirSync(modelsOfB) : [], [], 'B has no model of its own');
      await a.start();
    });

    it('cycles from a schedule survive SIGKILLed server node, worker and agent: nothing orphaned, limits hold', async () => {
      console.log(`chaos seed ${SEED} (FORESHOCK_E2E_SEED=${SEED} replays the kill plan)`);
      const random = seededRandom(SEED);
      const t0 = Date.now();
      const { config } = await loadConfig(cycleFile);
      const definitions = scheduleDefinitions(config, TASK_QUEUE, { configPath: cycleFile });
      await applySchedules(client, definitions);
      const kinds = ['node', 'worker', 'agent'] as const;
      const plan = kinds
        .map((kind) => ({
          kind,
          atMs: 4000 + Math.floor(random() * 36_000),
          target: Math.floor(random() * (kind === 'agent' ? 3 : 2)),
          downMs: 1000 + Math.floor(random() * 3000),
        }))
        .sort((x, y) => x.atMs - y.atMs);
      for (const step of plan) {
        await sleep(t0 + step.atMs - Date.now());
        const at = Date.now() - t0;
        let note = '';
        if (step.kind === 'node') {
          await cluster!.kill(step.target);
          await sleep(step.downMs);
          await cluster!.restart(step.target);
        } else if (step.kind === 'worker') {
          await workers[step.target]!.kill();
          await sleep(step.downMs);
          await workers[step.target]!.start();
        } else {
          // the drawn host, unless another one holds a fault right now: its agent dies with it applied
          const holding = await router
            .listAll()
            .then((all) => all.filter((l) => l.fault.phase === 'applied').map((l) => l.fault.resource))
            .catch(() => [] as string[]);
          const busy = holding.map((r) => Number(r.replace('web-', '')));
          const target = busy.includes(step.target) || busy.length === 0 ? step.target : busy[0]!;
          note = ` (host ${target}, holding ${busy.filter((b) => b === target).length} active fault(s))`;
          const agent = agents[target]!;
          const exited = new Promise((r) => agent.once('exit', r));
          agent.kill('SIGKILL');
          await exited;
          await sleep(step.downMs);
          const host = hosts!.hosts[target]!;
          agents[target] = await hosts!.startAgent(host, cycleFile, TOKEN, path.join(workDir!, host.name));
        }
        console.log(
          `SIGKILL ${step.kind}${step.kind === 'agent' ? '' : ` ${step.target}`} at ${at} ms, down ${step.downMs} ms, back at ${Date.now() - t0} ms${note}`,
        );
      }
      await sleep(t0 + CHAOS_MS - Date.now());
      for (const id of Object.values(scheduleIds(TASK_QUEUE))) await client.schedule.getHandle(id).delete();

      // 0 unfinished workflows: once the schedule is gone, every run ends on its own
      const list = async (query: string) => {
        const out: WorkflowExecutionInfo[] = [];
        for await (const w of client.workflow.list({ query })) out.push(w);
        return out;
      };
      const deadline = Date.now() + 120_000;
      let running = await list(`ExecutionStatus = 'Running'`);
      while (running.length > 0 && Date.now() < deadline) {
        await sleep(1000);
        running = await list(`ExecutionStatus = 'Running'`);
      }
      assert.deepEqual(
        running.map((w) => w.workflowId),
        [],
        '0 unfinished workflows',
      );
      const since = new Date(t0 - 1000).toISOString();
      const cycles = await list(`WorkflowType = 'chaosCycle' AND StartTime >= '${since}'`);
      const injections = await list(`WorkflowType = 'injectionWorkflow' AND StartTime >= '${since}'`);
      assert.ok(cycles.length >= 3, `${cycles.length} cycles ran from the schedule`);
      for (const w of [...cycles, ...injections]) assert.equal(w.status.name, 'COMPLETED', w.workflowId);

      // 0 orphaned faults: no agent holds an active one, the proxies add no delay, the services run
      const active = (await router.listAll()).filter((l) => ['applied', 'applying'].includes(l.fault.phase));
      assert.deepEqual(
        active.map((l) => `${l.fault.resource}:${l.fault.faultId}`),
        [],
        '0 orphaned faults',
      );
      for (const h of hosts!.hosts) {
        const ms = [];
        for (let k = 0; k < 3; k++) ms.push(await timedGet(`http://${h.address}:18080/`));
        assert.ok(
          ms.sort((x, y) => x - y)[1]! < 150,
          `${h.name}'s proxy adds no latency: ${ms.join(', ')} ms`,
        );
      }
      for (const s of services) assert.match(processState(s.pid!), /[RS]/, 'service running, not stopped');

      // every injection recorded once, verified gone
      const outcomes = (await stores.history.outcomesSince(t0 - 1000)).filter((o) => !o.dryRun);
      const faultIds = outcomes.map((o) => o.faultId);
      assert.equal(new Set(faultIds).size, faultIds.length, 'no outcome twice');
      assert.deepEqual(outcomes.map((o) => o.workflowId).sort(), injections.map((w) => w.workflowId).sort());
      for (const o of outcomes) assert.equal(o.verified, true, `${o.faultId} verified gone`);

      // cooldown and max_concurrent across both workers, from the shared history
      assert.ok(outcomes.length >= 3, `${outcomes.length} injections`);
      const resources = outcomes.map((o) => o.resource);
      assert.ok(
        new Set(resources).size < resources.length,
        'some resource injected twice: the cooldown was tested',
      );
      assert.deepEqual(
        cooldownViolations(outcomes, COOLDOWN_MS),
        [],
        'no resource twice inside its cooldown',
      );
      assert.ok(maxOverlap(outcomes) <= MAX_CONCURRENT, `at most ${MAX_CONCURRENT} at once`);
      const summaries = await Promise.all(
        cycles.map((w) => client.workflow.getHandle<typeof chaosCycle>(w.workflowId, w.runId).result()),
      );
      const reasons = new Set(summaries.flatMap((s) => s.skipped.map((k) => k.reason)));
      assert.ok(reasons.has('cooldown') && reasons.has('max_concurrent'), [...reasons].join(','));
      // both workers took part: the limits held across them, not inside one
      const served = new Map<string, number>();
      for (const w of [...cycles, ...injections])
        for (const identities of (await activityWorkers(w.workflowId, w.runId)).values())
          for (const identity of identities)
            served.set(workerOf(identity), (served.get(workerOf(identity)) ?? 0) + 1);
      assert.deepEqual([...served.keys()].sort(), ['a', 'b'], JSON.stringify([...served]));
      const gaps = cooldownViolations(outcomes, Infinity).map((g) => g.gapMs);
      console.log(
        `${cycles.length} cycles, ${outcomes.length} injections, most at once ${maxOverlap(outcomes)}, smallest gap ${Math.min(...gaps)} ms, activities per worker ${JSON.stringify([...served])}, plan ${JSON.stringify(plan)}`,
      );
    });
  },
);
