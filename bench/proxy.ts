/**
 * `npm run -s bench -- proxy [--peer-toxiproxy PATH] [--seconds N] [--round-seconds S]`
 *
 * The same loopback echo workload, in the same run, three ways:
 *
 *   client ──────────────────────────▶ echo server          (direct)
 *   client ──▶ foreshock TcpProxy ───▶ echo server          (foreshock, no toxic active)
 *   client ──▶ toxiproxy ────────────▶ echo server          (with --peer-toxiproxy)
 *
 * Latency: 8 connections doing 64-byte request/response round-trips (p50, p99, rps).
 * Throughput: 4 connections streaming 64 KiB writes that the server echoes (MB/s), every
 * byte checked (bytes_lost counts what did not come back within 10 s of the last write, or
 * came back different). Connections end without a half-close, which Toxiproxy does not carry.
 * The echo server and each proxy run in their own process; the client runs here. The foreshock
 * proxy counts bytes into the agent's real Prometheus counters, as it does in the agent.
 * The machine is shared and noisy, so the targets take turns in short rounds (default 0.5 s
 * per target per phase, rotating who goes first) and each result pools its rounds: a burst of
 * load from elsewhere hits all targets alike instead of whichever ran at that moment.
 * For each proxy it also reads the CPU time its process spent (/proc): per round-trip and per MB
 * echoed, a cost that varies far less with the machine's load than latency does.
 * Prints one JSON object as its last line.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';
import { AgentMetrics } from '../src/inject/metrics';
import { TcpProxy } from '../src/inject/proxy/tcp-proxy';
import { freePort, waitForPort } from '../src/testing/ports';

const LATENCY_CONNECTIONS = 8;
const MESSAGE_BYTES = 64;
const STREAM_CONNECTIONS = 4;
const STREAM_CHUNK = 64 * 1024;

interface Result {
  p50_us: number;
  p99_us: number;
  rps: number;
  mb_per_s: number;
  bytes_lost: number;
  /** CPU (user + system) the proxy process spent per round-trip / per MB echoed; proxies only. */
  cpu_us_per_req?: number;
  cpu_ms_per_mb?: number;
}

async function serveEcho(): Promise<void> {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  console.log(JSON.stringify({ port: (server.address() as net.AddressInfo).port }));
}

async function serveForeshock(listenPort: number, upstreamPort: number): Promise<void> {
  await TcpProxy.start({
    name: 'bench',
    listen: { host: '127.0.0.1', port: listenPort },
    upstream: { host: '127.0.0.1', port: upstreamPort },
    counters: new AgentMetrics().countersFor('bench').proxy,
  });
  console.log(JSON.stringify({ port: listenPort }));
}

function childLine(child: ChildProcess): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`helper exited with ${code}`)));
    readline
      .createInterface({ input: child.stdout! })
      .once('line', (line) => resolve(JSON.parse(line) as { port: number }));
  });
}

function helper(...args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', __filename, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function latencyRun(port: number, seconds: number): Promise<{ samples: number[]; rps: number }> {
  const samples: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const message = Buffer.alloc(MESSAGE_BYTES, 7);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LATENCY_CONNECTIONS }, async () => {
      const socket = await connect(port);
      let received = 0;
      let done: (() => void) | undefined;
      socket.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= MESSAGE_BYTES) {
          received -= MESSAGE_BYTES;
          done?.();
        }
      });
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await new Promise<void>((r) => {
          done = r;
          socket.write(message);
        });
        samples.push((performance.now() - t0) * 1000);
      }
      socket.destroy();
    }),
  );
  return { samples, rps: samples.length / ((performance.now() - started) / 1000) };
}

