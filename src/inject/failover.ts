/**
 * A failover is a fault too (`failover:<resource>`): the resource's proxy points at its failover
 * upstream while it is applied, leased like the resource's other faults.
 */
import type { FaultRecord } from './fault-records';
import { MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from './leases';
import type { ResourceProxy } from './proxy/resource-proxy';

/** A failover's lease when the request names none and no fault on its resource holds one. */
export const DEFAULT_FAILOVER_LEASE_SECONDS = 30;

/** Switches `proxy` to its failover upstream and returns the applied fault that switches it back. */
export function applyFailover(proxy: ResourceProxy, faultId: string): FaultRecord {
  const upstream = proxy.setFailover(true);
  return {
    journaled: true,
    appliedParams: {},
    active: {
      detail: { upstream },
      async revert() {
        proxy.setFailover(false);
      },
      async isPresent() {
        return proxy.onFailover;
      },
    },
    state: {
      faultId,
      resource: proxy.resource,
      mode: 'failover',
      params: {},
      phase: 'applied',
      appliedAt: new Date().toISOString(),
      leaseExpiresAt: '',
      detail: { upstream },
    },
  };
}

/** As long as the longest remaining lease (in ms from now) of the resource's faults, else the default. */
export function failoverLeaseSeconds(remainingMs: number[]): number {
  const longest = Math.ceil(Math.max(0, ...remainingMs.map((ms) => ms / 1000)));
  return longest >= MIN_LEASE_SECONDS ? Math.min(longest, MAX_LEASE_SECONDS) : DEFAULT_FAILOVER_LEASE_SECONDS;
}
