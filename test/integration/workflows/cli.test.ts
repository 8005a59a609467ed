// `foreshock run` as a pipeline sees it, on real servers: a Temporal dev server, a real
// Prometheus scraping a real gauge for the guard, the real agent with its proxy, a worker, and
// the CLI as a child process. Exit codes: 0 pass, 3 breach, 4 inconclusive (here: --timeout),
// 1 when no address is configured (no --dev) or no worker polls the task queue.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { DevServer } from '../../../src/worker/dev-server';
import { PrometheusServer } from '../../../src/testing/prometheus';
import { MetricsTarget } from '../../../src/testing/metrics-target';
import { freePort, waitUntil } from '../../../src/testing/ports';
import { CleanupStack } from '../../../src/testing/cleanup';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { AgentClient } from '../../../src/inject/client';
import { configSchema } from '../../../src/config/schema';
import type { InjectionOutcome } from '../../../src/workflows/types';
import { NamedServer } from './support/target';
import { startBackgroundWorker } from '../../support/worker';

const ROOT = path.join(__dirname, '..', '..', '..');
const TASK_QUEUE = 'foreshock-cli-test';
const GAUGE = 'foreshock_cli_error_ratio';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function foreshock(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('foreshock run exit codes on real servers', () => {
  let workDir: string;
  let target: MetricsTarget;
  let prometheus: PrometheusServer;
  let upstream: NamedServer;
  let agent: RunningAgent;
  let server: DevServer;
  let configFile: string;
  let env: NodeJS.ProcessEnv;
  const raw = (taskQueue: string, withAddress = true) => ({
    temporal: {
      taskQueue,
      ...(withAddress ? {} : { devServer: { dbFile: path.join(workDir, 'never.db') } }),
    },
    prometheus: { url: prometheus.url },
    resources: [
      {
        name: 'orders-db',
        type: 'database',
        proxy: { listen: proxyAddress, upstream: upstream.address },
        guards: [{ name: 'errors', expr: `${GAUGE} > 0.5`, for: '0s' }],
      },
    ],
    failure_injection_profile: { injection_frequency: '1h', monitor_interval: '250ms', lease: '5s' },
    resource_failure_modes: [
      {
        resource_type: 'database',
        failure_modes: ['network_latency'],
        injection_parameters: { network_latency: { latency: '100ms', duration: '2s' } },
      },
    ],
  });
  let proxyAddress: string;
  const inject = ['--resource', 'orders-db', '--mode', 'network_latency'];
  const cleanup = new CleanupStack();

  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-cli-'));
    cleanup.push(() => rmSync(workDir, { recursive: true, force: true }));
    target = cleanup.stops(await MetricsTarget.start());
    target.set(GAUGE, 0);
    prometheus = cleanup.stops(
      await PrometheusServer.start({ targets: [{ job: 'cli', targets: [target.address] }] }),
    );
    upstream = cleanup.stops(await NamedServer.start('primary'));
    proxyAddress = `127.0.0.1:${await freePort()}`;
    configFile = path.join(workDir, 'foreshock.yaml');
    writeFileSync(configFile, JSON.stringify(raw(TASK_QUEUE)));
    const config = configSchema.parse(raw(TASK_QUEUE));
    agent = cleanup.stops(
      await startAgent({
        config: { resources: config.resources },
        listen: '127.0.0.1:0',
        stateDir: path.join(workDir, 'agent'),
        cgroupPrefix: `clitest-${process.pid}`,
      }),
    );
    server = cleanup.stops(await DevServer.start({ dbFile: path.join(workDir, 'temporal.db') }));
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanup.push(() => nativeConnection.close());
    cleanup.stops(
      await startBackgroundWorker({
        connection: nativeConnection,
        taskQueue: TASK_QUEUE,
        agent: new AgentClient({ url: agent.url, token: agent.token }),
        prometheus: { url: prometheus.url },
        outcomesFile: path.join(workDir, 'outcomes.jsonl'),
      }),
    );
    env = { ...process.env, TEMPORAL_ADDRESS: server.address };
    await prometheus.waitForSeries(`${GAUGE} == 0`);
  });

  after(() => cleanup.runAll());

  it('exits 0 when the window ran without a breach', async () => {
    const run = await foreshock(['run', configFile, ...inject], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as InjectionOutcome).verdict, 'pass');
    assert.equal(agent.core.activeCount(), 0);
  });

  it('exits 3 when a guard breached', async () => {
    target.set(GAUGE, 0.9);
    await prometheus.waitForSeries(`${GAUGE} > 0.5`);
    try {
      const run = await foreshock(['run', configFile, ...inject, '--duration', '30s'], env);
      assert.equal(run.code, 3, run.stderr);
      assert.equal((JSON.parse(run.stdout) as InjectionOutcome).verdict, 'breach');
    } finally {
      target.set(GAUGE, 0);
      await prometheus.waitForSeries(`${GAUGE} == 0`);
    }
    assert.equal(agent.core.activeCount(), 0);
  });

  it('exits 4 when --timeout runs out; the workflow is cancelled and the fault removed', async () => {
    const run = await foreshock(['run', configFile, ...inject, '--duration', '60s', '--timeout', '3s'], env);
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stderr, /did not finish within 3000ms/);
    await waitUntil('fault removed', async () => agent.core.activeCount() === 0, { timeoutMs: 15_000 });
  });

  it('exits 1 at once without a Temporal address unless --dev', async () => {
    const noAddress = path.join(workDir, 'no-address.yaml');
    writeFileSync(noAddress, JSON.stringify(raw(TASK_QUEUE, false)));
    const bare = { ...process.env };
    delete bare.TEMPORAL_ADDRESS;
    const run = await foreshock(['run', noAddress, ...inject], bare);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no Temporal address.*--dev/);
  });

  it('exits 1 at once when no worker polls the task queue', async () => {
    const lonely = path.join(workDir, 'lonely.yaml');
    writeFileSync(lonely, JSON.stringify(raw(`nobody-polls-${process.pid}`)));
    const run = await foreshock(['run', lonely, ...inject], env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no worker polls task queue "nobody-polls-/);
  });
});
