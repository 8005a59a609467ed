import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { injectionInputFor, selectScenarios, type SelectionInput } from '../../../src/workflows/selection';
import type { FailureScenario } from '../../../src/predict/types';
import { configSchema } from '../../../src/config/schema';
import { faultIdFor } from '../../../src/workflows/injection';

function scenario(
  resource: string,
  mode: FailureScenario['mode'],
  score: number,
  severity: FailureScenario['severity'],
): FailureScenario {
  return {
    id: `${resource}:${mode}`,
    resource,
    resourceType: 'database',
    mode,
    probability: score,
    impact: 1,
    score,
    severity,
    params: { latency: 200, duration: 60_000 },
    durationMs: 60_000,
    rollback: { policy: 'immediate', plan: 'remove the latency' },
    why: { probability: score, text: `${resource} is heading for trouble` },
  };
}

const NOW = Date.parse('2026-11-26T12:00:00Z');
const base: SelectionInput = {
  scenarios: [],
  severityThreshold: 'medium',
  maxConcurrent: 2,
  cooldownMs: 10 * 60_000,
  redGuards: [],
  firingAlerts: [],
  recent: [],
  nowMs: NOW,
};

describe('selectScenarios', () => {
  it('takes the highest scores first, at or above the severity threshold, up to max_concurrent', () => {
    const { selected, skipped } = selectScenarios({
      ...base,
      scenarios: [
        scenario('a', 'network_latency', 0.3, 'medium'),
        scenario('b', 'cpu_throttle', 0.9, 'high'),
        scenario('c', 'network_latency', 0.95, 'low'),
        scenario('d', 'network_latency', 0.5, 'medium'),
        scenario('e', 'network_latency', 0.2, 'medium'),
      ],
    });
    assert.deepEqual(
      selected.map((s) => s.id),
      ['b:cpu_throttle', 'd:network_latency'],
    );
    assert.deepEqual(skipped, [
      { id: 'c:network_latency', reason: 'below_severity_threshold' },
      { id: 'a:network_latency', reason: 'max_concurrent' },
      { id: 'e:network_latency', reason: 'max_concurrent' },
    ]);
  });

  it('skips resources with red guards or firing alerts, and resources inside their cooldown', () => {
    const { selected, skipped } = selectScenarios({
      ...base,
      maxConcurrent: 10,
      scenarios: [
        scenario('red', 'network_latency', 0.9, 'high'),
        scenario('alerting', 'network_latency', 0.8, 'high'),
        scenario('recent', 'network_latency', 0.7, 'high'),
        scenario('old', 'network_latency', 0.6, 'high'),
      ],
      redGuards: ['red'],
      firingAlerts: ['alerting'],
      recent: [
        { resource: 'recent', endedAt: new Date(NOW - 5 * 60_000).toISOString() },
        { resource: 'old', endedAt: new Date(NOW - 11 * 60_000).toISOString() },
      ],
    });
    assert.deepEqual(
      selected.map((s) => s.id),
      ['old:network_latency'],
    );
    assert.deepEqual(
      skipped.map((s) => s.reason),
      ['guards_red', 'alert_firing', 'cooldown'],
    );
  });

  it('injects at most one fault per resource per cycle and counts running injections', () => {
    const { selected, skipped } = selectScenarios({
      ...base,
      maxConcurrent: 3,
      running: ['busy'],
      scenarios: [
        scenario('a', 'network_latency', 0.9, 'high'),
        scenario('a', 'cpu_throttle', 0.8, 'high'),
        scenario('busy', 'cpu_throttle', 0.7, 'high'),
        scenario('b', 'cpu_throttle', 0.6, 'high'),
        scenario('c', 'cpu_throttle', 0.5, 'high'),
      ],
    });
    assert.deepEqual(
      selected.map((s) => s.id),
      ['a:network_latency', 'b:cpu_throttle'],
    );
    assert.deepEqual(
      skipped.map((s) => s.reason),
      ['resource_already_chosen', 'resource_already_chosen', 'max_concurrent'],
    );
  });

  it('ties break by id, so the same prediction always selects the same scenarios', () => {
    const scenarios = [
      scenario('b', 'network_latency', 0.5, 'high'),
      scenario('a', 'network_latency', 0.5, 'high'),
    ];
    const first = selectScenarios({ ...base, maxConcurrent: 1, scenarios });
    const second = selectScenarios({ ...base, maxConcurrent: 1, scenarios: [...scenarios].reverse() });
    assert.deepEqual(first, second);
    assert.equal(first.selected[0]?.resource, 'a');
  });
});

describe('injectionInputFor', () => {
  it("carries the resource's guards and the profile's interval, lease and dry run", () => {
    const config = configSchema.parse({
      prometheus: { url: 'http://127.0.0.1:9090' },
      resources: [
        {
          name: 'a',
          type: 'database',
          guards: [{ name: 'errors', expr: 'job:errors:ratio5s > 0.05', for: '5s' }],
        },
      ],
      failure_injection_profile: {
        injection_frequency: '1h',
        monitor_interval: '500ms',
        lease: '10s',
        dry_run: true,
      },
    });
    const input = injectionInputFor(scenario('a', 'network_latency', 0.9, 'high'), config);
    assert.deepEqual(input.guards, [{ name: 'errors', expr: 'job:errors:ratio5s > 0.05', forMs: 5000 }]);
    assert.equal(input.monitorIntervalMs, 500);
    assert.equal(input.leaseMs, 10_000);
    assert.equal(input.dryRun, true);
    assert.equal(
      injectionInputFor(scenario('a', 'network_latency', 0.9, 'high'), config, { dryRun: false }).dryRun,
      false,
    );
  });
});

describe('faultIdFor', () => {
  it('keeps agent-safe workflow ids readable and makes any other id safe and distinct', () => {
    assert.equal(faultIdFor('inject-orders-db-1'), 'fs-inject-orders-db-1');
    const a = faultIdFor('cycle/orders-db/network_latency');
    const b = faultIdFor('cycle_orders-db_network_latency');
    assert.match(a, /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/);
    assert.notEqual(a, b);
    assert.ok(faultIdFor('x'.repeat(500)).length <= 200);
  });
});
