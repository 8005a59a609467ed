/**
 * Real processes for the injection tests: redis-server on a free port, a minimal RESP client
 * over a raw socket, a busy process, and readers for the state the tests assert on.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { freePort, waitForPort } from '../../../src/testing/ports';

export interface RedisServer {
  port: number;
  address: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  await waitForPort(port, 10_000);
  return { port, address: `127.0.0.1:${port}`, stop: () => stopChild(child) };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGCONT');
  child.kill('SIGKILL');
  await exited;
}

export type RespReply = string | number | null | Buffer | RespError | RespReply[];
export class RespError extends Error {}

/** A pipelining RESP client: replies are matched to commands in order, as Redis sends them. */
export class RespClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: { resolve: (r: RespReply) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
      this.drain();
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const p of this.pending.splice(0)) p.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () =>
        resolve(new RespClient(socket)),
      );
      socket.once('error', reject);
    });
  }

  send(...args: (string | Buffer)[]): Promise<RespReply> {
    if (this.failure) return Promise.reject(this.failure);
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const arg of args) {
      const b = typeof arg === 'string' ? Buffer.from(arg) : arg;
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    this.socket.write(Buffer.concat(parts));
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    for (;;) {
      const parsed = parse(this.buffer, 0);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed.end);
      this.pending.shift()?.resolve(parsed.value);
    }
  }
}

function parse(buf: Buffer, at: number): { value: RespReply; end: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, lineEnd);
  switch (type) {
    case '+':
      return { value: line, end: lineEnd + 2 };
    case '-':
      return { value: new RespError(line), end: lineEnd + 2 };
    case ':':
      return { value: Number(line), end: lineEnd + 2 };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: lineEnd + 2 };
      if (buf.length < lineEnd + 2 + len + 2) return undefined;
      return { value: buf.subarray(lineEnd + 2, lineEnd + 2 + len), end: lineEnd + 2 + len + 2 };
    }
    case '*': {
      const count = Number(line);
      const items: RespReply[] = [];
      let end = lineEnd + 2;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`bad RESP type ${type}`);
  }
}

/** Median round-trip of `count` sequential PINGs, in ms. */
export async function medianPingMs(client: RespClient, count: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const reply = await client.send('PING');
    if (reply !== 'PONG') throw new Error(`PING answered ${String(reply)}`);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** A process that burns one core until killed. */
export function spawnBusy(): ChildProcess {
  return spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
}

export function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU used by `pid` over `ms`, in percent of one core (USER_HZ is 100 on Linux). */
export async function cpuPercent(pid: number, ms: number): Promise<number> {
  const before = cpuTicks(pid);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const ticks = cpuTicks(pid) - before;
  return ((ticks / 100) * 1000 * 100) / (performance.now() - started);
}

/** The cgroup path of `pid` in the v1 hierarchy holding `controller`. */
export function cgroupPath(pid: number, controller: string): string {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const [, controllers, p] = line.split(':');
    if (controllers?.split(',').includes(controller)) return p!;
  }
  return '?';
}

/** A TCP echo server in this process: what the proxies in the hostile tests forward to. */
export async function startEcho(): Promise<{ address: string; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One raw control-API call: the status and JSON body, whatever they are. */
export async function callAgent(
  agent: { url: string; token: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const res = await fetch(`${agent.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${agent.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed };
}

/** Mounts a small tmpfs at `dir` (root only); false where mounting is not allowed. */
export function mountTmpfs(dir: string, size: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]).status === 0;
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir]);
}
