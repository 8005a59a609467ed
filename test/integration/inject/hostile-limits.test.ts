// Limits the agent keeps whoever asks: host-wide faults only where there is a host, the
// config's modes and strengths per resource type, one budget across all faults of the host,
// a control API and proxies that slow or idle clients cannot hold, and external tools that
// cannot hold a resource's lock. Real agent, sockets and processes; each test ends with nothing
// applied.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { resourceFailureModesSchema, resourceSchema } from '../../../src/config/schema';
import { defaultTools, startAgent, type RunningAgent } from '../../../src/inject/agent';
import { isAlive } from '../../../src/inject/proc';
import { DEFAULT_MAX_PROXY_CONNECTIONS, TcpProxy, parseHostPort } from '../../../src/inject/proxy/tcp-proxy';
import { waitUntil } from '../../../src/testing/ports';
import { callAgent, startEcho } from './support';

/** A connection to `port` that reports whether the proxy carried a ping back or closed it first. */
function probe(port: number): Promise<{ socket: net.Socket; echoed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write('ping'));
    socket.on('error', () => {});
    socket.once('data', () => resolve({ socket, echoed: true }));
    socket.once('close', () => resolve({ socket, echoed: false }));
  });
}

describe('inject: host limits hold against any caller', { timeout: 120_000 }, () => {
  let dir: string;
  let agent: RunningAgent;
  let echo: { address: string; stop(): Promise<void> };
  const call = (method: string, p: string, body?: unknown) => callAgent(agent, method, p, body);
  const apply = (faultId: string, resource: string, mode: string, params: Record<string, unknown>) =>
    call('POST', '/v1/faults', { faultId, resource, mode, params, leaseSeconds: 30 });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-hostile-limits-'));
    for (const v of ['v1', 'v2']) mkdirSync(path.join(dir, v));
    echo = await startEcho();
    agent = await startAgent({
      config: {
        agent: { budget: { disk: 3 * 1024 ** 2, memory: 1024 ** 3 } },
        resources: [
          resourceSchema.parse({
            name: 'edge',
            type: 'cache',
            proxy: { listen: '127.0.0.1:0', upstream: echo.address },
          }),
          resourceSchema.parse({ name: 'vol1', type: 'storage', disk: { path: path.join(dir, 'v1') } }),
          resourceSchema.parse({ name: 'vol2', type: 'storage', disk: { path: path.join(dir, 'v2') } }),
        ],
        resource_failure_modes: [
          resourceFailureModesSchema.parse({
            resource_type: 'cache',
            failure_modes: ['network_latency'],
            injection_parameters: { network_latency: { latency: '100ms', duration: '1m' } },
          }),
        ],
      },
      listen: '127.0.0.1:0',
      stateDir: path.join(dir, 'state'),
      cgroupPrefix: `hostile-limits-${process.pid}`,
      controlApi: { maxConnections: 20, headersTimeoutMs: 1000 },
      proxyMaxConnections: 20,
    });
  });

  after(async () => {
    await agent?.stop();
    await echo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses host-wide faults on a resource that is only a proxy', async () => {
    for (const [mode, params] of [
      ['cpu_stress', { workers: 1, load: 10, duration: '5s' }],
      ['memory_pressure', { size: '16MiB', duration: '5s' }],
    ] as const) {
      const answer = await apply(`host-${mode}`, 'edge', mode, params);
      assert.equal(answer.status, 400, mode);
      assert.equal(answer.body.field, 'mode');
    }
    assert.equal(agent.core.activeCount(), 0);
  });

  it("enforces the config's modes and strengths per resource type", async () => {
    const otherMode = await apply('cfg-1', 'edge', 'blackhole', { duration: '10s' });
    assert.equal(otherMode.status, 403);
    assert.equal(otherMode.body.field, 'mode');
    assert.equal(otherMode.body.allowed, 'network_latency');
    const tooStrong = await apply('cfg-2', 'edge', 'network_latency', { latency: '200ms', duration: '10s' });
    assert.equal(tooStrong.status, 403);
    assert.equal(tooStrong.body.field, 'params.latency');
    const tooLong = await apply('cfg-3', 'edge', 'network_latency', { latency: '100ms', duration: '10m' });
    assert.equal(tooLong.status, 403);
    assert.equal(tooLong.body.field, 'params.duration');
    const allowed = await apply('cfg-4', 'edge', 'network_latency', { latency: '140ms', duration: '30s' });
    assert.equal(allowed.status, 200);
    assert.equal((await call('DELETE', '/v1/faults/cfg-4')).body.verified, true);
    assert.equal(agent.core.activeCount(), 0);
  });

  it('keeps one budget across the faults of the host', async () => {
    const fill = (faultId: string, resource: string) =>
      apply(faultId, resource, 'disk_fill', { size: '2MiB', keep_free: '64MiB', duration: '10s' });
    assert.equal((await fill('fill-1', 'vol1')).status, 200);
    const over = await fill('fill-2', 'vol2');
    assert.equal(over.status, 409);
    assert.equal(over.body.field, 'params.size');
    assert.match(String(over.body.allowed), /agent\.budget\.disk/);
    const tooMuchMemory = await apply('mem-1', 'vol2', 'memory_pressure', { size: '2GiB', duration: '10s' });
    assert.equal(tooMuchMemory.status, 409);
    assert.equal(tooMuchMemory.body.field, 'params.size');
    await call('DELETE', '/v1/faults/fill-1');
    assert.equal((await fill('fill-3', 'vol2')).status, 200, 'the budget is back after the revert');
    await call('DELETE', '/v1/faults/fill-3');
    assert.equal(agent.core.activeCount(), 0);
  });

  it('idle and slow clients cannot hold the control API', async () => {
    const port = Number(new URL(agent.url).port);
    const closed = new Set<number>();
    const sockets = await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect({ port, host: '127.0.0.1' }, () => {
              // Half a request line, then nothing: a slow client.
              socket.write('GET /v1/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n');
              resolve(socket);
            });
            socket.on('error', () => {});
            socket.resume();
            socket.on('close', () => closed.add(i));
          }),
      ),
    );
    const started = Date.now();
    await waitUntil('every slow client to be cut off', async () => closed.size === sockets.length, {
      timeoutMs: 5000,
      intervalMs: 50,
    });
    assert.ok(Date.now() - started < 4000, `slow clients held ${Date.now() - started} ms`);
    assert.equal((await call('GET', '/v1/faults')).status, 200, 'the API answers again');
  });

  it('each proxy holds at most its connection cap; idle clients beyond it are closed at once', async () => {
    const port = Number(parseHostPort(agent.proxies.get('edge')!.listenAddress).port);
    const first = await Promise.all(Array.from({ length: 30 }, () => probe(port)));
    try {
      assert.equal(first.filter((p) => p.echoed).length, 20, 'the first 20 are carried');
      assert.equal(first.filter((p) => !p.echoed).length, 10, 'the 10 beyond the cap are closed');
      const held = first.filter((p) => p.echoed);
      for (const p of held.slice(0, 5)) p.socket.destroy();
      await waitUntil('the proxy to see 5 clients leave', async () => {
        const again = await probe(port);
        again.socket.destroy();
        return again.echoed;
      });
    } finally {
      for (const p of first) p.socket.destroy();
    }
    const unset = await TcpProxy.start({
      name: 'default-cap',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: parseHostPort(echo.address),
    });
    assert.equal(unset.maxConnections, DEFAULT_MAX_PROXY_CONNECTIONS);
    assert.equal(DEFAULT_MAX_PROXY_CONNECTIONS, 4096);
    await unset.stop();
  });

  it('a hanging fallocate is killed at its deadline and frees the resource for the next apply', async () => {
    const volume = path.join(dir, 'v3');
    mkdirSync(volume);
    const pids = path.join(dir, 'fallocate.pids');
    const tools = path.join(dir, 'tools');
    mkdirSync(tools);
    const fallocate = path.join(tools, 'fallocate');
    // A tool that never finishes, and leaves a helper of its own running.
    writeFileSync(fallocate, `#!/bin/sh\necho $$ >> ${pids}\nsleep 1000 &\necho $! >> ${pids}\nwait\n`);
    chmodSync(fallocate, 0o755);
    const hung = await startAgent({
      config: {
        resources: [resourceSchema.parse({ name: 'vol3', type: 'storage', disk: { path: volume } })],
      },
      listen: '127.0.0.1:0',
      stateDir: path.join(dir, 'hung-state'),
      cgroupPrefix: `hostile-tool-${process.pid}`,
      tools: { ...defaultTools(), fallocate },
      toolTimeoutsMs: { fallocate: 1000 },
    });
    try {
      const fill = (faultId: string) =>
        callAgent(hung, 'POST', '/v1/faults', {
          faultId,
          resource: 'vol3',
          mode: 'disk_fill',
          params: { size: '2MiB', keep_free: '64MiB', duration: '10s' },
          leaseSeconds: 30,
        });
      const started = Date.now();
      // The second apply waits for the first one's lock on vol3.
      const [a, b] = await Promise.all([fill('hang-1'), fill('hang-2')]);
      const took = Date.now() - started;
      for (const answer of [a, b]) {
        assert.equal(answer.status, 504, JSON.stringify(answer.body));
        assert.equal(answer.body.field, 'tools.fallocate');
      }
      assert.ok(took < 8000, `two hung applies answered in ${took} ms`);
      const toolPids = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
      assert.equal(toolPids.length, 4, 'each apply ran the tool and its helper');
      await waitUntil('the tools and their helpers to be gone', async () => !toolPids.some(isAlive), {
        timeoutMs: 3000,
      });
      assert.deepEqual(
        readdirSync(volume).filter((f) => f.startsWith('.foreshock-fill-')),
        [],
        'no fill file is left',
      );
      assert.equal(hung.core.activeCount(), 0);
      assert.deepEqual(hung.journal.outstanding(), []);
      assert.deepEqual(
        (await callAgent(hung, 'GET', '/v1/faults')).body.faults,
        [],
        'nothing is listed as applied',
      );
    } finally {
      await hung.stop();
    }
  });
});
