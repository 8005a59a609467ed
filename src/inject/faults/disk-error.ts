/**
 * disk_error: libfiu failure points (e.g. posix/io/rw/read) enabled with `fiu-ctrl` in the
 * resource's process, which must run under `fiu-run -x` (process.underFiu). Revert disables
 * every point; libfiu has no query, so a disable acknowledged by the process is the read-back.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { InjectionFailedError, InvalidRequestError, RecoveryRefusedError } from '../errors';
import { isSameProcess, readProcStat } from '../proc';
import { journaledPids, toolOf, wholeOrNothing } from './host-target';
import { registerFault } from './registry';
import { TOOL_TIMEOUT_MS } from '../tools';

const run = promisify(execFile);

interface DiskErrorDetail {
  pid: number;
  startTime: number;
  points: string[];
}

async function fiuCommand(fiuCtrl: string, pid: number, command: string): Promise<void> {
  try {
    // A stopped process never answers its control pipe: do not wait forever.
    await run(fiuCtrl, ['-c', command, String(pid)], {
      timeout: TOOL_TIMEOUT_MS.fiuCtrl,
      killSignal: 'SIGKILL',
    });
  } catch (err) {
    throw new InjectionFailedError(`fiu-ctrl "${command}" on pid ${pid} failed: ${(err as Error).message}`);
  }
}

async function disableAll(fiuCtrl: string, detail: DiskErrorDetail): Promise<void> {
  if (!isSameProcess(detail.pid, detail.startTime)) return;
  for (const point of detail.points) await fiuCommand(fiuCtrl, detail.pid, `disable name=${point}`);
}

registerFault({
  mode: 'disk_error',
  journaled: true,
  async apply(target, params, lease, host) {
    const fiuCtrl = toolOf(host, 'fiuCtrl', 'fiu-utils');
    const pids = target.processPids();
    const withFiu = pids.filter((pid) => existsSync(`/tmp/fiu-ctrl-${pid}.in`));
    if (withFiu.length === 0) {
      throw new InvalidRequestError(
        `the process of ${target.resource.name} does not run under libfiu`,
        'resource.process.underFiu',
        'true (the agent starts process.command under fiu-run -x)',
      );
    }
    const details: DiskErrorDetail[] = withFiu.map((pid) => ({
      pid,
      startTime: readProcStat(pid)?.startTime ?? 0,
      points: params.points,
    }));
    host.journal.recordApply(lease.faultId, 'disk_error', target.resource.name, { processes: details });
    const enable = (point: string) =>
      params.probability >= 1
        ? `enable name=${point}`
        : `enable_random name=${point},probability=${params.probability}`;
    let active = true;
    await wholeOrNothing(
      async () => {
        for (const d of details)
          for (const point of d.points) await fiuCommand(fiuCtrl, d.pid, enable(point));
      },
      async () => {
        for (const d of details) await disableAll(fiuCtrl, d);
      },
      () => host.journal.recordRevert(lease.faultId, 'disk_error', target.resource.name),
    );
    return {
      detail: { processes: details },
      async revert() {
        for (const d of details) await disableAll(fiuCtrl, d);
        active = false;
      },
      async isPresent() {
        return active && details.some((d) => isSameProcess(d.pid, d.startTime));
      },
    };
  },
  async recover(detail, host) {
    const fiuCtrl = toolOf(host, 'fiuCtrl', 'fiu-utils');
    for (const d of journaledPids<DiskErrorDetail>(detail.processes ?? [])) {
      if (
        !Array.isArray(d.points) ||
        !d.points.every((p) => typeof p === 'string' && /^[a-z0-9_/*]+$/.test(p))
      ) {
        throw new RecoveryRefusedError('the journal names malformed fiu points', 'journal.detail.processes');
      }
      await disableAll(fiuCtrl, d);
    }
  },
});
