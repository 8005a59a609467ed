/**
 * Steady load on the demo stack, with a slow drift: reads and writes at a fixed rate through
 * the front door (nginx, or foreshock's proxy before it), plus a batch import every few
 * seconds that grows the orders table, so per-customer reads get slower minute by minute.
 * It measures what a client sees and exposes it for Prometheus (job `loadgen`).
 */
import http from 'node:http';
import type net from 'node:net';
import { Counter, Histogram, Registry } from 'prom-client';

export interface LoadOptions {
  /** Base URL of the front door, e.g. http://127.0.0.1:18080 */
  target: string;
  /** Reads + writes per second. @default 8 */
  requestsPerSecond?: number;
  /** Share of requests that write one order. @default 0.2 */
  writeShare?: number;
  /** Rows per batch import; the drift. @default 4000 */
  importRows?: number;
  /** @default 2000 */
  importEveryMs?: number;
  /** Requests in flight at most; beyond it ticks are skipped (and counted). @default 16 */
  maxInFlight?: number;
  /** @default 5000 */
  timeoutMs?: number;
}

export class LoadGenerator {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'loadgen_requests_total',
    help: 'Requests the load generator sent, by route and outcome (HTTP code or error)',
    labelNames: ['route', 'code'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'loadgen_request_duration_seconds',
    help: 'Request duration as the client sees it',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly skipped = new Counter({
    name: 'loadgen_skipped_total',
    help: 'Ticks skipped because too many requests were in flight',
    registers: [this.registry],
  });
  private timers: NodeJS.Timeout[] = [];
  private inFlight = 0;
  private server?: http.Server;
  private readonly options: Required<LoadOptions>;
  /** Totals since start, for the progress view. */
  readonly totals = { ok: 0, failed: 0 };

  constructor(options: LoadOptions) {
    this.options = {
      requestsPerSecond: 8,
      writeShare: 0.2,
      importRows: 4000,
      importEveryMs: 2000,
      maxInFlight: 16,
      timeoutMs: 5000,
      ...options,
    };
  }

  /** Starts the metrics endpoint and the load; resolves to the metrics address (host:port). */
  async start(): Promise<string> {
    const server = http.createServer((req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    const o = this.options;
    this.timers.push(
      setInterval(() => {
        const write = Math.random() < o.writeShare;
        this.send(
          write ? 'POST' : 'GET',
          write ? '/orders' : `/orders?customer=${Math.floor(Math.random() * 1000)}`,
        );
      }, 1000 / o.requestsPerSecond),
      setInterval(() => this.send('POST', `/orders/import?rows=${o.importRows}`), o.importEveryMs),
    );
    return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  private send(method: string, pathAndQuery: string): void {
    if (this.inFlight >= this.options.maxInFlight) {
      this.skipped.inc();
      return;
    }
    const route = pathAndQuery.split('?')[0]!;
    const end = this.duration.startTimer({ route });
    this.inFlight++;
    fetch(this.options.target + pathAndQuery, { method, signal: AbortSignal.timeout(this.options.timeoutMs) })
      .then(async (res) => {
        await res.arrayBuffer();
        this.requests.inc({ route, code: String(res.status) });
        if (res.status < 500) this.totals.ok++;
        else this.totals.failed++;
      })
      .catch((err: Error) => {
        this.requests.inc({ route, code: err.name === 'TimeoutError' ? 'timeout' : 'error' });
        this.totals.failed++;
      })
      .finally(() => {
        end();
        this.inFlight--;
      });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
