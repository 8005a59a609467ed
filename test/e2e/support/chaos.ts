/**
 * Pieces of the cluster end-to-end test: a seeded random source for the kill plan, foreshock
 * workers as child processes (so a test can SIGKILL one by its pid and start it again), and the
 * pure checks run on the recorded outcomes (cooldown gaps, concurrent injections).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/tools';

/** mulberry32: a small, fast, seeded generator in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** `foreshock worker --config <file>` in its own process; its output goes to `logFile`. */
export class WorkerProcess {
  private child?: ChildProcess;
  /** Every pid this worker ever had (each start adds one). */
  readonly pids: number[] = [];

  constructor(
    readonly name: string,
    private readonly configFile: string,
    private readonly token: string,
    private readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.alive ? this.child?.pid : undefined;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the worker and resolves once it is polling (its "foreshock worker on" line). */
  async start(timeoutMs = 120_000): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, FORESHOCK_AGENT_TOKEN: this.token };
    for (const key of Object.keys(env)) if (key.startsWith('TEMPORAL_')) delete env[key];
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(PROJECT_ROOT, 'src', 'cli', 'main.ts'),
        'worker',
        '--config',
        this.configFile,
      ],
      { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.once('error', () => undefined);
    this.child = child;
    if (child.pid) this.pids.push(child.pid);
    let text = '';
    const log = (chunk: Buffer) => {
      appendFileSync(this.logFile, chunk);
      if (text.length < 1 << 20) text += chunk.toString();
    };
    child.stdout?.on('data', log);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker ${this.name}: not ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.stderr?.on('data', (chunk: Buffer) => {
        log(chunk);
        if (/^foreshock worker on /m.test(text)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`worker ${this.name} exited (${code ?? signal}): ${text.slice(-2000)}`));
      });
    });
  }

  /** SIGKILL, then waits for the exit. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL', 0);
  }

  /** SIGTERM (the SDK drains the worker), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    await this.signal('SIGTERM', graceMs);
  }

  private async signal(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const timer = graceMs > 0 ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
    await exited;
    if (timer) clearTimeout(timer);
  }
}

export interface Interval {
  resource: string;
  startedAt: string;
  endedAt: string;
}

/** The largest number of intervals open at one instant (an end at t closes before a start at t). */
export function maxOverlap(intervals: readonly Interval[]): number {
  const events = intervals.flatMap((i) => [
    { t: Date.parse(i.startedAt), d: 1 },
    { t: Date.parse(i.endedAt), d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of events) {
    open += e.d;
    max = Math.max(max, open);
  }
  return max;
}

/** Pairs of injections into one resource whose gap (next start − previous end) is below `cooldownMs`. */
export function cooldownViolations(
  intervals: readonly Interval[],
  cooldownMs: number,
): { resource: string; gapMs: number }[] {
  const byResource = new Map<string, Interval[]>();
  for (const i of intervals) byResource.set(i.resource, [...(byResource.get(i.resource) ?? []), i]);
  const out: { resource: string; gapMs: number }[] = [];
  for (const [resource, list] of byResource) {
    const sorted = [...list].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    for (let k = 1; k < sorted.length; k++) {
      const gapMs = Date.parse(sorted[k]!.startedAt) - Date.parse(sorted[k - 1]!.endedAt);
      if (gapMs < cooldownMs) out.push({ resource, gapMs });
    }
  }
  return out;
}
