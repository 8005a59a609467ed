/**
 * Our own cgroups, for cpu_throttle, process_pause (freezer) and bounding stress-ng. They are
 * created under a `foreshock` parent, only the target pids are moved in, and on revert the
 * pids go back to the cgroup they came from and our cgroup is removed.
 *
 * cgroup v1 (one hierarchy per controller: cpu.cfs_quota_us, freezer.state,
 * memory.limit_in_bytes) and v2 (one unified hierarchy: cpu.max, cgroup.freeze, memory.max)
 * are both handled; which one is used is read from /proc/mounts.
 */
import { existsSync, readFileSync, readdirSync, rmdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { InjectionFailedError } from './errors';

export type Controller = 'cpu' | 'freezer' | 'memory';

export interface CgroupLayout {
  version: 1 | 2;
  /** v1: mount point per controller; v2: the same unified mount for all. */
  mounts: Partial<Record<Controller, string>>;
}

const CPU_PERIOD_US = 100_000;

/**
 * Reads /proc/mounts: v1 controllers where mounted, else the unified v2 hierarchy. A hybrid
 * host mounts both; `prefer` picks one there (undefined when the preferred one is absent).
 */
export function detectCgroupLayout(
  mountsText = readFileSync('/proc/mounts', 'utf8'),
  prefer: 'auto' | 1 | 2 = 'auto',
): CgroupLayout | undefined {
  const v1: Partial<Record<Controller, string>> = {};
  let v2: string | undefined;
  for (const line of mountsText.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (!mountPoint || !options) continue;
    if (type === 'cgroup') {
      const opts = options.split(',');
      for (const controller of ['cpu', 'freezer', 'memory'] as const) {
        if (opts.includes(controller)) v1[controller] = mountPoint;
      }
    } else if (type === 'cgroup2' && (v2 === undefined || mountPoint === '/sys/fs/cgroup')) {
      v2 = mountPoint;
    }
  }
  const unified: CgroupLayout | undefined = v2
    ? { version: 2, mounts: { cpu: v2, freezer: v2, memory: v2 } }
    : undefined;
  if (prefer === 2) return unified;
  if (v1.cpu) return { version: 1, mounts: v1 };
  return prefer === 1 ? undefined : unified;
}

/** The cgroup path (relative to the hierarchy root) a pid is in for `controller`. */
export function cgroupOf(pid: number, controller: Controller, layout: CgroupLayout): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  for (const line of lines) {
    const [hierarchy, controllers, relPath] = line.split(':');
    if (relPath === undefined) continue;
    if (layout.version === 2 ? hierarchy === '0' : controllers?.split(',').includes(controller)) {
      return relPath;
    }
  }
  throw new InjectionFailedError(`pid ${pid} is in no ${controller} cgroup`);
}

export class Cgroups {
  constructor(
    readonly layout: CgroupLayout,
    /** Prefix of every cgroup this agent creates, so that its leftovers are recognisable. */
    readonly prefix: string,
  ) {}

  private mount(controller: Controller): string {
    const mount = this.layout.mounts[controller];
    if (!mount) throw new InjectionFailedError(`the ${controller} cgroup controller is not mounted`);
    return mount;
  }

  /** The `foreshock` parent for `controller`: under the agent's own cgroup (v1), at the root (v2). */
  parentDir(controller: Controller): string {
    const mount = this.mount(controller);
    const own = this.layout.version === 1 ? cgroupOf(process.pid, controller, this.layout) : '/';
    return path.join(mount, own, 'foreshock');
  }

