/**
 * HTTP client for the agent's control API (see ./api.ts). Used by activities; throws
 * AgentApiError with the agent's field/allowed on 4xx so callers can fail non-retryably.
 */
import type { ApiErrorBody, ApplyFaultRequest, FaultState, RevertResult } from './api';

export class AgentApiError extends Error {
  override name = 'AgentApiError';
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(
      `agent answered ${status}: ${body.error}${body.field ? ` (field ${body.field}` : ''}${body.allowed ? `, allowed ${body.allowed})` : body.field ? ')' : ''}`,
    );
  }
  /** 4xx other than 404/408/429: retrying will not help. */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && ![404, 408, 429].includes(this.status);
  }
}

export interface AgentClientOptions {
  url: string;
  token: string;
  /** @default 10000 */
  timeoutMs?: number;
}

export class AgentClient {
  private readonly base: string;
  constructor(private readonly options: AgentClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** The control API this client calls. */
  get url(): string {
    return this.base;
  }

  apply(request: ApplyFaultRequest): Promise<FaultState> {
    return this.call('POST', '/v1/faults', request);
  }
  renew(faultId: string, leaseSeconds: number): Promise<FaultState> {
    return this.call('POST', `/v1/faults/${encodeURIComponent(faultId)}/renew`, { leaseSeconds });
  }
  /** Changes a live fault's parameters (graceful degradation steps it down). */
  update(faultId: string, params: Record<string, unknown>): Promise<FaultState> {
    return this.call('PATCH', `/v1/faults/${encodeURIComponent(faultId)}`, { params });
  }
  revert(faultId: string): Promise<RevertResult> {
    return this.call('DELETE', `/v1/faults/${encodeURIComponent(faultId)}`);
  }
  async get(faultId: string): Promise<FaultState | undefined> {
    try {
      return await this.call<FaultState>('GET', `/v1/faults/${encodeURIComponent(faultId)}`);
    } catch (err) {
      if (err instanceof AgentApiError && err.status === 404) return undefined;
      throw err;
    }
  }
  async list(): Promise<FaultState[]> {
    return (await this.call<{ faults: FaultState[] }>('GET', '/v1/faults')).faults;
  }
  /** Failover is the leased fault `failover:<resource>`, renewed with the resource's other faults. */
  failover(
    resource: string,
    active: boolean,
    leaseSeconds?: number,
  ): Promise<{ resource: string; upstream: string; faultId: string; leaseExpiresAt?: string }> {
    return this.call('POST', `/v1/resources/${encodeURIComponent(resource)}/failover`, {
      active,
      ...(leaseSeconds !== undefined ? { leaseSeconds } : {}),
    });
  }
  async healthy(): Promise<boolean> {
    try {
      return (await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.options.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (!res.ok) throw new AgentApiError(res.status, parsed as ApiErrorBody);
    return parsed as T;
  }
}
