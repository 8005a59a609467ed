/**
 * Which processes a fault may touch. A pid comes from the agent's own supervisor or from a
 * pid file, and a pid file is only believed when no one but root (or the agent's user) could
 * have written it, it holds a number and nothing else, and that number is a live user-space
 * process, whose executable is the one the config names (`process.executable`).
 *
 * The first process a pid file names is pinned (pid, start time, executable, command line):
 * later the pid file must name that very process, or a new one running the same program (the
 * service restarted). A recycled pid, or a pid file rewritten to name another program, is
 * refused, with or without `process.executable`.
 */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
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

/** The process's command line (argv); undefined when it is gone. */
export function cmdlineOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((part, i, all) => part || i < all.length - 1);
  } catch {
    return undefined;
  }
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

/** One process for good: its pid and start time, and the program it runs. */
export interface PinnedProcess {
  pid: number;
  /** Clock ticks after boot (/proc/<pid>/stat field 22). */
  startTime: number;
  executable: string | undefined;
  cmdline: string[] | undefined;
}

function pinOf(pid: number): PinnedProcess | undefined {
  const stat = readProcStat(pid);
  if (!stat) return undefined;
  return { pid, startTime: stat.startTime, executable: executableOf(pid), cmdline: cmdlineOf(pid) };
}

/**
 * The process each pid-file resource named when the agent first validated it. A pid is
 * believed again when it is that very process (pid and start time), or a new process running
 * the same executable with the same command line (a restart of the service; it is pinned
 * instead). Anything else, a recycled pid included, is refused naming resource.process.pidFile.
 */
export class PidPins {
  private readonly pins = new Map<string, PinnedProcess>();

  get(resource: string): PinnedProcess | undefined {
    return this.pins.get(resource);
  }

  /** Pins `process` for `resource` outright (what `check` does on first sight). */
  pin(resource: string, process: PinnedProcess): void {
    this.pins.set(resource, process);
  }

  check(resource: string, pid: number): void {
    const now = pinOf(pid);
    if (!now) return;
    const pinned = this.pins.get(resource);
    if (!pinned) {
      this.pins.set(resource, now);
      return;
    }
    if (pinned.pid === pid && pinned.startTime === now.startTime) return;
    const sameProgram =
      now.executable !== undefined &&
      now.executable === pinned.executable &&
      isDeepStrictEqual(now.cmdline, pinned.cmdline);
    if (sameProgram) {
      this.pins.set(resource, now);
      return;
    }
    const what =
      pinned.pid === pid
        ? `pid ${pid} was recycled: it started at tick ${now.startTime}, not ${pinned.startTime}`
        : `the pid file now names pid ${pid}, not ${pinned.pid}`;
    throw new UnsafeTargetError(
      `${what}, and runs ${now.executable ?? 'no executable'} ${JSON.stringify(now.cmdline ?? [])}, not the ${pinned.executable ?? '?'} ${JSON.stringify(pinned.cmdline ?? [])} first validated for ${resource}`,
      'resource.process.pidFile',
      `pid ${pinned.pid} (started at tick ${pinned.startTime}), or a restart of the same program`,
    );
  }
}

/** The resource's process ids: its supervised child (as started), or its validated pid file. */
export function resolvePids(
  resource: ResourceConfig,
  supervisor: Supervisor | undefined,
  protectedPids: ReadonlySet<number>,
  pins?: PidPins,
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
  if (!supervisor) pins?.check(resource.name, pid);
  return [pid];
}
