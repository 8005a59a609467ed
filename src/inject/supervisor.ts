/**
 * Agent-supervised processes: the agent starts a resource's `process.command` (optionally
 * under `fiu-run -x`, so disk_error can toggle libfiu points in it) and starts it again when
 * it dies. Each start is journaled, so an agent that was killed stops its orphans on restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { ProcessConfig } from '../config/schema';
import { InjectionFailedError } from './errors';
import type { Journal } from './journal';
import { isAlive, pollUntil, readProcStat } from './proc';

export interface SupervisorOptions {
  resource: string;
  config: ProcessConfig;
  fiuRun?: string;
  journal: Journal;
  logDir: string;
  onRestart?: () => void;
  /** @default 200 */
  restartDelayMs?: number;
  /** Where failures of the supervisor itself (a journal write) are told. @default nowhere */
  log?: (line: string) => void;
}

/** The only variables of the agent's environment a supervised process inherits. */
const INHERITED_ENV = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'HOME'];

/** A clean environment: a few harmless variables of the agent's, then the config's `env`. */
export function childEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

export class Supervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private starts = 0;
  private quickExits = 0;
  private childStartTime: number | undefined;

  constructor(private readonly options: SupervisorOptions) {}

  get pid(): number | undefined {
    return this.child?.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null
      ? this.child.pid
      : undefined;
  }

  /** True when `pid` is the very process this supervisor started (same pid and start time). */
  isOwnChild(pid: number): boolean {
    return pid === this.pid && readProcStat(pid)?.startTime === this.childStartTime;
  }

  get restarts(): number {
    return Math.max(0, this.starts - 1);
  }

  get underFiu(): boolean {
    return this.options.config.underFiu;
  }

  async start(): Promise<void> {
    this.spawnOnce();
    if (!(await pollUntil(() => this.pid !== undefined && isAlive(this.pid), 5000))) {
      throw new InjectionFailedError(`the supervised process of ${this.options.resource} did not start`);
    }
  }

  /** Waits until a live process other than `previousPid` runs; returns its pid. */
  async waitForReplacement(previousPid: number, timeoutMs: number): Promise<number | undefined> {
    let found: number | undefined;
    await pollUntil(
      () => {
        const pid = this.pid;
        if (pid !== undefined && pid !== previousPid && isAlive(pid)) found = pid;
        return found !== undefined;
      },
      timeoutMs,
      25,
    );
    return found;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // A stopped process cannot act on SIGTERM; let it run so it can exit.
    if (readProcStat(child.pid)?.state === 'T') child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  private spawnOnce(): void {
    const { config, resource, fiuRun, journal } = this.options;
    const command = config.command;
    if (!command || command.length === 0)
      throw new InjectionFailedError(`${resource} has no process.command`);
    let argv = command;
    if (config.underFiu) {
      if (!fiuRun) throw new InjectionFailedError('fiu-run was not found (apt-get install fiu-utils)');
      argv = [fiuRun, '-x', ...command];
    }
    mkdirSync(this.options.logDir, { recursive: true, mode: 0o700 });
    const log = openSync(
      path.join(this.options.logDir, `${resource}.log`),
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      0o600,
    );
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: config.cwd,
      env: childEnv(config.env),
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.starts += 1;
    this.child = child;
    const pid = child.pid;
    const stat = pid !== undefined ? readProcStat(pid) : undefined;
    this.childStartTime = stat?.startTime;
    const id = `process:${resource}:${pid ?? 'none'}`;
    const journaled = (write: () => void) => {
      try {
        write();
      } catch (err) {
        this.options.log?.(`${resource}: ${(err as Error).message}`);
      }
    };
    if (pid !== undefined) {
      journaled(() =>
        journal.recordApply(id, 'supervised_process', resource, {
          pid,
          startTime: stat?.startTime,
          command: argv,
        }),
      );
    }
    const startedAt = Date.now();
    child.on('error', () => {});
    child.once('exit', () => {
      if (pid !== undefined) journaled(() => journal.recordRevert(id, 'supervised_process', resource));
      if (this.stopping) return;
      // A process that dies right after its start is restarted with a growing delay (≤ 5 s).
      this.quickExits = Date.now() - startedAt < 1000 ? this.quickExits + 1 : 0;
      const delay = Math.min(5000, (this.options.restartDelayMs ?? 200) * 2 ** this.quickExits);
      this.restartTimer = setTimeout(() => {
        if (this.stopping) return;
        this.spawnOnce();
        this.options.onRestart?.();
      }, delay);
    });
  }
}
