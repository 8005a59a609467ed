/**
 * Fault types by name. Each file under ./ registers itself here on import; ./index.ts
 * imports them all.
 */
import type { FailureMode } from '../../config/fault-params';
import type { FaultType } from './types';

const registered = new Map<FailureMode, FaultType>();

export function registerFault<M extends FailureMode>(type: FaultType<M>): void {
  if (registered.has(type.mode)) throw new Error(`fault type ${type.mode} is registered twice`);
  registered.set(type.mode, type as unknown as FaultType);
}

export function faultType(mode: FailureMode): FaultType | undefined {
  return registered.get(mode);
}

export function registeredModes(): FailureMode[] {
  return [...registered.keys()];
}
