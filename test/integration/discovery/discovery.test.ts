// Resource discovery against a real Prometheus scraping three real targets of job "api": one
// resource per `instance` of up{job="api"}, rendered from the template (name, host, telemetry,
// guards, agent URL); a grouped signal is fetched with one query for all three and split by
// instance; `foreshock validate --check-prometheus` shows what it discovers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MetricsTarget } from '../../../src/testing/metrics-target';
import { PrometheusServer } from '../../../src/testing/prometheus';
import { configSchema } from '../../../src/config/schema';
import { discoverResources, withDiscovered } from '../../../src/discovery/discover';
import { createTelemetryActivities } from '../../../src/activities/telemetry';
import { PrometheusAdapter } from '../../../src/prometheus/adapter';
import { main } from '../../../src/cli/main';
import { parse as parseYaml } from 'yaml';

function configYaml(prometheusUrl: string): string {
  return `prometheus:
  url: ${prometheusUrl}
  step: 1s
  lookback: 1m
failure_injection_profile:
  injection_frequency: 1h
resource_discovery:
  - name: api
    query: 'label_replace(up{job="api"}, "port", "$1", "instance", ".*:([0-9]+)")'
    label: instance
    resource:
      name: 'api-{{instance}}'
      type: api
      host: 'host-{{port}}'
      telemetry:
        cpu: 'app_cpu{instance="{{instance}}"}'
      guards:
        - { name: cpu-high, expr: 'app_cpu{instance="{{instance}}"} > 100' }
    agent_url: 'http://127.0.0.1:7070/{{port}}'
    signals:
      latency: 'max by (instance) (app_latency{job="api"})'
  - name: broken
    query: up{job="api"}
    resource:
      name: 'x-{{nosuchlabel}}'
      type: api
`;
}

describe('resource discovery', () => {
  const targets: MetricsTarget[] = [];
  let prometheus: PrometheusServer;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-discovery-'));

  before(async () => {
    for (let i = 0; i < 3; i++) {
      const t = await MetricsTarget.start();
      t.set('app_cpu', 10 + i);
      t.set('app_latency', 0.1 * (i + 1));
      targets.push(t);
    }
    prometheus = await PrometheusServer.start({
      targets: [{ job: 'api', targets: targets.map((t) => t.address) }],
    });
    await prometheus.waitForSeries('count(count_over_time(app_latency{job="api"}[10s]) >= 3) == 3');
    await prometheus.waitForSeries('count(up{job="api"} == 1) == 3');
  });
  after(async () => {
    await prometheus?.stop();
    for (const t of targets) await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = () => {
    const raw = configYaml(prometheus.url);
    return configSchema.parse(parseYaml(raw) as unknown);
  };

  it('turns each instance into a templated resource and reports what it cannot render', async () => {
    const found = await discoverResources(config(), prometheus.adapter);
    const expected = targets.map((t) => `api-${t.address.replace(':', '-')}`).sort();
    assert.deepEqual(found.resources.map((r) => r.name).sort(), expected);
    assert.deepEqual(found.counts, { api: 3, broken: 0 });
    const first = found.resources.find((r) => r.name === `api-${targets[0]!.address.replace(':', '-')}`)!;
    const port = targets[0]!.address.split(':')[1]!;
    assert.equal(first.host, `host-${port}`);
    assert.equal(first.telemetry.cpu, `app_cpu{instance="${targets[0]!.address}"}`);
    assert.equal(first.guards[0]!.expr, `app_cpu{instance="${targets[0]!.address}"} > 100`);
    assert.equal(found.agentHosts[`host-${port}`], `http://127.0.0.1:7070/${port}`);
    assert.equal(found.groups.length, 1);
    assert.equal(found.problems.length, 3);
    assert.match(found.problems[0]!, /broken: instance=.*no label "nosuchlabel"/);
    const merged = withDiscovered(config(), found);
    assert.equal(merged.resources.length, 3);
    assert.equal(Object.keys(merged.agent.hosts).length, 3);
  });

  it('collects a grouped signal with one query for all resources, split by instance', async () => {
    const found = await discoverResources(config(), prometheus.adapter);
    const queries: string[] = [];
    const counting = new PrometheusAdapter({ url: prometheus.url, timeoutMs: 5000 });
    const rangeQuery = counting.rangeQuery.bind(counting);
    counting.rangeQuery = (q, s, e, st) => (queries.push(q), rangeQuery(q, s, e, st));
    const telemetry = createTelemetryActivities({ prometheus: counting });
    const snapshot = await telemetry.collectTelemetry({
      resources: found.resources,
      lookbackMs: 30_000,
      stepMs: 1000,
      groups: found.groups,
    });
    assert.equal(
      queries.filter((q) => q.includes('app_latency')).length,
      1,
      'one latency query for three resources',
    );
    assert.equal(queries.filter((q) => q.includes('app_cpu')).length, 3, 'cpu is per resource');
    for (const [i, t] of targets.entries()) {
      const name = `api-${t.address.replace(':', '-')}`;
      const latency = snapshot.signals.find((w) => w.resource === name && w.signal === 'latency')!;
      const last = latency.values.filter((v): v is number => typeof v === 'number').pop();
      assert.ok(Math.abs((last ?? NaN) - 0.1 * (i + 1)) < 1e-9, `${name} latency ${last}`);
      const cpu = snapshot.signals.find((w) => w.resource === name && w.signal === 'cpu')!;
      assert.equal(cpu.values.filter((v): v is number => typeof v === 'number').pop(), 10 + i);
    }
    // the per-resource form of a grouped signal is valid PromQL that selects the same series
    const one = found.resources[0]!;
    const samples = await prometheus.adapter.instantQuery(one.telemetry.latency!);
    assert.equal(samples.length, 1);
  });

  it('foreshock validate --check-prometheus shows what it discovers', async () => {
    const file = path.join(dir, 'foreshock.yaml');
    writeFileSync(file, configYaml(prometheus.url));
    const lines: string[] = [];
    const log = console.log;
    console.log = (...parts: unknown[]) => lines.push(parts.join(' '));
    let code: number;
    try {
      code = await main(['node', 'foreshock', 'validate', file, '--check-prometheus', '--json']);
    } finally {
      console.log = log;
    }
    assert.equal(code, 0, lines.join('\n'));
    const report = JSON.parse(lines.join('\n')) as {
      discovered: { total: number; groupedSignals: string[] };
    };
    assert.equal(report.discovered.total, 3);
    assert.deepEqual(report.discovered.groupedSignals, ['latency: 1 query for 3 resources']);
  });
});
