/** Shared by the host faults: required facilities, or a refusal naming what is missing. */
import type { Cgroups } from '../cgroups';
import { InjectionFailedError } from '../errors';
import type { HostServices } from './types';

export function cgroupsOf(host: HostServices): Cgroups {
  if (!host.cgroups) throw new InjectionFailedError('no writable cgroup hierarchy was found on this host');
  return host.cgroups;
}

export function toolOf(host: HostServices, tool: keyof HostServices['tools'], pkg: string): string {
  const found = host.tools[tool];
  if (!found) throw new InjectionFailedError(`${tool} was not found on this host (apt-get install ${pkg})`);
  return found;
}

/** Runs `undo` when `act` throws, then rethrows: a fault is applied whole or not at all. */
export async function wholeOrNothing<T>(act: () => Promise<T>, undo: () => Promise<void>): Promise<T> {
  try {
    return await act();
  } catch (err) {
    await undo().catch(() => {});
    throw err;
  }
}
