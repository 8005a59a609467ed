/**
 * Shared by cpu_stress and memory_pressure: stress-ng started inside our own cgroups (it
 * enters them before it execs, so every worker it forks is bounded), killed as a process
 * group on revert.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Cgroups, Controller } from '../cgroups';
import { InjectionFailedError, RecoveryRefusedError } from '../errors';
import { pollUntil } from '../proc';
import { cgroupsOf, ownCgroup } from './host-target';
import type { ActiveFault, HostServices, RecoveryScope } from './types';

export interface StressorDetail {
  cgroups: { controller: Controller; dir: string }[];
  pid?: number;
}

/** Kills everything in our cgroups (only our stressor can be there) and removes them. */
export async function stopStressor(cgroups: Cgroups, detail: StressorDetail): Promise<void> {
  for (const { dir } of detail.cgroups) {
    for (const pid of cgroups.pidsIn(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await pollUntil(() => detail.cgroups.every(({ dir }) => cgroups.pidsIn(dir).length === 0), 5000);
  for (const { controller, dir } of detail.cgroups) cgroups.remove(controller, dir, '/');
}

/** Stops a stressor a dead agent left, after checking every cgroup in the record is our own. */
export async function recoverStressor(
  detail: Record<string, unknown>,
  host: HostServices,
  scope: RecoveryScope,
): Promise<void> {
  const list = detail.cgroups;
  if (!Array.isArray(list))
    throw new RecoveryRefusedError('the journal names no cgroups', 'journal.detail.cgroups');
  const checked = list.map((entry: { controller?: unknown; dir?: unknown }) => {
    const controller = entry?.controller;
    if (controller !== 'cpu' && controller !== 'memory') {
      throw new RecoveryRefusedError(`unexpected controller ${String(controller)}`, 'journal.detail.cgroups');
    }
    return { controller, dir: ownCgroup(host, controller, scope, entry.dir) } as const;
  });
  await stopStressor(cgroupsOf(host), { cgroups: checked });
}

export async function startStressor(
  cgroups: Cgroups,
  detail: StressorDetail,
  stressNg: string,
  args: string[],
): Promise<ActiveFault> {
  const enter = detail.cgroups.map(({ dir }) => `echo $$ > ${path.join(dir, 'cgroup.procs')}`).join(' && ');
  const child = spawn('sh', ['-c', `${enter} && exec "$0" "$@"`, stressNg, ...args], {
    stdio: 'ignore',
    detached: true,
  });
  child.on('error', () => {});
  child.unref();
  detail.pid = child.pid;
  const started = await pollUntil(
    () => detail.cgroups.every(({ dir }) => cgroups.pidsIn(dir).length > 0),
    5000,
  );
  if (!started) throw new InjectionFailedError('stress-ng did not start inside its cgroup');
  return {
    detail: { ...detail },
    async revert() {
      await stopStressor(cgroups, detail);
    },
    async isPresent() {
      return detail.cgroups.some(({ dir }) => existsSync(dir));
    },
  };
}
