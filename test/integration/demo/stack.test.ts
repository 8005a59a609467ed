// The demo's real target stack: PostgreSQL, the API service, nginx, the exporters, the load
// generator and Prometheus, all started here on free loopback ports, and all gone afterwards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { DemoStack } from '../../../src/demo/stack';
import { pidAlive } from '../../../src/demo/processes';
import { waitUntil } from '../../../src/testing/ports';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDemoConfig } from '../../../src/demo/config';

/** Every PromQL expression in the Grafana dashboard. */
function dashboardExpressions(): string[] {
  const file = path.join(__dirname, '..', '..', '..', 'config', 'grafana', 'foreshock.json');
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

describe('demo stack: nginx → API → PostgreSQL under load, scraped by Prometheus', () => {
  let stack: DemoStack;
  let stopped = false;

  before(async () => {
    stack = await DemoStack.start({ load: { requestsPerSecond: 5, importRows: 2000, importEveryMs: 1000 } });
  });

  after(async () => {
    if (!stopped) await stack?.stop();
  });

  it('serves requests through nginx from PostgreSQL', async () => {
    const res = await fetch(`${stack.urls.nginx}/orders?customer=7`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { customer: number; orders: string };
    assert.equal(body.customer, 7);
    assert.match(body.orders, /^\d+$/);
  });

  it('every job is up in Prometheus and the API reports its database queries', async () => {
    const prometheus = stack.prometheus!;
    const up = await waitUntil('all five jobs up', async () => {
      const samples = await prometheus.adapter.instantQuery('up == 1');
      return samples.length >= 5 ? samples : undefined;
    });
    assert.deepEqual(up.map((s) => s.labels.job).sort(), ['api', 'loadgen', 'node', 'orders-db', 'web']);
    await prometheus.waitForSeries('db_query_seconds_count{job="api",query="customer_totals"} > 0');
    await prometheus.waitForSeries('loadgen_requests_total{code="200"} > 0');
    await prometheus.waitForSeries('nginx_http_requests_total{job="web"} > 0');
  });

  it('Prometheus accepts every expression of the Grafana dashboard and of the demo config', async () => {
    const { config } = loadDemoConfig({
      ports: stack.ports,
      agentPort: 1,
      runDir: '/tmp/x',
      temporalUi: false,
      apiUnderFiu: false,
    });
    const expressions = [
      ...dashboardExpressions(),
      ...config.resources.flatMap((r) => [...Object.values(r.telemetry), ...r.guards.map((g) => g.expr)]),
    ];
    assert.ok(expressions.length > 30);
    const rejected: string[] = [];
    for (const expr of expressions) {
      const error = await stack.prometheus!.adapter.checkExpression(expr);
      if (error) rejected.push(`${expr}: ${error}`);
    }
    assert.deepEqual(rejected, []);
    // the drift signal exists once the recording rule has run
    await stack.prometheus!.waitForSeries('api:db_customer_query_seconds:p99_1m', 30_000);
  });

  it('the orders table keeps growing (the drift)', async () => {
    const client = new Client({ connectionString: stack.urls.postgres });
    await client.connect();
    try {
      const count = async () =>
        Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM orders')).rows[0]!.n);
      const first = await count();
      await waitUntil('more orders', async () => (await count()) >= first + 2000, { timeoutMs: 15_000 });
    } finally {
      await client.end();
    }
  });

  it('stop() leaves no process, child process or listening port behind', async () => {
    const pids = stack.processes.pids;
    assert.ok(pids.length >= 5, `started ${pids.length} processes`);
    const left = await stack.stop();
    stopped = true;
    assert.deepEqual(left, []);
    assert.deepEqual(pids.filter(pidAlive), []);
    await assert.rejects(fetch(stack.urls.nginx, { signal: AbortSignal.timeout(2000) }));
  });
});
