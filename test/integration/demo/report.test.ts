// The report end to end without the demo: a real Prometheus scraping a real target, stored
// outcomes and predictions, the HTML written by `foreshock report`'s code and opened in a
// real headless Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrometheusServer } from '../../../src/testing/prometheus';
import { MetricsTarget } from '../../../src/testing/metrics-target';
import { waitUntil } from '../../../src/testing/ports';
import { appendJsonl } from '../../../src/report/jsonl';
import { writeReport } from '../../../src/report';
import { outcome, prediction, scenario } from '../../unit/report/fixtures';
import { checkReportInChromium } from './browser';

const ARTIFACTS = path.resolve(__dirname, '..', '..', '..', 'test-artifacts');

describe('report: real Prometheus data rendered in real Chromium', () => {
  let target: MetricsTarget;
  let prometheus: PrometheusServer;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-report-'));
    target = await MetricsTarget.start();
    target.set('demo_query_seconds', 0.01);
    prometheus = await PrometheusServer.start({ targets: [{ job: 'api', targets: [target.address] }] });
  });

  after(async () => {
    await prometheus?.stop();
    await target?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws telemetry, probability and markers with no errors and no network', async () => {
    const startedMs = Date.now();
    await prometheus.waitForSeries('demo_query_seconds');
    // a rising signal over a few scrapes
    for (let i = 1; i <= 5; i++) {
      target.set('demo_query_seconds', 0.01 * (1 + i));
      await new Promise((r) => setTimeout(r, 1000));
    }
    await waitUntil('six distinct scraped values', async () => {
      const series = await prometheus.adapter.rangeQuery(
        'demo_query_seconds',
        startedMs - 2000,
        Date.now(),
        1000,
      );
      return new Set(series[0]?.values ?? []).size >= 4;
    });
    const now = Date.now();
    const outcomes = path.join(dir, 'outcomes.jsonl');
    const predictions = path.join(dir, 'predictions.jsonl');
    appendJsonl(
      predictions,
      prediction(now - 5000, [scenario({ id: 'api:network_latency', resource: 'api', probability: 0.4 })]),
    );
    appendJsonl(
      predictions,
      prediction(now - 2000, [scenario({ id: 'api:network_latency', resource: 'api', probability: 0.7 })]),
    );
    appendJsonl(
      outcomes,
      outcome(now - 4000, now - 1000, {
        resource: 'api',
        breached: true,
        breaches: [{ guard: 'latency', breachedAt: now - 2500 }],
        rollbackPath: 'immediate',
      }),
    );
    const outFile = path.join(ARTIFACTS, 'report-real-prometheus.html');
    const data = await writeReport({
      prometheus: prometheus.adapter,
      resources: [
        {
          name: 'api',
          type: 'api_service',
          telemetry: { query_seconds: 'demo_query_seconds', missing: 'no_such_metric_anywhere' },
          thresholds: { query_seconds: 0.1 },
        },
      ],
      outcomesFile: outcomes,
      predictionsFile: predictions,
      sinceMs: startedMs - 5000,
      untilMs: now,
      outFile,
    });
    assert.ok(data.resources[0]!.signals[0]!.values.length >= 5);
    assert.equal(data.resources[0]!.signals[1]!.error, 'the query returned no series');
    assert.ok(readFileSync(outFile, 'utf8').length > 20_000, 'the chart library is inlined');

    const page = await checkReportInChromium(outFile, path.join(ARTIFACTS, 'report-real-prometheus.png'));
    assert.deepEqual(page.errors, []);
    assert.deepEqual(page.requests, [], 'the page loads nothing from the network');
    assert.equal(page.chartsRendered, 2, 'one telemetry chart and one probability chart');
    assert.ok(page.canvases >= 2);
    assert.equal(page.paintedCanvases, page.canvases, 'every chart has drawn pixels');
  });
});
