/**
 * memory_pressure: stress-ng holds `size` bytes inside our own memory cgroup (limit: size
 * plus slack, so it can never take more) and cpu cgroup (it spins while it holds memory).
 */
import { cgroupsOf, toolOf, wholeOrNothing } from './host-target';
import { registerFault } from './registry';
import { recoverStressor, startStressor, stopStressor, type StressorDetail } from './stressor';

const SLACK_BYTES = 64 * 1024 ** 2;

registerFault({
  mode: 'memory_pressure',
  journaled: true,
  async apply(target, params, lease, host) {
    const cgroups = cgroupsOf(host);
    const stressNg = toolOf(host, 'stressNg', 'stress-ng');
    const detail: StressorDetail = {
      cgroups: [
        { controller: 'memory', dir: cgroups.pathFor('memory', lease.faultId) },
        { controller: 'cpu', dir: cgroups.pathFor('cpu', lease.faultId) },
      ],
    };
    host.journal.recordApply(lease.faultId, 'memory_pressure', target.resource.name, { ...detail });
    return wholeOrNothing(
      async () => {
        cgroups.create('memory', lease.faultId);
        cgroups.create('cpu', lease.faultId);
        cgroups.setMemoryLimit(detail.cgroups[0]!.dir, params.size + SLACK_BYTES);
        cgroups.setCpuQuota(detail.cgroups[1]!.dir, 25);
        const seconds = Math.ceil(params.duration / 1000);
        return startStressor(cgroups, detail, stressNg, [
          '--vm',
          '1',
          '--vm-bytes',
          String(params.size),
          '--vm-keep',
          '--timeout',
          `${seconds}s`,
          '--quiet',
        ]);
      },
      () => stopStressor(cgroups, detail),
      () => host.journal.recordRevert(lease.faultId, 'memory_pressure', target.resource.name),
    );
  },
  async recover(detail, host, scope) {
    await recoverStressor(detail, host, scope);
  },
});
