/**
 * The HTTP-aware part of a resource proxy in `protocol: http` mode. It sits behind the TCP
 * proxy (so byte-level toxics still apply) and in front of the upstream:
 *
 *   client ──▶ TcpProxy (latency, bandwidth…) ──▶ HttpLayer (http_error, http_delay) ──▶ upstream
 *
 * Request-level toxics decide per request: answer with an error status, or wait, then forward.
 */
import http from 'node:http';
import type net from 'node:net';

export interface HttpErrorRule {
  status: number;
  share: number;
}
export interface HttpDelayRule {
  delayMs: number;
  share: number;
}

export interface HttpCounters {
  request(outcome: 'forwarded' | 'injected_error' | 'upstream_error'): void;
}

export class HttpLayer {
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  readonly errorRules = new Map<string, HttpErrorRule>();
  readonly delayRules = new Map<string, HttpDelayRule>();
  /** Requests waiting out a delay, released early when their rule is removed. */
  private readonly waiting = new Map<string, Set<() => void>>();

  private constructor(
    private upstream: { host: string; port: number },
    private readonly counters: HttpCounters | undefined,
    private readonly random: () => number,
  ) {
    this.server = http.createServer({ keepAlive: true }, (req, res) => void this.handle(req, res));
  }

  static async start(
    upstream: { host: string; port: number },
    counters?: HttpCounters,
    random: () => number = Math.random,
  ): Promise<HttpLayer> {
    const layer = new HttpLayer(upstream, counters, random);
    await new Promise<void>((resolve, reject) => {
      layer.server.once('error', reject);
      layer.server.listen(0, '127.0.0.1', () => resolve());
    });
    return layer;
  }

  get address(): { host: string; port: number } {
    const info = this.server.address() as net.AddressInfo;
    return { host: info.address, port: info.port };
  }

  get upstreamAddress(): string {
    return `${this.upstream.host}:${this.upstream.port}`;
  }

  switchUpstream(address: { host: string; port: number }): void {
    this.upstream = address;
  }

  removeRule(id: string): void {
    this.errorRules.delete(id);
    this.delayRules.delete(id);
    for (const release of this.waiting.get(id) ?? []) release();
    this.waiting.delete(id);
  }

  get activeRuleCount(): number {
    return this.errorRules.size + this.delayRules.size;
  }

  ruleIds(): string[] {
    return [...new Set([...this.errorRules.keys(), ...this.delayRules.keys()])];
  }

  hasRule(id: string): boolean {
    return this.errorRules.has(id) || this.delayRules.has(id);
  }

  async stop(): Promise<void> {
    for (const id of [...this.waiting.keys()]) this.removeRule(id);
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const rule of this.errorRules.values()) {
      if (this.random() < rule.share) {
        this.counters?.request('injected_error');
        req.resume();
        const body = JSON.stringify({ error: 'injected by foreshock', status: rule.status });
        res.writeHead(rule.status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
        return;
      }
    }
    for (const [id, rule] of this.delayRules) {
      if (this.random() < rule.share) await this.wait(id, rule.delayMs);
    }
    const upstreamReq = http.request(
      {
        host: this.upstream.host,
        port: this.upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.agent,
      },
      (upstreamRes) => {
        this.counters?.request('forwarded');
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', (err) => {
      this.counters?.request('upstream_error');
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`upstream error: ${err.message}`);
      } else res.destroy();
    });
    req.pipe(upstreamReq);
  }

  private wait(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.waiting.get(id) ?? new Set<() => void>();
      this.waiting.set(id, waiters);
      const release = () => {
        clearTimeout(timer);
        waiters.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      waiters.add(release);
    });
  }
}
