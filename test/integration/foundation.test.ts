// The first end-to-end proof: a real Temporal dev server and a real Prometheus, both started
// here, and a workflow whose activity reads a real scraped series through our adapter.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLocalTestEnvironment } from '../../src/testing/temporal';
import { PrometheusServer } from '../../src/testing/prometheus';
import { MetricsTarget } from '../../src/testing/metrics-target';
import {
  PrometheusQueryError,
  PrometheusUnavailableError,
  PrometheusAdapter,
} from '../../src/prometheus/adapter';
import { createProbeActivities } from './fixtures/probe-activities';
import { telemetryProbe } from './fixtures/probe-workflows';

describe('foundation: real Temporal + real Prometheus', () => {
  let env: TestWorkflowEnvironment;
  let prometheus: PrometheusServer;
  let target: MetricsTarget;

  before(async () => {
    target = await MetricsTarget.start();
    target.set('foreshock_probe_value', 41);
    prometheus = await PrometheusServer.start({ targets: [{ job: 'probe', targets: [target.address] }] });
    env = await createLocalTestEnvironment();
  });

  after(async () => {
    await env?.teardown();
    await prometheus?.stop();
    await target?.stop();
  });

  it('a workflow activity returns a real scraped series', async () => {
    await prometheus.waitForSeries('foreshock_probe_value{job="probe"}');
    target.set('foreshock_probe_value', 42);
    await prometheus.waitForSeries('foreshock_probe_value{job="probe"} == 42');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'foundation-probe',
      workflowsPath: path.join(__dirname, 'fixtures', 'probe-workflows.ts'),
      activities: createProbeActivities(prometheus.adapter),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(telemetryProbe, {
        taskQueue: 'foundation-probe',
        workflowId: `probe-${Date.now()}`,
        args: [{ query: 'foreshock_probe_value{job="probe"}', lookbackSeconds: 30 }],
      }),
    );
    assert.equal(result.length, 1);
    assert.equal(result[0]!.labels.job, 'probe');
    assert.ok(result[0]!.points >= 2, `expected several points, got ${result[0]!.points}`);
    assert.ok(
      result[0]!.values.includes(41) && result[0]!.values.includes(42),
      `values: ${result[0]!.values.join(',')}`,
    );
  });

  it('the adapter turns a rejected query and an unreachable server into named errors', async () => {
    await assert.rejects(prometheus.adapter.instantQuery('rate(foo[1m]'), PrometheusQueryError);
    const nowhere = new PrometheusAdapter({ url: 'http://127.0.0.1:1', timeoutMs: 1000 });
    await assert.rejects(nowhere.instantQuery('up'), PrometheusUnavailableError);
  });
});
