/** Shared by the host faults: required facilities, or a refusal naming what is missing. */
import type { Cgroups, Controller } from '../cgroups';
import { InjectionFailedError, RecoveryRefusedError } from '../errors';
import type { HostServices, RecoveryScope } from './types';

export function cgroupsOf(host: HostServices): Cgroups {
  if (!host.cgroups) throw new InjectionFailedError('no writable cgroup hierarchy was found on this host');
  return host.cgroups;
}

export function toolOf(host: HostServices, tool: keyof HostServices['tools'], pkg: string): string {
  const found = host.tools[tool];
  if (!found) throw new InjectionFailedError(`${tool} was not found on this host (apt-get install ${pkg})`);
  return found;
}

/**
 * Runs `undo` when `act` throws, then rethrows: a fault is applied whole or not at all. When the
 * undo succeeded, `undone` runs too (it closes the fault's journal record, so recovery does not
 * look for it again); an undo that failed leaves the record open for recovery.
 */
export async function wholeOrNothing<T>(
  act: () => Promise<T>,
  undo: () => Promise<void>,
  undone?: () => void,
): Promise<T> {
  try {
    return await act();
  } catch (err) {
    try {
      await undo();
      undone?.();
    } catch {
      // the apply's own error is the one to report
    }
    throw err;
  }
}

/** The cgroup recovery may touch for `scope`: exactly this agent's own one for the fault, or a refusal. */
export function ownCgroup(
  host: HostServices,
  controller: Controller,
  scope: RecoveryScope,
  dir: unknown,
): string {
  const expected = cgroupsOf(host).pathFor(controller, scope.faultId);
  if (dir !== expected) {
    throw new RecoveryRefusedError(
      `the journal names the ${controller} cgroup ${String(dir)}, not this agent's ${expected}`,
      'journal.detail.cgroup',
    );
  }
  return expected;
}

/** Pids as journaled: positive integers above 1, or a refusal. */
export function journaledPids<T extends { pid: unknown }>(list: unknown): T[] {
  if (
    !Array.isArray(list) ||
    !list.every((p) => Number.isInteger((p as T)?.pid) && Number((p as T).pid) > 1)
  ) {
    throw new RecoveryRefusedError(
      'the journal names pids that are not positive integers',
      'journal.detail.pids',
    );
  }
  return list as T[];
}
