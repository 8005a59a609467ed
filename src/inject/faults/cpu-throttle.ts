/**
 * cpu_throttle: the resource's processes move into our own cpu cgroup with a quota of
 * `percent` of one core. Revert moves each back to the cgroup it came from and removes ours.
 */
import { existsSync } from 'node:fs';
import { FAULT_PARAM_SCHEMAS } from '../../config/fault-params';
import { cgroupOf, type Cgroups } from '../cgroups';
import { InjectionFailedError } from '../errors';
import { isSameProcess, readProcStat } from '../proc';
import { cgroupsOf, journaledPids, ownCgroup, wholeOrNothing } from './host-target';
import { registerFault } from './registry';

interface MovedPid {
  pid: number;
  startTime: number;
  /** The cpu cgroup it came from, relative to the hierarchy root. */
  from: string;
}
interface ThrottleDetail {
  cgroup: string;
  pids: MovedPid[];
  percent: number;
}

function undo(cgroups: Cgroups, detail: ThrottleDetail): void {
  for (const moved of detail.pids) {
    if (isSameProcess(moved.pid, moved.startTime)) cgroups.restorePid('cpu', moved.from, moved.pid);
  }
  cgroups.remove('cpu', detail.cgroup, detail.pids[0]?.from ?? '/');
}

function traceLeft(cgroups: Cgroups, detail: ThrottleDetail): boolean {
  if (existsSync(detail.cgroup)) return true;
  return detail.pids.some(
    (moved) =>
      isSameProcess(moved.pid, moved.startTime) && cgroupOf(moved.pid, 'cpu', cgroups.layout) !== moved.from,
  );
}

registerFault({
  mode: 'cpu_throttle',
  journaled: true,
  liveParams: ['percent'],
  async apply(target, params, lease, host) {
    const cgroups = cgroupsOf(host);
    const pids = target.processPids();
    const detail: ThrottleDetail = {
      cgroup: cgroups.pathFor('cpu', lease.faultId),
      percent: params.percent,
      pids: pids.map((pid) => ({
        pid,
        startTime: readProcStat(pid)?.startTime ?? 0,
        from: cgroupOf(pid, 'cpu', cgroups.layout),
      })),
    };
    host.journal.recordApply(lease.faultId, 'cpu_throttle', target.resource.name, { ...detail });
    await wholeOrNothing(
      async () => {
        cgroups.create('cpu', lease.faultId);
        cgroups.setCpuQuota(detail.cgroup, params.percent);
        for (const { pid } of detail.pids) cgroups.movePid(detail.cgroup, pid);
        const quota = cgroups.readCpuQuota(detail.cgroup);
        if (quota === undefined || Math.abs(quota - params.percent) > 0.01) {
          throw new InjectionFailedError(
            `the cpu quota reads back as ${quota ?? 'unlimited'}, not ${params.percent}%`,
          );
        }
      },
      async () => undo(cgroups, detail),
      () => host.journal.recordRevert(lease.faultId, 'cpu_throttle', target.resource.name),
    );
    return {
      detail: { ...detail },
      async update(next) {
        const parsed = FAULT_PARAM_SCHEMAS.cpu_throttle.parse(next);
        cgroups.setCpuQuota(detail.cgroup, parsed.percent);
        detail.percent = parsed.percent;
      },
      async revert() {
        undo(cgroups, detail);
      },
      async isPresent() {
        return traceLeft(cgroups, detail);
      },
    };
  },
  async recover(detail, host, scope) {
    const cgroups = cgroupsOf(host);
    const cgroup = ownCgroup(host, 'cpu', scope, detail.cgroup);
    // Only pids still inside our cgroup go back, and only to a cgroup path without '..'.
    const inside = new Set(cgroups.pidsIn(cgroup));
    const pids = journaledPids<MovedPid>(detail.pids).filter(
      (p) =>
        inside.has(p.pid) &&
        typeof p.from === 'string' &&
        p.from.startsWith('/') &&
        !p.from.split('/').includes('..'),
    );
    undo(cgroups, { cgroup, pids, percent: 0 });
  },
});
