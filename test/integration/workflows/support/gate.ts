/**
 * An HTTP forwarder between the workers and the agent that a test can close for reverts
 * only, to hold an injection in its rollback phase (and kill the worker there).
 */
import http from 'node:http';
import type net from 'node:net';

export class AgentGate {
  blockReverts = false;
  refusedReverts = 0;

  private constructor(
    private readonly server: http.Server,
    readonly upstream: string,
  ) {}

  static async start(upstream: string): Promise<AgentGate> {
    const holder: { gate?: AgentGate } = {};
    const server = http.createServer((req, res) => {
      const gate = holder.gate!;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (gate.blockReverts && req.method === 'DELETE') {
          gate.refusedReverts += 1;
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"gate closed"}');
          return;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        delete headers.host;
        delete headers['content-length'];
        fetch(`${gate.upstream}${req.url ?? '/'}`, {
          method: req.method,
          headers,
          body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        }).then(
          async (answer) => {
            res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
          },
          (err: Error) => res.writeHead(502).end(JSON.stringify({ error: err.message })),
        );
      });
    });
    holder.gate = new AgentGate(server, upstream.replace(/\/+$/, ''));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return holder.gate;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
