/**
 * The demo's API service: a small HTTP API over the orders table in PostgreSQL, instrumented
 * with prom-client. Run as its own process (the agent supervises it, so it can be throttled,
 * paused, crashed and fed I/O errors):
 *
 *   node --import tsx src/demo/api-service.ts --port 8081 --db 127.0.0.1:16432
 *
 *   GET  /orders?customer=N        per-customer totals (a scan that slows as the table grows)
 *   POST /orders                   one new order
 *   POST /orders/import?rows=N     a batch of orders (the load generator's steady growth)
 *   GET  /healthz, GET /metrics
 */
import http from 'node:http';
import type net from 'node:net';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiServiceOptions {
  port: number;
  /** host:port of PostgreSQL (or of foreshock's proxy in front of it). */
  database: string;
  /** @default foreshock */
  user?: string;
  /** @default postgres */
  databaseName?: string;
  /** @default 127.0.0.1 */
  host?: string;
}

export interface RunningApiService {
  port: number;
  stop(): Promise<void>;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS orders (
  id bigserial PRIMARY KEY,
  customer_id integer NOT NULL,
  amount numeric(10, 2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now())`;

function metrics(registry: Registry) {
  collectDefaultMetrics({ register: registry });
  return {
    requests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by route and status code',
      labelNames: ['route', 'code'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'api_errors_total',
      help: 'Requests that failed, by cause',
      labelNames: ['cause'],
      registers: [registry],
    }),
    dbQuery: new Histogram({
      name: 'db_query_seconds',
      help: 'PostgreSQL query duration as the API sees it',
      labelNames: ['query'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export async function startApiService(options: ApiServiceOptions): Promise<RunningApiService> {
  const [dbHost, dbPort] = options.database.split(':');
  const pool = new Pool({
    host: dbHost,
    port: Number(dbPort),
    user: options.user ?? 'foreshock',
    database: options.databaseName ?? 'postgres',
    max: 6,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 10_000,
    query_timeout: 8000,
  });
  // a dropped connection (crash, reset, blackhole) must not take the service down
  pool.on('error', () => undefined);
  const registry = new Registry();
  const m = metrics(registry);

  async function query<T extends object>(name: string, text: string, values: unknown[] = []): Promise<T[]> {
    const end = m.dbQuery.startTimer({ query: name });
    try {
      return (await pool.query(text, values)).rows as T[];
    } finally {
      end();
    }
  }

  let schemaReady = false;
  async function ensureSchema(): Promise<void> {
    if (schemaReady) return;
    await query('schema', SCHEMA);
    schemaReady = true;
  }

  async function route(req: http.IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> {
    if (req.method === 'GET' && url.pathname === '/orders') {
      await ensureSchema();
      const customer = Number(url.searchParams.get('customer') ?? 1);
      const rows = await query<{ orders: string; total: string }>(
        'customer_totals',
        'SELECT count(*) AS orders, coalesce(sum(amount), 0) AS total FROM orders WHERE customer_id = $1',
        [customer],
      );
      return { status: 200, body: { customer, ...rows[0] } };
    }
    if (req.method === 'POST' && url.pathname === '/orders') {
      await ensureSchema();
      const rows = await query<{ id: string }>(
        'insert_order',
        'INSERT INTO orders (customer_id, amount) VALUES ($1, $2) RETURNING id',
        [Math.floor(Math.random() * 1000), (Math.random() * 100).toFixed(2)],
      );
      return { status: 201, body: rows[0] };
    }
    if (req.method === 'POST' && url.pathname === '/orders/import') {
      await ensureSchema();
      const count = Math.min(50_000, Math.max(1, Number(url.searchParams.get('rows') ?? 1000)));
      await query(
        'import_orders',
        'INSERT INTO orders (customer_id, amount) SELECT (random() * 1000)::int, round((random() * 100)::numeric, 2) FROM generate_series(1, $1)',
        [count],
      );
      return { status: 201, body: { imported: count } };
    }
    if (req.method === 'GET' && url.pathname === '/healthz') return { status: 200, body: { ok: true } };
    return { status: 404, body: { error: 'not found' } };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
      return;
    }
    const routeName = url.pathname.replace(/\/+$/, '') || '/';
    const end = m.duration.startTimer({ route: routeName });
    route(req, url)
      .catch((err: Error & { code?: string }) => {
        m.errors.inc({ cause: err.code ?? err.name });
        return { status: 503, body: { error: err.message } };
      })
      .then(
        ({ status, body }) => {
          m.requests.inc({ route: routeName, code: String(status) });
          end();
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        },
        () => undefined,
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, db: { type: 'string' } },
  });
  const database = values.db ?? process.env.ORDERS_DB;
  if (!values.port || !database) {
    console.error('usage: api-service --port <port> --db <host:port>   (or ORDERS_DB=host:port)');
    process.exit(2);
  }
  startApiService({ port: Number(values.port), database }).then(
    (service) => {
      console.log(
        JSON.stringify({
          time: new Date().toISOString(),
          level: 'info',
          component: 'api',
          msg: 'listening',
          port: service.port,
        }),
      );
      const stop = () => {
        service.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
