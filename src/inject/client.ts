/**
 * HTTP(S) client for the agent's control API (see ./api.ts). Used by activities; throws
 * AgentApiError with the agent's field/allowed on 4xx so callers can fail non-retryably.
 */
import http from 'node:http';
import https from 'node:https';
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

export interface AgentClientTls {
  /** CA certificate(s) (PEM) the agent's certificate must chain to. @default the system CAs */
  ca?: string | Buffer;
  /** Client certificate and key (PEM) for an agent that requires them (mTLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Name the agent certificate must carry. @default the URL's host */
  serverName?: string;
}

export interface AgentClientOptions {
  url: string;
  token: string;
  /** @default 10000 */
  timeoutMs?: number;
  /** For an https:// agent. */
  tls?: AgentClientTls;
}

interface RawAnswer {
  status: number;
  text: string;
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
      return (await this.request('GET', '/healthz', undefined, 2000, false)).status === 200;
    } catch {
      return false;
    }
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body, this.options.timeoutMs ?? 10_000, true);
    let parsed: unknown = {};
    try {
      parsed = res.text ? JSON.parse(res.text) : {};
    } catch {
      parsed = { error: res.text.slice(0, 200) };
    }
    if (res.status < 200 || res.status >= 300) throw new AgentApiError(res.status, parsed as ApiErrorBody);
    return parsed as T;
  }

  private request(
    method: string,
    path: string,
    body: unknown,
    timeoutMs: number,
    authorized: boolean,
  ): Promise<RawAnswer> {
    const url = new URL(`${this.base}${path}`);
    const payload = body !== undefined ? Buffer.from(JSON.stringify(body)) : undefined;
    const headers: http.OutgoingHttpHeaders = {
      ...(authorized ? { authorization: `Bearer ${this.options.token}` } : {}),
      ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
    };
    const tls = this.options.tls;
    return new Promise((resolve, reject) => {
      const options: https.RequestOptions = { method, headers, timeout: timeoutMs };
      const req =
        url.protocol === 'https:'
          ? https.request(url, {
              ...options,
              ca: tls?.ca,
              cert: tls?.cert,
              key: tls?.key,
              ...(tls?.serverName ? { servername: tls.serverName } : {}),
            })
          : http.request(url, options);
      const timer = setTimeout(
        () => req.destroy(new Error(`the agent did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(payload);
    });
  }
}
