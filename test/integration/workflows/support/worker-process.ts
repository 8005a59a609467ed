/** Spawns worker-child.ts and lets the test kill it without warning. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface WorkerSettings {
  address: string;
  taskQueue: string;
  agentUrl: string;
  agentToken: string;
  prometheusUrl: string;
  outcomesFile: string;
  bundlePath: string;
}

export class WorkerProcess {
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(settings: WorkerSettings): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-child.ts')], {
      env: { ...process.env, FORESHOCK_TEST_WORKER: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new WorkerProcess(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker not ready after 60s:\n${worker.output}`)),
        60_000,
      );
      child.stdout?.on('data', () => {
        if (worker.output.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited with ${code}:\n${worker.output}`));
      });
    });
    return worker;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get log(): string {
    return this.output;
  }

  /** A crash: no shutdown, no goodbye to the server. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
