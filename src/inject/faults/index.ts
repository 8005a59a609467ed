/** Imports every fault type so that each registers itself by name. */
import './network-latency';
import './bandwidth';
import './connection-reset';
import './blackhole';
import './http-error';
import './http-delay';
import './cpu-throttle';
import './cpu-stress';
import './memory-pressure';
import './disk-error';
import './disk-fill';
import './process-crash';
import './process-pause';

export { faultType, registeredModes } from './registry';
export type { ActiveFault, FaultLease, FaultTarget, FaultType, HostServices, RecoveryScope } from './types';