async function streamRun(
  port: number,
  seconds: number,
): Promise<{ mbPerS: number; elapsed: number; bytesLost: number }> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: STREAM_CONNECTIONS }, async (_, index) => {
      const socket = await connect(port);
      const sentHash = createHash('sha256');
      const receivedHash = createHash('sha256');
      let sent = 0;
      let received = 0;
      let allBack: (() => void) | undefined;
      socket.on('data', (d: Buffer) => {
        received += d.length;
        receivedHash.update(d);
        if (received >= sent) allBack?.();
      });
      let seq = index;
      while (performance.now() < deadline) {
        const chunk = Buffer.alloc(STREAM_CHUNK, seq++ & 0xff);
        sentHash.update(chunk);
        sent += chunk.length;
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      }
      // Wait for the echo of everything sent (no half-close: not every proxy carries one).
      await new Promise<void>((resolve) => {
        if (received >= sent) return resolve();
        allBack = resolve;
        setTimeout(resolve, 10_000).unref();
      });
      socket.destroy();
      const intact = sentHash.digest('hex') === receivedHash.digest('hex');
      return { sent, received, lost: intact ? sent - received : Math.max(sent - received, 1) };
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const bytes = results.reduce((sum, r) => sum + r.received, 0);
  return {
    mbPerS: bytes / 1e6 / elapsed,
    elapsed,
    bytesLost: results.reduce((sum, r) => sum + r.lost, 0),
  };
}

interface Pool {
  samples: number[];
  latencySeconds: number;
  streamBytes: number;
  streamSeconds: number;
  bytesLost: number;
  latencyCpuSeconds: number;
  streamCpuSeconds: number;
}

const emptyPool = (): Pool => ({
  samples: [],
  latencySeconds: 0,
  streamBytes: 0,
  streamSeconds: 0,
  bytesLost: 0,
  latencyCpuSeconds: 0,
  streamCpuSeconds: 0,
});

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * CPU seconds (user + system) a process has used so far, from /proc. Unlike latency, this
 * hardly depends on what else the shared machine is doing, so it compares the proxies' own
 * cost per unit of work directly.
 */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** One round for one target: a latency slice then a stream slice, added to its pool. */
async function measureInto(pool: Pool, port: number, seconds: number, pid?: number): Promise<void> {
  const cpuAtStart = cpuSeconds(pid);
  const latency = await latencyRun(port, seconds);
  const cpuAfterLatency = cpuSeconds(pid);
  pool.latencyCpuSeconds += cpuAfterLatency - cpuAtStart;
  for (const sample of latency.samples) pool.samples.push(sample);
  pool.latencySeconds += latency.samples.length / latency.rps;
  const stream = await streamRun(port, seconds);
  pool.streamCpuSeconds += cpuSeconds(pid) - cpuAfterLatency;
  pool.streamBytes += stream.mbPerS * stream.elapsed * 1e6;
  pool.streamSeconds += stream.elapsed;
  pool.bytesLost += stream.bytesLost;
}

function summarize(pool: Pool, withCpu: boolean): Result {
  const sorted = pool.samples.sort((a, b) => a - b);
  return {
    p50_us: Math.round(percentile(sorted, 0.5)),
    p99_us: Math.round(percentile(sorted, 0.99)),
    rps: Math.round(pool.samples.length / pool.latencySeconds),
    mb_per_s: Math.round((pool.streamBytes / 1e6 / pool.streamSeconds) * 10) / 10,
    bytes_lost: pool.bytesLost,
    ...(withCpu
      ? {
          cpu_us_per_req: Math.round(((pool.latencyCpuSeconds * 1e6) / pool.samples.length) * 10) / 10,
          cpu_ms_per_mb: Math.round(((pool.streamCpuSeconds * 1e3) / (pool.streamBytes / 1e6)) * 100) / 100,
        }
      : {}),
  };
}