  /** Where our cgroup `name` lives (journaled before it is created). */
  pathFor(controller: Controller, name: string): string {
    return path.join(this.parentDir(controller), `${this.prefix}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  }

  /** Creates (or reuses) our cgroup `<parent>/<prefix>-<name>` and returns its directory. */
  create(controller: Controller, name: string): string {
    const parent = this.parentDir(controller);
    // v2 freezing is built into every cgroup; cpu and memory must be offered by the root
    // (on a hybrid host, a controller mounted under v1 is missing here).
    const enable = this.layout.version === 2 && controller !== 'freezer';
    if (enable) {
      const root = this.mount(controller);
      const offered = readFileSync(path.join(root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
      if (!offered.includes(controller)) {
        throw new InjectionFailedError(
          `the ${controller} controller is not available in the cgroup v2 hierarchy at ${root} ` +
            `(it offers: ${offered.filter(Boolean).join(', ') || 'none'}); ` +
            'on a hybrid host it may be held by cgroup v1',
        );
      }
    }
    mkdirSync(parent, { recursive: true });
    if (enable) {
      for (const dir of [path.dirname(parent), parent]) {
        writeFileSync(path.join(dir, 'cgroup.subtree_control'), `+${controller}`);
      }
    }
    const dir = this.pathFor(controller, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Our cgroups that still exist, across all controllers. */
  leftovers(): string[] {
    const found = new Set<string>();
    for (const controller of ['cpu', 'freezer', 'memory'] as const) {
      if (!this.layout.mounts[controller]) continue;
      const parent = this.parentDir(controller);
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent)) {
        if (entry.startsWith(`${this.prefix}-`)) found.add(path.join(parent, entry));
      }
    }
    return [...found];
  }

  setCpuQuota(dir: string, percent: number): void {
    const quota = Math.round((percent / 100) * CPU_PERIOD_US);
    if (this.layout.version === 2) {
      writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
    } else {
      writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota));
    }
  }

  /** The quota in percent of one core, or undefined when unlimited. */
  readCpuQuota(dir: string): number | undefined {
    if (this.layout.version === 2) {
      const [quota, period] = readFileSync(path.join(dir, 'cpu.max'), 'utf8').trim().split(' ');
      return quota === 'max' ? undefined : (Number(quota) / Number(period)) * 100;
    }
    const quota = Number(readFileSync(path.join(dir, 'cpu.cfs_quota_us'), 'utf8').trim());
    const period = Number(readFileSync(path.join(dir, 'cpu.cfs_period_us'), 'utf8').trim());
    return quota < 0 ? undefined : (quota / period) * 100;
  }

  setMemoryLimit(dir: string, bytes: number): void {
    const file = this.layout.version === 2 ? 'memory.max' : 'memory.limit_in_bytes';
    writeFileSync(path.join(dir, file), String(bytes));
  }

  setFrozen(dir: string, frozen: boolean): void {
    if (this.layout.version === 2) writeFileSync(path.join(dir, 'cgroup.freeze'), frozen ? '1' : '0');
    else writeFileSync(path.join(dir, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED');
  }

  isFrozen(dir: string): boolean {
    if (this.layout.version === 2) {
      return /frozen 1/.test(readFileSync(path.join(dir, 'cgroup.events'), 'utf8'));
    }
    return readFileSync(path.join(dir, 'freezer.state'), 'utf8').trim() === 'FROZEN';
  }

  movePid(dir: string, pid: number): void {
    writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
  }

  /** Moves a pid back into `relPath` of `controller`'s hierarchy; quiet when the pid is gone. */
  restorePid(controller: Controller, relPath: string, pid: number): void {
    try {
      this.movePid(path.join(this.mount(controller), relPath), pid);
    } catch (err) {
      if (existsSync(`/proc/${pid}`)) throw err;
    }
  }

  pidsIn(dir: string): number[] {
    if (!existsSync(dir)) return [];
    return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  }

  /**
   * Removes our cgroup. Pids still inside (children the target forked meanwhile) are moved
   * to `fallbackRelPath` first, so that removal never strands a process.
   */
  remove(controller: Controller, dir: string, fallbackRelPath: string): void {
    if (!existsSync(dir)) return;
    for (const pid of this.pidsIn(dir)) this.restorePid(controller, fallbackRelPath, pid);
    rmdirSync(dir);
  }

  /** Removes the `foreshock` parent when no one else has cgroups in it. */
  removeParentIfEmpty(controller: Controller): void {
    try {
      const parent = this.parentDir(controller);
      if (existsSync(parent) && readdirSync(parent).every((e) => !statIsDir(path.join(parent, e)))) {
        rmdirSync(parent);
      }
    } catch {
      // Another agent may be creating a cgroup there right now; the parent is harmless.
    }
  }
}

function statIsDir(p: string): boolean {
  try {
    return existsSync(path.join(p, 'cgroup.procs'));
  } catch {
    return false;
  }
}
