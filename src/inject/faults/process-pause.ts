/**
 * process_pause: SIGSTOP (method "signal") or a frozen freezer cgroup (method "freezer") on
 * the resource's processes. Revert sends SIGCONT / thaws, and reads the state back.
 */
import { existsSync } from 'node:fs';
import { cgroupOf, type Cgroups } from '../cgroups';
import { InjectionFailedError, RecoveryRefusedError } from '../errors';
import { isSameProcess, pollUntil, readProcStat } from '../proc';
import { cgroupsOf, journaledPids, ownCgroup, wholeOrNothing } from './host-target';
import { registerFault } from './registry';

interface PausedPid {
  pid: number;
  startTime: number;
  from?: string;
}
interface PauseDetail {
  method: 'signal' | 'freezer';
  pids: PausedPid[];
  cgroup?: string;
}

function isStopped(pid: number): boolean {
  const state = readProcStat(pid)?.state;
  return state === 'T' || state === 't';
}

function undo(detail: PauseDetail, cgroups: Cgroups | undefined): void {
  const alive = detail.pids.filter((p) => isSameProcess(p.pid, p.startTime));
  if (detail.method === 'freezer' && cgroups && detail.cgroup) {
    if (existsSync(detail.cgroup)) cgroups.setFrozen(detail.cgroup, false);
    for (const p of alive) if (p.from) cgroups.restorePid('freezer', p.from, p.pid);
    cgroups.remove('freezer', detail.cgroup, detail.pids[0]?.from ?? '/');
  } else {
    for (const p of alive) process.kill(p.pid, 'SIGCONT');
  }
}

registerFault({
  mode: 'process_pause',
  journaled: true,
  async apply(target, params, lease, host) {
    const pids = target.processPids();
    const cgroups = params.method === 'freezer' ? cgroupsOf(host) : undefined;
    const detail: PauseDetail = {
      method: params.method,
      pids: pids.map((pid) => ({
        pid,
        startTime: readProcStat(pid)?.startTime ?? 0,
        ...(cgroups ? { from: cgroupOf(pid, 'freezer', cgroups.layout) } : {}),
      })),
      ...(cgroups ? { cgroup: cgroups.pathFor('freezer', lease.faultId) } : {}),
    };
    host.journal.recordApply(lease.faultId, 'process_pause', target.resource.name, { ...detail });
    await wholeOrNothing(
      async () => {
        if (cgroups && detail.cgroup) {
          cgroups.create('freezer', lease.faultId);
          for (const p of detail.pids) cgroups.movePid(detail.cgroup, p.pid);
          cgroups.setFrozen(detail.cgroup, true);
          const cgroup = detail.cgroup;
          if (!(await pollUntil(() => cgroups.isFrozen(cgroup), 3000))) {
            throw new InjectionFailedError('the freezer cgroup did not reach FROZEN');
          }
        } else {
          for (const p of detail.pids) process.kill(p.pid, 'SIGSTOP');
          if (!(await pollUntil(() => detail.pids.every((p) => isStopped(p.pid)), 3000))) {
            throw new InjectionFailedError('the process did not stop after SIGSTOP');
          }
        }
      },
      async () => undo(detail, cgroups),
      () => host.journal.recordRevert(lease.faultId, 'process_pause', target.resource.name),
    );
    return {
      detail: { ...detail },
      async revert() {
        undo(detail, cgroups);
        await pollUntil(() => detail.pids.every((p) => !isStopped(p.pid)), 2000);
      },
      async isPresent() {
        if (detail.cgroup && existsSync(detail.cgroup)) return true;
        return (
          detail.method === 'signal' &&
          detail.pids.some((p) => isSameProcess(p.pid, p.startTime) && isStopped(p.pid))
        );
      },
    };
  },
  async recover(detail, host, scope) {
    const pids = journaledPids<PausedPid>(detail.pids);
    if (detail.method === 'signal') return undo({ method: 'signal', pids }, undefined);
    if (detail.method !== 'freezer')
      throw new RecoveryRefusedError('unknown pause method', 'journal.detail.method');
    const cgroups = cgroupsOf(host);
    const cgroup = ownCgroup(host, 'freezer', scope, detail.cgroup);
    const inside = new Set(cgroups.pidsIn(cgroup));
    const moved = pids.filter(
      (p) =>
        inside.has(p.pid) &&
        typeof p.from === 'string' &&
        p.from.startsWith('/') &&
        !p.from.split('/').includes('..'),
    );
    undo({ method: 'freezer', cgroup, pids: moved }, cgroups);
  },
});
