/**
 * Test hosts as Linux network namespaces: each host is a namespace joined to the root namespace
 * by a veth pair with a /30 of 10.231.<net>.0/24 (root side .1, host side .2 of its /30), with
 * loopback up inside. Addresses live only on those links. Everything created is pushed on a
 * CleanupStack as it is made, so a failure half-way still removes every namespace and link.
 * Needs root (CAP_NET_ADMIN) and iproute2.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import path from 'node:path';
import { PROJECT_ROOT } from '../tools';
import { CleanupStack } from './cleanup';

const run = promisify(execFile);

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: 10_000 })).stdout;
}

export interface TestHost {
  /** host name, as used in resource.host and agent.hosts */
  name: string;
  /** network namespace name */
  ns: string;
  /** address inside the namespace */
  address: string;
  /** address of the root side of its link */
  gateway: string;
  /** root-side veth name */
  link: string;
}

export class TestHosts {
  readonly cleanup = new CleanupStack();
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly hosts: TestHost[],
    readonly tag: string,
    readonly subnet: string,
  ) {}

  /** Creates `count` hosts (at most 64), named `<prefix><i>`. */
  static async create(count: number, prefix = 'host'): Promise<TestHosts> {
    if (count < 1 || count > 64) throw new RangeError(`count: expected 1..64, got ${count}`);
    const tag = randomBytes(3).toString('hex');
    const used = await ip('-4', 'addr');
    let net = 0;
    for (let tries = 0; tries < 64; tries++) {
      const candidate = 1 + Math.floor(Math.random() * 254);
      if (!used.includes(`10.231.${candidate}.`)) {
        net = candidate;
        break;
      }
    }
    if (!net) throw new Error('no free 10.231.x.0/24 for test hosts');
    const set = new TestHosts([], tag, `10.231.${net}.0/24`);
    try {
      for (let i = 0; i < count; i++) {
        const ns = `fs-${tag}-${i}`;
        const link = `fs${tag}${i}r`;
        const peer = `fs${tag}${i}h`;
        const gateway = `10.231.${net}.${4 * i + 1}`;
        const address = `10.231.${net}.${4 * i + 2}`;
        await ip('netns', 'add', ns);
        set.cleanup.push(() => ip('netns', 'delete', ns));
        await ip('link', 'add', link, 'type', 'veth', 'peer', 'name', peer);
        set.cleanup.push(() => ip('link', 'delete', link).catch(() => undefined));
        await ip('link', 'set', peer, 'netns', ns);
        await ip('addr', 'add', `${gateway}/30`, 'dev', link);
        await ip('link', 'set', link, 'up');
        await ip('-n', ns, 'addr', 'add', `${address}/30`, 'dev', peer);
        await ip('-n', ns, 'link', 'set', peer, 'up');
        await ip('-n', ns, 'link', 'set', 'lo', 'up');
        set.hosts.push({ name: `${prefix}${i}`, ns, address, gateway, link });
      }
    } catch (err) {
      await set.destroy();
      throw err;
    }
    return set;
  }

  /** Starts a command inside the host's namespace; it is SIGKILLed at destroy() if still running. */
  spawn(host: TestHost, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', host.ns, command, ...args], options);
    child.once('error', () => undefined);
    this.children.push(child);
    return child;
  }

  /**
   * Starts `foreshock agent --host <host.name>` inside the host's namespace and resolves once it
   * printed its ready line (its control API then listens on the host's agent.hosts URL).
   */
  async startAgent(
    host: TestHost,
    configFile: string,
    token: string,
    stateDir: string,
  ): Promise<ChildProcess> {
    const agent = this.spawn(
      host,
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(PROJECT_ROOT, 'src', 'cli', 'main.ts'),
        'agent',
        '--config',
        configFile,
        '--host',
        host.name,
        '--state-dir',
        stateDir,
        '--cgroup-prefix',
        `netns-${this.tag}-${host.name}`,
      ],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, FORESHOCK_AGENT_TOKEN: token },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(() => reject(new Error(`agent on ${host.name}: not ready after 60s`)), 60_000);
      agent.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        if (buffer.split('\n').some((l) => l.startsWith('{'))) {
          clearTimeout(timer);
          resolve();
        }
      });
      agent.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`agent on ${host.name} exited with ${code}`));
      });
    });
    return agent;
  }

  /** Stops what spawn() started (SIGTERM, then SIGKILL), then removes every namespace, link and address. */
  async destroy(graceMs = 10_000): Promise<void> {
    for (const child of this.children.splice(0).reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    await this.cleanup.run();
  }

  /** What is still there of ours: namespaces, links, addresses (empty after destroy()). */
  async leftovers(): Promise<string[]> {
    const [ns, links, addrs] = await Promise.all([
      ip('netns', 'list'),
      ip('-o', 'link'),
      ip('-4', '-o', 'addr'),
    ]);
    const prefix = this.subnet.slice(0, this.subnet.lastIndexOf('.') + 1);
    return [
      ...ns.split('\n').filter((l) => l.includes(`fs-${this.tag}-`)),
      ...links.split('\n').filter((l) => l.includes(`fs${this.tag}`)),
      ...addrs.split('\n').filter((l) => l.includes(` ${prefix}`)),
    ];
  }
}
