/** cpu_stress: stress-ng CPU workers inside our own cpu cgroup, whose quota bounds them. */
import os from 'node:os';
import { cgroupsOf, toolOf, wholeOrNothing } from './host-target';
import { registerFault } from './registry';
import { recoverStressor, startStressor, stopStressor, type StressorDetail } from './stressor';

registerFault({
  mode: 'cpu_stress',
  journaled: true,
  async apply(target, params, lease, host) {
    const cgroups = cgroupsOf(host);
    const stressNg = toolOf(host, 'stressNg', 'stress-ng');
    const detail: StressorDetail = {
      cgroups: [{ controller: 'cpu', dir: cgroups.pathFor('cpu', lease.faultId) }],
    };
    host.journal.recordApply(lease.faultId, 'cpu_stress', target.resource.name, { ...detail });
    // Never more than all cores but half of one: the host must stay reachable.
    const ceiling = Math.max(50, (os.availableParallelism() - 0.5) * 100);
    const quota = Math.min(params.workers * params.load, ceiling);
    return wholeOrNothing(
      async () => {
        cgroups.create('cpu', lease.faultId);
        cgroups.setCpuQuota(detail.cgroups[0]!.dir, quota);
        const seconds = Math.ceil(params.duration / 1000);
        return startStressor(cgroups, detail, stressNg, [
          '--cpu',
          String(params.workers),
          '--cpu-load',
          String(params.load),
          '--timeout',
          `${seconds}s`,
          '--quiet',
        ]);
      },
      () => stopStressor(cgroups, detail),
      () => host.journal.recordRevert(lease.faultId, 'cpu_stress', target.resource.name),
    );
  },
  async recover(detail, host, scope) {
    await recoverStressor(detail, host, scope);
  },
});
