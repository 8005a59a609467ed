/**
 * A real scrape target for tests: an HTTP server exposing a prom-client registry whose
 * gauges the test sets.
 */
import http from 'node:http';
import type net from 'node:net';
import { Gauge, Registry } from 'prom-client';

export class MetricsTarget {
  readonly registry = new Registry();
  private readonly gauges = new Map<string, Gauge>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<MetricsTarget> {
    const holder: { target?: MetricsTarget } = {};
    const server = http.createServer((req, res) => {
      const target = holder.target;
      if (req.url !== '/metrics' || !target) {
        res.writeHead(404).end();
        return;
      }
      target.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': target.registry.contentType }).end(body),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    holder.target = new MetricsTarget(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return holder.target;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** Sets (creating on first use) a gauge without labels. */
  set(name: string, value: number): void {
    let gauge = this.gauges.get(name);
    if (!gauge) {
      gauge = new Gauge({ name, help: `test gauge ${name}`, registers: [this.registry] });
      this.gauges.set(name, gauge);
    }
    gauge.set(value);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
