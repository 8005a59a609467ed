/**
 * The agent's Prometheus metrics, on a private registry so that several agents (or an agent
 * and a worker) in one process never collide.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { FaultMode } from './api';
import type { HttpCounters } from './proxy/http-layer';
import type { ProxyCounters } from './proxy/tcp-proxy';

export type RevertReason =
  | 'requested'
  | 'lease_expired'
  | 'duration_elapsed'
  | 'journal_recovery'
  | 'shutdown';

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly proxyBytes = new Counter({
    name: 'foreshock_agent_proxy_bytes_total',
    help: 'Bytes forwarded by a resource proxy, per direction (upstream: client to server)',
    labelNames: ['proxy', 'direction'] as const,
    registers: [this.registry],
  });
  private readonly proxyConnections = new Counter({
    name: 'foreshock_agent_proxy_connections_total',
    help: 'Connections seen by a resource proxy, by event (accepted, closed, reset)',
    labelNames: ['proxy', 'event'] as const,
    registers: [this.registry],
  });
  private readonly proxyOpenConnections = new Gauge({
    name: 'foreshock_agent_proxy_open_connections',
    help: 'Connections a resource proxy holds open now',
    labelNames: ['proxy'] as const,
    registers: [this.registry],
  });
  private readonly httpRequests = new Counter({
    name: 'foreshock_agent_proxy_http_requests_total',
    help: 'Requests through an HTTP-mode proxy, by outcome',
    labelNames: ['proxy', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly activeFaults = new Gauge({
    name: 'foreshock_agent_active_faults',
    help: 'Faults applied now, by mode',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });
  readonly applies = new Counter({
    name: 'foreshock_agent_fault_applies_total',
    help: 'Faults applied, by mode',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });
  readonly reverts = new Counter({
    name: 'foreshock_agent_fault_reverts_total',
    help: 'Faults reverted, by mode and reason',
    labelNames: ['mode', 'reason'] as const,
    registers: [this.registry],
  });
  readonly leaseExpiries = new Counter({
    name: 'foreshock_agent_lease_expiries_total',
    help: 'Faults the agent reverted by itself because their lease ran out',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });
  readonly verificationFailures = new Counter({
    name: 'foreshock_agent_verification_failures_total',
    help: 'Reverts after which reading the state back still showed a trace of the fault',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });
  readonly processRestarts = new Counter({
    name: 'foreshock_agent_process_restarts_total',
    help: 'Restarts of agent-supervised processes',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });

  countersFor(proxy: string): { proxy: ProxyCounters; http: HttpCounters } {
    return {
      proxy: {
        bytes: (direction, count) => this.proxyBytes.inc({ proxy, direction }, count),
        connection: (event) => {
          this.proxyConnections.inc({ proxy, event });
          if (event === 'accepted') this.proxyOpenConnections.inc({ proxy });
          if (event === 'closed') this.proxyOpenConnections.dec({ proxy });
        },
      },
      http: { request: (outcome) => this.httpRequests.inc({ proxy, outcome }) },
    };
  }

  faultApplied(mode: FaultMode): void {
    this.applies.inc({ mode });
    this.activeFaults.inc({ mode });
  }

  faultReverted(mode: FaultMode, reason: RevertReason, wasActive: boolean): void {
    this.reverts.inc({ mode, reason });
    if (wasActive) this.activeFaults.dec({ mode });
    if (reason === 'lease_expired') this.leaseExpiries.inc({ mode });
  }
}
