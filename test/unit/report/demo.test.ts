// Pure parts of the demo: its config template, the live view, the summary counts, the nginx
// template and the user lookup. (The demo's real processes are tested in test/integration/demo.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDemoConfig, renderDemoConfig } from '../../../src/demo/config';
import { renderProgress } from '../../../src/demo/progress';
import { tally } from '../../../src/demo/run';
import { renderNginxConfig } from '../../../src/demo/nginx';
import { lookupUser } from '../../../src/demo/postgres';
import { createLogger } from '../../../src/demo/log';
import type { DemoPorts } from '../../../src/demo/stack';
import { outcome, scenario } from './fixtures';

const PORTS: DemoPorts = {
  nginx: 20001,
  api: 20002,
  postgres: 20003,
  webProxy: 20004,
  apiProxy: 20005,
  dbProxy: 20006,
  nodeExporter: 20007,
  postgresExporter: 20008,
  nginxExporter: 20009,
  prometheus: 20010,
};
const VALUES = { ports: PORTS, agentPort: 20011, runDir: '/tmp/run x', temporalUi: false, apiUnderFiu: true };

describe('demo config', () => {
  it('wires the stack through the agent: nginx → api proxy → API → db proxy → PostgreSQL', () => {
    const { config } = loadDemoConfig(VALUES);
    const byName = Object.fromEntries(config.resources.map((r) => [r.name, r]));
    assert.deepEqual(byName.web!.proxy, {
      listen: '127.0.0.1:20004',
      upstream: '127.0.0.1:20001',
      protocol: 'http',
    });
    assert.equal(byName.api!.proxy!.upstream, '127.0.0.1:20002');
    assert.deepEqual(byName.api!.process!.command!.slice(-4), ['--port', '20002', '--db', '127.0.0.1:20006']);
    assert.equal(byName.api!.process!.underFiu, true);
    assert.equal(byName['orders-db']!.proxy!.upstream, '127.0.0.1:20003');
    assert.equal(config.prometheus.url, 'http://127.0.0.1:20010');
    assert.equal(config.agent.url, 'http://127.0.0.1:20011');
    assert.equal(
      config.history.outcomes,
      '/tmp/run x/outcomes.jsonl',
      'a run dir with a space stays one string',
    );
    assert.equal(config.temporal.address, undefined, 'embedded dev server');
  });

  it('every fault of the demo lasts seconds, so a cycle ends in about a minute', () => {
    const { config } = loadDemoConfig(VALUES);
    for (const entry of config.resource_failure_modes) {
      for (const [mode, params] of Object.entries(entry.injection_parameters)) {
        const duration = (params as { duration?: number } | undefined)?.duration;
        if (duration !== undefined)
          assert.ok(duration <= 20_000, `${entry.resource_type}.${mode}: ${duration}ms`);
      }
    }
  });

  it('refuses a placeholder it does not know', () => {
    assert.throws(
      () => renderDemoConfig('x: __NO_SUCH_THING__', VALUES),
      /unknown placeholder __NO_SUCH_THING__/,
    );
  });
});

describe('demo helpers', () => {
  it('tally counts applied faults, verified rollbacks and breaches', () => {
    const counts = tally([
      outcome(0, 1000, { breaches: [{ guard: 'g', breachedAt: 500 }], rollbackPath: 'immediate' }),
      outcome(2000, 3000),
      outcome(4000, 4000, { rollbackPath: 'inject_failed' }),
      outcome(5000, 6000, { dryRun: true, rollbackPath: 'dry_run' }),
      outcome(7000, 8000, { verified: false }),
    ]);
    assert.deepEqual(counts, { injections: 3, rollbacks: 2, guard_breaches: 1 });
  });

  it('the live view shows phase, predictions with why, faults, guards and events', () => {
    const text = renderProgress(
      {
        nowMs: 65_000,
        startedMs: 0,
        cycle: 2,
        cycles: 3,
        phase: 'cycle injecting',
        temporalUi: 'http://127.0.0.1:8233',
        topScenarios: [scenario()],
        model: 'trend',
        activeFaults: [
          {
            faultId: 'fs-1',
            resource: 'orders-db',
            mode: 'network_latency',
            phase: 'applied',
            leaseExpiresAt: '2026-01-01T12:00:10.000Z',
          },
        ],
        guards: [
          { resource: 'api', guard: 'api-errors', red: true },
          { resource: 'web', guard: 'client-errors', red: false },
        ],
        injections: 1,
        rollbacks: 0,
        breaches: 1,
        load: { ok: 10, failed: 2 },
        lastEvents: ['12:00:00 cycle 2 started'],
      },
      200,
    );
    assert.match(text, /65s · cycle 2\/3 · phase: cycle injecting/);
    assert.match(text, /Temporal Web UI: http:\/\/127\.0\.0\.1:8233/);
    assert.match(text, /62% high {3}orders-db:network_latency — query latency is climbing/);
    assert.match(text, /orders-db:network_latency applied \(lease until 12:00:10\) fs-1/);
    assert.match(text, /api\/api-errors RED · web\/client-errors green/);
    assert.match(text, /cycle 2 started/);
  });

  it('nginx template gets every placeholder filled', () => {
    const template = readFileSync(path.join(__dirname, '../../../config/demo/nginx.conf.template'), 'utf8');
    const conf = renderNginxConfig(template, {
      prefix: '/p',
      port: 9,
      apiUpstream: '127.0.0.1:10',
      user: 'foreshock-demo',
    });
    assert.doesNotMatch(conf, /\{\{/);
    assert.match(conf, /listen 127\.0\.0\.1:9;/);
    assert.match(conf, /server 127\.0\.0\.1:10 max_fails=0;/);
    assert.match(conf, /^user foreshock-demo;$/m);
    assert.throws(() => renderNginxConfig('{{NOPE}}', { prefix: '/p', port: 1, apiUpstream: 'x:1' }), /NOPE/);
  });

  it('looks users up in passwd text', () => {
    const passwd =
      'root:x:0:0:root:/root:/bin/bash\nforeshock-demo:x:999:998::/nonexistent:/usr/sbin/nologin\n';
    assert.deepEqual(lookupUser('foreshock-demo', passwd), { uid: 999, gid: 998 });
    assert.equal(lookupUser('nobody-here', passwd), undefined);
  });

  it('logs one JSON object per line', () => {
    const lines: string[] = [];
    createLogger(
      (l) => lines.push(l),
      () => new Date(0),
    )
      .child('stack')
      .info('postgres ready', { port: 5 });
    assert.deepEqual(JSON.parse(lines[0]!), {
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      component: 'stack',
      msg: 'postgres ready',
      port: 5,
    });
  });
});
