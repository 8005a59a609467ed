// Three hosts for real: three Linux network namespaces joined to this one by veth pairs (the
// addresses only on those links), each with its own `foreshock agent` process and a small HTTP
// service on its loopback behind the agent's proxy. One worker on a dev server reaches the
// agents only through agent.hosts; a latency fault on each host's resource shows through that
// host's proxy, lands on that host's agent only, and is gone afterwards. Teardown leaves no
// namespace, link, address or process.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLocalTestEnvironment } from '../../../src/testing/temporal';
import { createForeshockWorker } from '../../../src/worker/worker';
import { AgentRouter } from '../../../src/inject/agent-router';
import { loadConfig } from '../../../src/config/loader';
import type { ForeshockConfig } from '../../../src/config/schema';
import type { injectionWorkflow } from '../../../src/workflows/injection';
import { TestHosts } from '../../../src/testing/netns';
import { waitForPort } from '../../../src/testing/ports';
import { makeTestCertificates } from '../../../src/testing/tls';
import { probe } from '../workflows/support/target';

const TOKEN = randomBytes(32).toString('base64url');
const TASK_QUEUE = 'foreshock-netns-hosts';
const SERVICE = `require('node:http').createServer((q, s) => s.end(process.argv[1])).listen(8080, '127.0.0.1')`;

describe('three agent hosts in their own network namespaces', { timeout: 600_000 }, () => {
  let hosts: TestHosts;
  let workDir: string;
  let config: ForeshockConfig;
  let router: AgentRouter;
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;

  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-netns-'));
    hosts = await TestHosts.create(3, 'host');
    const certs = makeTestCertificates(
      workDir,
      hosts.hosts.map((h) => h.address),
    );
    const yaml = [
      'prometheus: { url: "http://127.0.0.1:9" }',
      'failure_injection_profile: { injection_frequency: 1h }',
      'agent:',
      // no resource is on "local": the default agent URL is host0's, so listing asks only real agents
      `  url: https://${hosts.hosts[0]!.address}:7070`,
      // beyond loopback the agents speak TLS: one throwaway certificate names every host
      `  tls: { certFile: "${certs.cert}", keyFile: "${certs.key}", caFile: "${certs.ca}" }`,
      '  hosts:',
      ...hosts.hosts.map((h) => `    ${h.name}: https://${h.address}:7070`),
      'resources:',
      ...hosts.hosts.flatMap((h, i) => [
        `  - name: svc-${i}`,
        '    type: svc',
        `    host: ${h.name}`,
        `    proxy: { listen: "${h.address}:18080", upstream: "127.0.0.1:8080" }`,
      ]),
    ].join('\n');
    const file = path.join(workDir, 'foreshock.yaml');
    writeFileSync(file, yaml + '\n');
    config = (await loadConfig(file)).config;
    await Promise.all(
      hosts.hosts.map(async (h) => {
        hosts.spawn(h, process.execPath, ['-e', SERVICE, h.name], { stdio: 'ignore' });
        await hosts.startAgent(h, file, TOKEN, path.join(workDir, h.name));
        await waitForPort(7070, 10_000, h.address);
      }),
    );
    router = AgentRouter.fromConfig(config, { token: TOKEN, timeoutMs: 4000 });
    env = await createLocalTestEnvironment();
    worker = await createForeshockWorker({
      connection: env.nativeConnection as unknown as NativeConnection,
      taskQueue: TASK_QUEUE,
      agent: router,
      prometheus: { url: 'http://127.0.0.1:9' },
      outcomesFile: path.join(workDir, 'outcomes.jsonl'),
    });
    running = worker.run();
  });

  after(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    if (hosts) {
      await hosts.destroy();
      assert.deepEqual(await hosts.leftovers(), [], 'no namespace, link or address left');
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('each host serves its own service through its own proxy, reachable only over its link', async () => {
    for (const h of hosts.hosts) {
      const answer = await probe(`${h.address}:18080`);
      assert.equal(answer.body, h.name);
    }
  });

  for (const i of [0, 1, 2]) {
    it(`a latency fault on svc-${i} lands on host${i}'s agent only and is rolled back there`, async () => {
      const handle = await env.client.workflow.start<typeof injectionWorkflow>('injectionWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId: `netns-${hosts.tag}-${i}`,
        args: [
          {
            resource: `svc-${i}`,
            resourceType: 'svc',
            mode: 'network_latency',
            params: { latency: '300ms', duration: '3s' },
            durationMs: 3000,
            guards: [],
            monitorIntervalMs: 250,
            leaseMs: 3000,
          },
        ],
      });
      const target = hosts.hosts[i]!;
      const slow = await (async () => {
        for (let tries = 0; tries < 40; tries++) {
          const answer = await probe(`${target.address}:18080`);
          if (answer.ms >= 280) return answer;
          await new Promise((r) => setTimeout(r, 100));
        }
        return undefined;
      })();
      assert.ok(slow, `latency shows through ${target.name}'s proxy`);
      assert.equal(slow.body, target.name);
      const applied = (await router.listAll()).filter((l) => l.fault.phase === 'applied');
      assert.deepEqual(
        applied.map((l) => [l.fault.resource, l.agent === router.forResource(`svc-${i}`)]),
        [[`svc-${i}`, true]],
      );
      const outcome = await handle.result();
      assert.equal(outcome.verified, true);
      assert.deepEqual(
        (await router.listAll()).filter((l) => l.fault.phase === 'applied'),
        [],
        'no fault left on any host',
      );
      for (const h of hosts.hosts)
        assert.ok((await probe(`${h.address}:18080`)).ms < 250, `${h.name} fast again`);
    });
  }
});
