/**
 * The agent as its own process (`foreshock agent`), restarted by this supervisor whenever it
 * dies, as deploy/foreshock-agent.service does with Restart=always. For the crash bench: it
 * can be SIGKILLed and says when the new one is ready and what its journal recovery undid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';

const ROOT = path.resolve(__dirname, '../..');

export interface AgentStart {
  readyAt: number;
  /** Journal records the new agent undid on start. */
  recovered: number;
}

export class SupervisedAgent {
  readonly token = randomBytes(32).toString('base64url');
  private child: ChildProcess | undefined;
  private stopping = false;
  private waiters: ((start: AgentStart) => void)[] = [];
  readonly starts: AgentStart[] = [];

  private constructor(
    private readonly configFile: string,
    private readonly stateDir: string,
    readonly port: number,
    private readonly cgroupPrefix: string,
  ) {}

  static async start(
    configFile: string,
    stateDir: string,
    port: number,
    cgroupPrefix: string,
  ): Promise<SupervisedAgent> {
    const agent = new SupervisedAgent(configFile, stateDir, port, cgroupPrefix);
    const first = agent.nextStart();
    agent.spawn();
    await first;
    return agent;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves when the next agent process is ready. */
  nextStart(): Promise<AgentStart> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** SIGKILL, no warning; the supervisor starts a new one at once. Returns when it was killed. */
  async kill(): Promise<number> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Date.now();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    const killedAt = Date.now();
    await exited;
    return killedAt;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  private spawn(): void {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/foreshock.js'),
        'agent',
        '--config',
        this.configFile,
        '--listen',
        `127.0.0.1:${this.port}`,
        '--state-dir',
        this.stateDir,
        '--cgroup-prefix',
        this.cgroupPrefix,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, FORESHOCK_AGENT_TOKEN: this.token },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    this.child = child;
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      const info = JSON.parse(line) as { recovered: number };
      const start = { readyAt: Date.now(), recovered: info.recovered };
      this.starts.push(start);
      for (const waiter of this.waiters.splice(0)) waiter(start);
    });
    child.once('exit', () => {
      if (!this.stopping) setTimeout(() => this.spawn(), 100);
    });
  }
}