async function startToxiproxy(
  binary: string,
  upstreamPort: number,
): Promise<{ child: ChildProcess; port: number }> {
  const apiPort = await freePort();
  const listenPort = await freePort();
  const child = spawn(binary, ['-host', '127.0.0.1', '-port', String(apiPort)], { stdio: 'ignore' });
  await waitForPort(apiPort, 10_000);
  const res = await fetch(`http://127.0.0.1:${apiPort}/proxies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'bench',
      listen: `127.0.0.1:${listenPort}`,
      upstream: `127.0.0.1:${upstreamPort}`,
      enabled: true,
    }),
  });
  if (!res.ok) throw new Error(`toxiproxy refused the proxy: ${res.status} ${await res.text()}`);
  await waitForPort(listenPort, 5000);
  return { child, port: listenPort };
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--serve-echo') return serveEcho();
  if (argv[0] === '--serve-foreshock') return serveForeshock(Number(argv[1]), Number(argv[2]));
  const peerIndex = argv.indexOf('--peer-toxiproxy');
  const peer = peerIndex >= 0 ? argv[peerIndex + 1] : undefined;
  const secondsIndex = argv.indexOf('--seconds');
  const seconds = secondsIndex >= 0 ? Number(argv[secondsIndex + 1]) : 3;
  const roundIndex = argv.indexOf('--round-seconds');
  const roundSeconds = Math.min(seconds, roundIndex >= 0 ? Number(argv[roundIndex + 1]) : 0.5);
  const rounds = Math.max(1, Math.round(seconds / roundSeconds));

  const children: ChildProcess[] = [];
  try {
    const echo = helper('--serve-echo');
    children.push(echo);
    const echoPort = (await childLine(echo)).port;
    const foreshockPort = await freePort();
    const foreshock = helper('--serve-foreshock', String(foreshockPort), String(echoPort));
    children.push(foreshock);
    await childLine(foreshock);
    let toxiproxyPort: number | undefined;
    let toxiproxyPid: number | undefined;
    if (peer) {
      const toxiproxy = await startToxiproxy(peer, echoPort);
      children.push(toxiproxy.child);
      toxiproxyPid = toxiproxy.child.pid;
      toxiproxyPort = toxiproxy.port;
    }

    const targets = [echoPort, foreshockPort, ...(toxiproxyPort ? [toxiproxyPort] : [])];
    const pids = [undefined, foreshock.pid, ...(toxiproxyPid ? [toxiproxyPid] : [])];
    const pools = targets.map(emptyPool);
    // Warm-up (not counted), then the rounds, rotating which target goes first.
    for (const port of targets) await measureInto(emptyPool(), port, 0.5);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < targets.length; k++) {
        const index = (round + k) % targets.length;
        await measureInto(pools[index]!, targets[index]!, seconds / rounds, pids[index]);
      }
    }
    const direct = summarize(pools[0]!, false);
    const viaForeshock = summarize(pools[1]!, true);
    const viaToxiproxy = pools[2] ? summarize(pools[2], true) : undefined;

    const summary = {
      bench: 'proxy',
      workload: `loopback echo: ${LATENCY_CONNECTIONS} conns x ${MESSAGE_BYTES}B round-trips; ${STREAM_CONNECTIONS} conns x ${STREAM_CHUNK / 1024}KiB stream; ${seconds}s each, in ${rounds} interleaved rounds`,
      direct,
      foreshock: viaForeshock,
      ...(viaToxiproxy ? { toxiproxy: viaToxiproxy } : {}),
      overhead_p50_us: viaForeshock.p50_us - direct.p50_us,
      overhead_p99_us: viaForeshock.p99_us - direct.p99_us,
      throughput_ratio: Math.round((viaForeshock.mb_per_s / direct.mb_per_s) * 1000) / 1000,
      ...(viaToxiproxy
        ? {
            toxiproxy_overhead_p50_us: viaToxiproxy.p50_us - direct.p50_us,
            toxiproxy_overhead_p99_us: viaToxiproxy.p99_us - direct.p99_us,
            toxiproxy_throughput_ratio: Math.round((viaToxiproxy.mb_per_s / direct.mb_per_s) * 1000) / 1000,
          }
        : {}),
      bytes_lost: viaForeshock.bytes_lost,
    };
    console.log(JSON.stringify(summary));
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
