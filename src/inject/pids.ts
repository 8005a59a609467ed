/**
 * Which processes a fault may touch. A pid comes from the agent's own supervisor or from a
 * pid file, and a pid file is only believed when no one but root (or the agent's user) could
 * have written it, it holds a number and nothing else, and that number is a live user-space
 * process, whose executable is the one the config names (`process.executable`).
 */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import type { ResourceConfig } from '../config/schema';
import { InjectionFailedError, InvalidRequestError, UnsafeTargetError } from './errors';
import { readProcStat } from './proc';
import type { Supervisor } from './supervisor';

const PID_TEXT = /^[1-9][0-9]{0,9}\n?$/;
const PF_KTHREAD = 0x00200000;
const KTHREADD_PID = 2;

export function isKernelThread(pid: number): boolean {
  const stat = readProcStat(pid);
  if (!stat) return false;
  return pid === KTHREADD_PID || stat.ppid === KTHREADD_PID || (stat.flags & PF_KTHREAD) !== 0;
}

/** The real path of the process's executable; undefined when it has none (kernel thread) or is gone. */
export function executableOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return undefined;
  }
}

/** Reads a pid file the agent may trust, or throws naming resource.process.pidFile. */
export function readPidFile(file: string): number {
  const field = 'resource.process.pidFile';
  let text: string;
  try {
    const stat = lstatSync(file);
    const uid = process.geteuid?.() ?? 0;
    if (!stat.isFile())
      throw new UnsafeTargetError(`${file} is not a regular file (or is a link)`, field, 'a regular file');
    if ((stat.uid !== 0 && stat.uid !== uid) || (stat.mode & 0o022) !== 0) {
      throw new UnsafeTargetError(
        `${file} may be written by others (uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)})`,
        field,
        `a pid file owned by root or uid ${uid}, not writable by group or others`,
      );
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UnsafeTargetError) throw err;
    throw new InjectionFailedError(
      `cannot read the pid file ${file}`,
      field,
      'a readable file holding one pid',
    );
  }
  if (!PID_TEXT.test(text)) {
    throw new UnsafeTargetError(
      `${file} does not hold exactly one pid`,
      field,
      'decimal digits and an optional newline',
    );
  }
  return Number(text.trim());
}

/** Refuses a pid that is gone, a zombie, a kernel thread, or another executable than declared. */
export function checkUserProcess(pid: number, resource: ResourceConfig, field: string): void {
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') {
    throw new InjectionFailedError(
      `pid ${pid} of ${resource.name} is not a running process`,
      field,
      'the pid of a running process',
    );
  }
  if (isKernelThread(pid)) {
    throw new UnsafeTargetError(`pid ${pid} is a kernel thread`, field, 'a user-space process');
  }
  const declared = resource.process?.executable;
  if (declared !== undefined) {
    const exe = executableOf(pid);
    if (exe !== declared) {
      throw new UnsafeTargetError(
        `pid ${pid} runs ${exe ?? 'no executable'}, not the declared ${declared}`,
        'resource.process.executable',
        declared,
      );
    }
  }
}

export function checkSafePid(pid: number, protectedPids: ReadonlySet<number>): void {
  const forbidden = new Set([1, process.pid, process.ppid, ...protectedPids]);
  if (forbidden.has(pid)) {
    throw new UnsafeTargetError(
      `pid ${pid} may not be touched (PID 1, the agent, its parent or a protected process)`,
      'resource.process',
      `any pid except ${[...forbidden].join(', ')}`,
    );
  }
}

/** The resource's process ids: its supervised child (as started), or its validated pid file. */
export function resolvePids(
  resource: ResourceConfig,
  supervisor: Supervisor | undefined,
  protectedPids: ReadonlySet<number>,
): number[] {
  let pid: number;
  let field: string;
  if (supervisor) {
    field = 'resource.process.command';
    const child = supervisor.pid;
    if (child === undefined || !supervisor.isOwnChild(child))
      throw new InjectionFailedError(
        `the supervised process of ${resource.name} is not running`,
        field,
        'a running process',
      );
    pid = child;
  } else {
    const pidFile = resource.process?.pidFile;
    if (!pidFile)
      throw new InvalidRequestError(
        `resource ${resource.name} identifies no process`,
        'resource.process',
        'pidFile or command',
      );
    field = 'resource.process.pidFile';
    pid = readPidFile(pidFile);
  }
  checkSafePid(pid, protectedPids);
  checkUserProcess(pid, resource, field);
  return [pid];
}
