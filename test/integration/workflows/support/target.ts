/**
 * The real target behind the agent's proxy: two tiny HTTP servers, each a child process,
 * that answer with their own name (primary, failover), and a probe that times a request
 * through the proxy — so a test sees the latency fault, the failover, and their removal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { freePort, waitForPort } from '../../../../src/testing/ports';

const SERVER = `require('node:http').createServer((q, s) => s.end(process.argv[2])).listen(Number(process.argv[1]), '127.0.0.1')`;

export class NamedServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
  ) {}

  static async start(name: string): Promise<NamedServer> {
    const port = await freePort();
    const child = spawn(process.execPath, ['-e', SERVER, String(port), name], { stdio: 'ignore' });
    await waitForPort(port, 10_000);
    return new NamedServer(child, `127.0.0.1:${port}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** One request through the proxy on a fresh connection: who answered, and how long it took. */
export async function probe(address: string): Promise<{ body: string; ms: number }> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ body, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
  });
}
