/**
 * The TCP proxy on its own, with real sockets: bytes arrive whole and in order in both read
 * modes ('reused': each socket reads into its own buffer; 'fresh': a new buffer per chunk),
 * with slow readers on both ends (so writes stay queued and sources must pause) and with
 * toxics switched on and off mid-stream.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { LatencyToxic, BandwidthToxic } from '../../../src/inject/proxy/toxics';
import { TcpProxy } from '../../../src/inject/proxy/tcp-proxy';
import type { ReadMode } from '../../../src/inject/proxy/socket-reader';
import { waitUntil } from '../../../src/testing/ports';

/** Waits (5 s at most) until the proxy holds `count` connections. */
const connectionsReach = (proxy: TcpProxy, count: number) =>
  waitUntil(`${count} proxied connection(s)`, async () => proxy.connectionCount === count, {
    timeoutMs: 5000,
    intervalMs: 20,
  });

/** An echo server that stalls its reads now and then, so the proxy's writes to it queue up. */
async function startStallingEcho(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let sinceStall = 0;
    socket.on('error', () => socket.destroy());
    socket.on('data', (data: Buffer) => {
      socket.write(data);
      sinceStall += data.length;
      if (sinceStall > 512 * 1024) {
        sinceStall = 0;
        socket.pause();
        setTimeout(() => socket.resume(), 3);
      }
    });
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

interface StreamResult {
  sent: number;
  received: number;
  sentDigest: string;
  receivedDigest: string;
}

/**
 * Writes `total` bytes of random data in chunks of varied size through `port`, reading the
 * echo slowly at times; half-closes when done and resolves on the echo's end.
 */
async function streamThrough(
  port: number,
  total: number,
  whileStreaming?: () => void,
): Promise<StreamResult> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const sentHash = createHash('sha256');
  const receivedHash = createHash('sha256');
  let received = 0;
  let sinceStall = 0;
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('data', (data: Buffer) => {
      received += data.length;
      receivedHash.update(data);
      sinceStall += data.length;
      if (sinceStall > 768 * 1024) {
        sinceStall = 0;
        socket.pause();
        setTimeout(() => socket.resume(), 4);
      }
    });
    socket.on('end', resolve);
    socket.on('error', reject);
  });
  const source = randomBytes(256 * 1024);
  let sent = 0;
  let step = 0;
  while (sent < total) {
    // Sizes from 1 byte to 96 KiB, so reads split and join chunks every which way.
    const size = Math.min(total - sent, [1, 63, 1500, 16 * 1024, 65 * 1024, 96 * 1024][step++ % 6]!);
    const offset = (step * 7919) % (source.length - size);
    const chunk = Buffer.from(source.subarray(offset, offset + size));
    sentHash.update(chunk);
    sent += size;
    whileStreaming?.();
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  await ended;
  socket.destroy();
  return { sent, received, sentDigest: sentHash.digest('hex'), receivedDigest: receivedHash.digest('hex') };
}

for (const readMode of ['reused', 'fresh'] as ReadMode[]) {
  describe(`TcpProxy (${readMode} read buffers)`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    async function setUp(): Promise<TcpProxy> {
      const echo = await startStallingEcho();
      cleanups.push(() => new Promise<void>((resolve) => echo.server.close(() => resolve())));
      const proxy = await TcpProxy.start({
        name: `test-${readMode}`,
        listen: { host: '127.0.0.1', port: 0 },
        upstream: { host: '127.0.0.1', port: echo.port },
        readMode,
      });
      cleanups.push(() => proxy.stop());
      return proxy;
    }

    it('carries 24 MB each way whole and in order past slow readers, FIN included', async () => {
      const proxy = await setUp();
      const results = await Promise.all(
        [0, 1, 2].map(() => streamThrough(proxy.address.port, 8 * 1024 * 1024)),
      );
      for (const result of results) {
        assert.equal(result.received, result.sent);
        assert.equal(result.receivedDigest, result.sentDigest);
      }
      assert.equal(proxy.lastClientReadMode, readMode, 'the proxy read the client the way it was asked to');
      assert.equal(proxy.activeToxicCount, 0);
      await connectionsReach(proxy, 0);
    });

    it('loses and reorders nothing while latency and bandwidth toxics come and go mid-stream', async () => {
      const proxy = await setUp();
      let writes = 0;
      const toggle = () => {
        writes += 1;
        if (writes % 12 === 2) proxy.addToxic('lat', ['upstream', 'downstream'], new LatencyToxic(3, 2));
        if (writes % 12 === 5) proxy.removeToxic('lat');
        if (writes % 12 === 7)
          proxy.addToxic('bw', ['upstream', 'downstream'], new BandwidthToxic(80 * 1024 * 1024));
        if (writes % 12 === 10) proxy.removeToxic('bw');
      };
      const result = await streamThrough(proxy.address.port, 12 * 1024 * 1024, toggle);
      proxy.removeToxic('lat');
      proxy.removeToxic('bw');
      assert.ok(writes > 100, `the toxics were switched while data flowed (${writes} writes)`);
      assert.equal(result.received, result.sent);
      assert.equal(result.receivedDigest, result.sentDigest);
      // Nothing left applied: no toxic, and a fresh connection is clean and quick.
      assert.equal(proxy.activeToxicCount, 0);
      const started = performance.now();
      const clean = await streamThrough(proxy.address.port, 64 * 1024);
      assert.equal(clean.receivedDigest, clean.sentDigest);
      assert.ok(performance.now() - started < 1000);
      await connectionsReach(proxy, 0);
    });
  });
}

describe('TcpProxy: bounded read-buffer memory', () => {
  it('connections beyond maxReusedBufferConnections read fresh buffers; the slot frees on close', async () => {
    const echo = await startStallingEcho();
    const proxy = await TcpProxy.start({
      name: 'test-bounded',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { host: '127.0.0.1', port: echo.port },
      maxReusedBufferConnections: 1,
    });
    try {
      const open = () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect({ port: proxy.address.port, host: '127.0.0.1' }, () => resolve(socket));
          socket.once('error', reject);
        });
      const first = await open();
      await connectionsReach(proxy, 1);
      assert.equal(proxy.lastClientReadMode, 'reused');
      const second = await open();
      await connectionsReach(proxy, 2);
      assert.equal(proxy.lastClientReadMode, 'fresh');
      // Two more, past the limit while the first holds its slot, carry data intact.
      const results = await Promise.all([1, 2].map(() => streamThrough(proxy.address.port, 2 * 1024 * 1024)));
      for (const result of results) assert.equal(result.receivedDigest, result.sentDigest);
      first.destroy();
      second.destroy();
      await connectionsReach(proxy, 0);
      const third = await open();
      await connectionsReach(proxy, 1);
      assert.equal(proxy.lastClientReadMode, 'reused');
      third.destroy();
      await connectionsReach(proxy, 0);
    } finally {
      await proxy.stop();
      await new Promise<void>((resolve) => echo.server.close(() => resolve()));
    }
  });
});
