// The in-line proxy against real servers: redis-server behind the TCP proxy driven by a RESP
// client, a Node HTTP upstream behind the HTTP-aware proxy; faults through the real control API.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import { resourceSchema } from '../../../src/config/schema';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { AgentApiError, AgentClient } from '../../../src/inject/client';
import { InvalidRequestError } from '../../../src/inject/errors';
import { freePort, waitUntil } from '../../../src/testing/ports';
import { RespClient, medianPingMs, startRedis, type RedisServer } from './support';

describe('inject: in-line proxy with real servers', { timeout: 120_000 }, () => {
  let redis: RedisServer;
  let redisFailover: RedisServer;
  let upstreamHttp: http.Server;
  let agent: RunningAgent;
  let client: AgentClient;
  let stateDir: string;
  let redisProxyPort: number;
  let httpProxyPort: number;

  before(async () => {
    redis = await startRedis();
    redisFailover = await startRedis();
    upstreamHttp = http.createServer((_req, res) => res.end('upstream ok'));
    await new Promise<void>((r) => upstreamHttp.listen(0, '127.0.0.1', () => r()));
    redisProxyPort = await freePort();
    httpProxyPort = await freePort();
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-proxy-test-'));
    agent = await startAgent({
      config: {
        resources: [
          resourceSchema.parse({
            name: 'cache',
            type: 'cache',
            proxy: {
              listen: `127.0.0.1:${redisProxyPort}`,
              upstream: redis.address,
              failover: redisFailover.address,
            },
          }),
          resourceSchema.parse({
            name: 'api',
            type: 'service',
            proxy: {
              listen: `127.0.0.1:${httpProxyPort}`,
              upstream: `127.0.0.1:${(upstreamHttp.address() as net.AddressInfo).port}`,
              protocol: 'http',
            },
          }),
        ],
        agent: { maxFaultsPerResource: 2 },
      },
      listen: '127.0.0.1:0',
      stateDir,
      cgroupPrefix: `proxytest-${process.pid}`,
    });
    client = new AgentClient({ url: agent.url, token: agent.token });
  });

  after(async () => {
    await agent?.stop();
    await redis?.stop();
    await redisFailover?.stop();
    await new Promise<void>((r) => (upstreamHttp ? upstreamHttp.close(() => r()) : r()));
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  /** Nothing of ours is left: no fault applied, and the proxy passes clean, fast traffic. */
  async function assertClean(): Promise<void> {
    assert.equal(agent.core.activeCount(), 0, 'no fault is left applied');
    for (const proxy of agent.proxies.values()) {
      assert.equal(proxy.tcp.activeToxicCount, 0, `${proxy.resource} has no toxic left`);
      assert.equal(proxy.http?.activeRuleCount ?? 0, 0, `${proxy.resource} has no HTTP rule left`);
      assert.equal(proxy.onFailover, false, `${proxy.resource} is back on its primary`);
    }
    const redisClient = await RespClient.connect(redisProxyPort);
    try {
      assert.equal(await redisClient.send('PING'), 'PONG');
      assert.ok((await medianPingMs(redisClient, 5)) < 50, 'round-trips are fast again');
    } finally {
      redisClient.close();
    }
    const res = await fetch(`http://127.0.0.1:${httpProxyPort}/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'upstream ok');
  }

  it('refuses calls without the bearer token (401) and answers /healthz without it', async () => {
    const res = await fetch(`${agent.url}/v1/faults`);
    assert.equal(res.status, 401);
    const body = (await res.json()) as { field?: string };
    assert.equal(body.field, 'authorization');
    const wrong = new AgentClient({ url: agent.url, token: 'not-the-token' });
    await assert.rejects(wrong.list(), (err: unknown) => err instanceof AgentApiError && err.status === 401);
    await assert.rejects(
      wrong.apply({
        faultId: 'x1',
        resource: 'cache',
        mode: 'blackhole',
        params: { duration: '10s' },
        leaseSeconds: 5,
      }),
      (err: unknown) => err instanceof AgentApiError && err.status === 401,
    );
    assert.equal(agent.core.activeCount(), 0, 'an unauthenticated apply changed nothing');
    assert.equal((await fetch(`${agent.url}/healthz`)).status, 200);
    const metrics = await fetch(`${agent.url}/metrics`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    assert.match(await metrics.text(), /foreshock_agent_proxy_bytes_total/);
  });

  it('refuses to listen beyond loopback without a token', async () => {
    await assert.rejects(
      startAgent({ config: { resources: [] }, listen: '0.0.0.0:0', stateDir: path.join(stateDir, 'other') }),
      (err: unknown) => err instanceof InvalidRequestError && err.field === 'token',
    );
  });

  it('refuses bad requests naming the field and the allowed range', async () => {
    const refusal = async (
      request: Record<string, unknown>,
      status: number,
      field: string,
      allowed: RegExp,
    ) => {
      const res = await fetch(`${agent.url}/v1/faults`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ faultId: 'bad-1', leaseSeconds: 10, ...request }),
      });
      const body = (await res.json()) as { error: string; field?: string; allowed?: string };
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(body.field, field);
      assert.match(body.allowed ?? '', allowed);
    };
    const latency = { resource: 'cache', mode: 'network_latency' };
    await refusal(
      { ...latency, params: { latency: '70s', duration: '10s' } },
      400,
      'params.latency',
      /1ms\.\.1m|60/,
    );
    await refusal({ ...latency, params: { latency: '10ms' } }, 400, 'params.duration', /.+/);
    await refusal(
      { ...latency, params: { latency: '10ms', duration: '10s', bogus: 1 } },
      400,
      'params.bogus',
      /latency/,
    );
    await refusal(
      { ...latency, params: { latency: '10ms', duration: '10s' }, leaseSeconds: 0 },
      400,
      'leaseSeconds',
      /1\.\.3600/,
    );
    await refusal({ resource: 'nope', mode: 'blackhole', params: {} }, 400, 'resource', /cache \| api/);
    await refusal(
      { resource: 'cache', mode: 'cpu_throttle', params: { percent: 50, duration: '10s' } },
      400,
      'mode',
      /network_latency/,
    );
    await refusal(
      { resource: 'cache', mode: 'http_error', params: { duration: '10s' } },
      400,
      'mode',
      /bandwidth/,
    );
    await refusal(
      { resource: 'api', mode: 'http_error', params: { share: 1.5, duration: '10s' } },
      400,
      'params.share',
      /1/,
    );
    // The per-resource limit (2 here) holds, and the refusal says so.
    await client.apply({
      faultId: 'lim-1',
      resource: 'cache',
      mode: 'bandwidth',
      params: { rate: '10MiB', duration: '10s' },
      leaseSeconds: 30,
    });
    await client.apply({
      faultId: 'lim-2',
      resource: 'cache',
      mode: 'bandwidth',
      params: { rate: '10MiB', duration: '10s' },
      leaseSeconds: 30,
    });
    await refusal({ ...latency, params: { latency: '10ms', duration: '10s' } }, 409, 'resource', /at most 2/);
    await client.revert('lim-1');
    await client.revert('lim-2');
    assert.equal(agent.core.activeCount(), 0, 'no refused request left anything applied');
    await assertClean();
  });

  it('network_latency shows in redis round-trips, and is gone after revert', async () => {
    const redisClient = await RespClient.connect(redisProxyPort);
    try {
      const baseline = await medianPingMs(redisClient, 20);
      const state = await client.apply({
        faultId: 'lat-1',
        resource: 'cache',
        mode: 'network_latency',
        params: { latency: '150ms', direction: 'downstream', duration: '30s' },
        leaseSeconds: 30,
      });
      assert.equal(state.phase, 'applied');
      // Idempotent by faultId: a second apply returns the same fault.
      const again = await client.apply({
        faultId: 'lat-1',
        resource: 'cache',
        mode: 'network_latency',
        params: { latency: '150ms', direction: 'downstream', duration: '30s' },
        leaseSeconds: 30,
      });
      assert.equal(again.appliedAt, state.appliedAt);
      const injected = await medianPingMs(redisClient, 5);
      assert.ok(
        injected - baseline > 100 && injected - baseline < 300,
        `added ${injected - baseline}ms, expected ~150ms`,
      );

      // Graceful degradation: halve it live.
      await client.update('lat-1', { latency: '50ms' });
      const halved = await medianPingMs(redisClient, 5);
      assert.ok(halved > 30 && halved < 120, `after update ${halved}ms, expected ~50ms`);

      // Held data is delivered, in order, when the toxic goes.
      await client.update('lat-1', { latency: '5s' });
      const held = Promise.all([redisClient.send('ECHO', 'a'), redisClient.send('ECHO', 'b')]);
      await new Promise((r) => setTimeout(r, 200));
      const revertStarted = performance.now();
      const result = await client.revert('lat-1');
      assert.deepEqual(result, { faultId: 'lat-1', verified: true, wasActive: true });
      const replies = await held;
      assert.ok(performance.now() - revertStarted < 1000, 'held replies arrived right after the revert');
      assert.deepEqual(replies.map(String), ['a', 'b']);
      assert.deepEqual(await client.revert('lat-1'), { faultId: 'lat-1', verified: true, wasActive: false });
      assert.equal((await client.get('lat-1'))?.phase, 'reverted');
      const afterRevert = await medianPingMs(redisClient, 20);
      assert.ok(afterRevert < baseline + 20, `after revert ${afterRevert}ms (baseline ${baseline}ms)`);
    } finally {
      redisClient.close();
    }
    await assertClean();
  });

  it('10,000 redis operations while latency toggles on and off lose and corrupt nothing', async () => {
    const redisClient = await RespClient.connect(redisProxyPort);
    let toggling = true;
    let toggles = 0;
    const toggler = (async () => {
      while (toggling) {
        const id = `toggle-${toggles++}`;
        await client.apply({
          faultId: id,
          resource: 'cache',
          mode: 'network_latency',
          params: { latency: '3ms', jitter: '2ms', duration: '10s' },
          leaseSeconds: 10,
        });
        await new Promise((r) => setTimeout(r, 15));
        await client.revert(id);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const sent = createHash('sha256');
    const received = createHash('sha256');
    const window = 250;
    try {
      for (let batch = 0; batch < 5000 / window; batch++) {
        const values = Array.from({ length: window }, () =>
          randomBytes(1 + Math.floor(Math.random() * 3000)),
        );
        const ops: Promise<unknown>[] = [];
        values.forEach((value, i) => {
          const key = `fs-test:${batch * window + i}`;
          sent.update(value);
          ops.push(redisClient.send('SET', key, value));
          ops.push(redisClient.send('GET', key));
        });
        const replies = await Promise.all(ops);
        for (let i = 0; i < values.length; i++) {
          assert.equal(replies[2 * i], 'OK');
          const got = replies[2 * i + 1] as Buffer;
          assert.ok(
            Buffer.isBuffer(got) && got.equals(values[i]!),
            `value ${batch * window + i} came back intact`,
          );
          received.update(got);
        }
      }
    } finally {
      toggling = false;
      await toggler;
      redisClient.close();
    }
    assert.equal(received.digest('hex'), sent.digest('hex'));
    assert.ok(toggles >= 3, `latency was toggled ${toggles} times during the run`);
    // And the server itself holds exactly what was written (checked around the proxy).
    const direct = await RespClient.connect(redis.port);
    try {
      const keys = (await direct.send('KEYS', 'fs-test:*')) as Buffer[];
      assert.equal(keys.length, 5000);
      await direct.send('FLUSHALL');
    } finally {
      direct.close();
    }
    await assertClean();
  });

  it('bandwidth limits throughput and loses nothing', async () => {
    const value = randomBytes(150 * 1024);
    const redisClient = await RespClient.connect(redisProxyPort);
    try {
      await redisClient.send('SET', 'big', value);
      await client.apply({
        faultId: 'bw-1',
        resource: 'cache',
        mode: 'bandwidth',
        params: { rate: '300KiB', direction: 'downstream', duration: '10s' },
        leaseSeconds: 30,
      });
      const started = performance.now();
      const got = (await redisClient.send('GET', 'big')) as Buffer;
      const elapsed = performance.now() - started;
      assert.ok(got.equals(value));
      assert.ok(elapsed > 300 && elapsed < 2000, `150KiB at 300KiB/s took ${elapsed}ms, expected ~500ms`);
      await client.revert('bw-1');
      await redisClient.send('DEL', 'big');
    } finally {
      redisClient.close();
    }
    await assertClean();
  });

  it('connection_reset and blackhole break connections while active; new ones work after revert', async () => {
    await client.apply({
      faultId: 'rst-1',
      resource: 'cache',
      mode: 'connection_reset',
      params: { duration: '10s' },
      leaseSeconds: 30,
    });
    // The reset may hit the connect itself or the first command, depending on timing.
    await assert.rejects(async () => {
      const doomed = await RespClient.connect(redisProxyPort);
      await doomed.send('PING');
    });
    await client.revert('rst-1');

    await client.apply({
      faultId: 'bh-1',
      resource: 'cache',
      mode: 'blackhole',
      params: { duration: '10s' },
      leaseSeconds: 30,
    });
    const swallowed = await RespClient.connect(redisProxyPort);
    const reply = await Promise.race([
      swallowed.send('PING'),
      new Promise((r) => setTimeout(() => r('timeout'), 400)),
    ]);
    assert.equal(reply, 'timeout');
    swallowed.close();
    await client.revert('bh-1');
    await assertClean();
  });

  it('automatic_failover switches the upstream to the failover address and back', async () => {
    const marker = await RespClient.connect(redisFailover.port);
    await marker.send('SET', 'whoami', 'failover');
    marker.close();
    const on = await client.failover('cache', true);
    assert.equal(on.resource, 'cache');
    assert.equal(on.upstream, redisFailover.address);
    // A failover is a leased fault like the others: listed, with a lease.
    const listed = (await client.list()).find((f) => f.faultId === 'failover:cache');
    assert.equal(listed?.mode, 'failover');
    assert.equal(listed?.phase, 'applied');
    const viaProxy = await RespClient.connect(redisProxyPort);
    assert.equal(String(await viaProxy.send('GET', 'whoami')), 'failover');
    viaProxy.close();
    const off = await client.failover('cache', false);
    assert.equal(off.upstream, redis.address);
    assert.equal((await client.get('failover:cache'))?.phase, 'reverted');
    const back = await RespClient.connect(redisProxyPort);
    assert.equal(await back.send('GET', 'whoami'), null);
    back.close();
    await assert.rejects(
      client.failover('api', true),
      (err: unknown) => err instanceof AgentApiError && err.status === 400 && err.body.field === 'resource',
    );
    await assertClean();
  });

  it('http_error answers the asked share of requests with 503; http_delay holds requests', async () => {
    await client.apply({
      faultId: 'he-1',
      resource: 'api',
      mode: 'http_error',
      params: { status: 503, share: 0.3, duration: '10s' },
      leaseSeconds: 30,
    });
    const agentKeepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: httpProxyPort, path: '/', agent: agentKeepAlive }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push(...(await Promise.all(Array.from({ length: 16 }, get))));
    const share503 = statuses.filter((s) => s === 503).length / statuses.length;
    assert.ok(statuses.every((s) => s === 503 || s === 200));
    assert.ok(share503 > 0.22 && share503 < 0.38, `share of 503s ${share503}, asked 0.3`);
    await client.update('he-1', { share: 0 });
    assert.ok((await Promise.all(Array.from({ length: 20 }, get))).every((s) => s === 200));
    await client.revert('he-1');

    await client.apply({
      faultId: 'hd-1',
      resource: 'api',
      mode: 'http_delay',
      params: { delay: '300ms', duration: '10s' },
      leaseSeconds: 30,
    });
    const started = performance.now();
    assert.equal(await get(), 200);
    const elapsed = performance.now() - started;
    assert.ok(elapsed > 250 && elapsed < 1500, `delayed request took ${elapsed}ms`);
    await client.revert('hd-1');

    // Byte-level toxics apply in HTTP mode too: the TCP proxy sits in front of the HTTP layer.
    await client.apply({
      faultId: 'hl-1',
      resource: 'api',
      mode: 'network_latency',
      params: { latency: '200ms', direction: 'downstream', duration: '10s' },
      leaseSeconds: 30,
    });
    const slowStarted = performance.now();
    assert.equal(await get(), 200);
    const slow = performance.now() - slowStarted;
    assert.ok(slow > 150 && slow < 1500, `request under 200ms latency took ${slow}ms`);
    await client.revert('hl-1');
    agentKeepAlive.destroy();
    await assertClean();
  });

  it('a lease that is not renewed expires: the agent reverts the fault by itself', async () => {
    const state = await client.apply({
      faultId: 'lease-1',
      resource: 'cache',
      mode: 'network_latency',
      params: { latency: '200ms', duration: '30s' },
      leaseSeconds: 1,
    });
    const renewed = await client.renew('lease-1', 1);
    assert.ok(renewed.leaseExpiresAt >= state.leaseExpiresAt);
    assert.ok(agent.proxies.get('cache')!.tcp.hasToxic('lease-1'));
    const expired = await waitUntil(
      'the lease to expire',
      async () => {
        const s = await client.get('lease-1');
        return s?.phase === 'expired' ? s : undefined;
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
    assert.ok(expired.revertedAt);
    assert.equal(agent.proxies.get('cache')!.tcp.hasToxic('lease-1'), false);
    const metrics = await fetch(`${agent.url}/metrics`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    const text = await metrics.text();
    assert.match(text, /foreshock_agent_lease_expiries_total\{mode="network_latency"\} 1/);
    assert.match(
      text,
      /foreshock_agent_fault_reverts_total\{mode="network_latency",reason="lease_expired"\} 1/,
    );
    assert.match(text, /foreshock_agent_active_faults\{mode="network_latency"\} 0/);
    for (const direction of ['upstream', 'downstream']) {
      const bytes = new RegExp(
        `foreshock_agent_proxy_bytes_total\\{proxy="cache",direction="${direction}"\\} (\\d+)`,
      ).exec(text);
      assert.ok(bytes && Number(bytes[1]) > 1_000_000, `bytes counted ${direction}: ${bytes?.[1]}`);
    }
    assert.match(text, /foreshock_agent_proxy_connections_total\{proxy="cache",event="accepted"\} \d+/);
    await assertClean();
  });
});
