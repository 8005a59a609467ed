/**
 * Serves a prom-client registry on a loopback port without authentication, for the demo's
 * Prometheus. The agent's own /metrics needs its bearer token (the test harness's Prometheus
 * cannot send one), so the demo exposes the in-process agent's registry here instead.
 */
import http from 'node:http';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  stop(): Promise<void>;
}

export async function serveRegistry(
  port: number,
  registry: () => Registry | undefined,
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const current = registry();
    if (req.url !== '/metrics' || !current)
      return void res.writeHead(req.url === '/metrics' ? 503 : 404).end();
    current.metrics().then(
      (body) => res.writeHead(200, { 'content-type': current.contentType }).end(body),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
