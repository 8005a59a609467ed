/**
 * A stand-in for the injection agent, used only until the real one (src/inject/agent.ts)
 * can serve a test: the same HTTP API and lease semantics, faults held in memory, and every
 * change recorded so a test can see when a fault came and went.
 */
import http from 'node:http';
import type net from 'node:net';
import type { ApplyFaultRequest, FaultState } from '../../../../src/inject/api';

export interface FaultEvent {
  faultId: string;
  kind: 'applied' | 'updated' | 'reverted' | 'expired';
  at: number;
  params?: Record<string, unknown>;
}

export class LeaseAgent {
  readonly faults = new Map<string, FaultState>();
  readonly events: FaultEvent[] = [];
  readonly failovers: { resource: string; active: boolean; at: number }[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  readonly token = 'test-token';

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<LeaseAgent> {
    const holder: { agent?: LeaseAgent } = {};
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const answer = holder.agent!.handle(
          req.method ?? 'GET',
          req.url ?? '/',
          body,
          req.headers.authorization,
        );
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    holder.agent = new LeaseAgent(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return holder.agent;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** Faults the agent currently holds applied. */
  active(): FaultState[] {
    return [...this.faults.values()].filter((f) => f.phase === 'applied');
  }

  private arm(faultId: string, seconds: number): string {
    clearTimeout(this.timers.get(faultId));
    const expiresAt = Date.now() + seconds * 1000;
    this.timers.set(
      faultId,
      setTimeout(() => this.end(faultId, 'expired'), seconds * 1000),
    );
    return new Date(expiresAt).toISOString();
  }

  private end(faultId: string, phase: 'reverted' | 'expired'): boolean {
    const fault = this.faults.get(faultId);
    clearTimeout(this.timers.get(faultId));
    if (!fault || fault.phase !== 'applied') return false;
    fault.phase = phase;
    fault.revertedAt = new Date().toISOString();
    this.events.push({ faultId, kind: phase, at: Date.now() });
    return true;
  }

  private handle(method: string, url: string, raw: string, auth: string | undefined) {
    if (auth !== `Bearer ${this.token}`) return { status: 401, body: { error: 'unauthorized' } };
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const id = /^\/v1\/faults\/([^/]+)/.exec(url)?.[1];
    const faultId = id ? decodeURIComponent(id) : undefined;
    if (method === 'POST' && url === '/v1/faults') {
      const request = body as unknown as ApplyFaultRequest;
      const existing = this.faults.get(request.faultId);
      if (existing) return { status: 200, body: existing };
      const fault: FaultState = {
        faultId: request.faultId,
        resource: request.resource,
        mode: request.mode,
        params: request.params,
        phase: 'applied',
        appliedAt: new Date().toISOString(),
        leaseExpiresAt: this.arm(request.faultId, request.leaseSeconds),
      };
      this.faults.set(request.faultId, fault);
      this.events.push({ faultId: request.faultId, kind: 'applied', at: Date.now(), params: request.params });
      return { status: 200, body: fault };
    }
    if (method === 'GET' && url === '/v1/faults')
      return { status: 200, body: { faults: [...this.faults.values()] } };
    const failover = /^\/v1\/resources\/([^/]+)\/failover$/.exec(url);
    if (method === 'POST' && failover) {
      const resource = decodeURIComponent(failover[1]!);
      this.failovers.push({ resource, active: body.active === true, at: Date.now() });
      return { status: 200, body: { resource, upstream: body.active === true ? 'failover' : 'primary' } };
    }
    const fault = faultId ? this.faults.get(faultId) : undefined;
    if (!faultId || !fault) {
      if (method === 'DELETE' && faultId)
        return { status: 200, body: { faultId, verified: true, wasActive: false } };
      return { status: 404, body: { error: `no fault ${faultId}` } };
    }
    if (method === 'POST' && url.endsWith('/renew')) {
      if (fault.phase === 'applied') fault.leaseExpiresAt = this.arm(faultId, Number(body.leaseSeconds));
      return { status: 200, body: fault };
    }
    if (method === 'PATCH') {
      fault.params = body.params as Record<string, unknown>;
      this.events.push({ faultId, kind: 'updated', at: Date.now(), params: fault.params });
      return { status: 200, body: fault };
    }
    if (method === 'DELETE') {
      const wasActive = this.end(faultId, 'reverted');
      return { status: 200, body: { faultId, verified: true, wasActive } };
    }
    if (method === 'GET') return { status: 200, body: fault };
    return { status: 405, body: { error: 'method not allowed' } };
  }

  async stop(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
