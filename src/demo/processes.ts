/**
 * Every process the demo starts goes through a ProcessGroup, which remembers its pid, sends
 * its output to a log file, and stops it again: SIGTERM, then SIGKILL after a grace period.
 * `leftovers()` says which of its pids are still alive, so "nothing left running" is checked,
 * not assumed. Only pids this group spawned are ever signalled.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export interface ManagedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  exited: Promise<void>;
  logFile: string;
}

/** Whether pid is a live process; a zombie (exited, not yet reaped) does not count. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];

  spawn(
    name: string,
    command: string,
    args: string[],
    logFile: string,
    options: Omit<SpawnOptions, 'stdio'> = {},
  ): ManagedProcess {
    const out = openSync(logFile, 'a');
    const child = spawn(command, args, { ...options, stdio: ['ignore', out, out] });
    closeSync(out);
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.once('error', () => undefined);
    const managed = { name, pid: child.pid, child, exited, logFile };
    this.processes.push(managed);
    return managed;
  }

  get pids(): number[] {
    return this.processes.map((p) => p.pid);
  }

  running(name: string): boolean {
    const p = this.processes.find((q) => q.name === name);
    return p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
  }

  /** Stops in reverse start order (clients before the servers they use). */
  async stopAll(graceMs = 10_000): Promise<void> {
    for (const p of [...this.processes].reverse()) await stopProcess(p, graceMs);
  }

  /** Pids started by this group that are still alive. */
  leftovers(): number[] {
    return this.processes
      .filter((p) => pidAlive(p.pid) && p.child.exitCode === null && p.child.signalCode === null)
      .map((p) => p.pid);
  }
}

export async function stopProcess(
  p: ManagedProcess,
  graceMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}
