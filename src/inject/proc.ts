/** Small readers of /proc: process state, start time (to tell a pid from its reuse), CPU ticks. */
import { existsSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** R running, S sleeping, T stopped, Z zombie… */
  state: string;
  ppid: number;
  /** Kernel flags (PF_KTHREAD marks a kernel thread). */
  flags: number;
  /** Clock ticks after boot; with the pid it names one process for good. */
  startTime: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may contain spaces and parentheses; the fields after the last ')' do not.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    flags: Number(fields[6]),
    startTime: Number(fields[19]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
  };
}

export function isAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** True when `pid` is still the very process that had `startTime`. */
export function isSameProcess(pid: number, startTime: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z';
}

export function pidExists(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

export async function pollUntil(probe: () => boolean, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (probe()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
