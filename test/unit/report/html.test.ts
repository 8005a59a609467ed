import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderReportHtml, escapeHtml, scriptSafeJson } from '../../../src/report/html';
import type { ReportData } from '../../../src/report/types';
import { outcome, prediction, scenario } from './fixtures';

const ASSETS = { script: 'window.uPlot = function () {}; /* </script> inside the library */', css: '.u{}' };
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function data(overrides: Partial<ReportData> = {}): ReportData {
  const latest = prediction(T0 + 60_000, [
    scenario(),
    scenario({ id: 'web:http_error', resource: 'web', mode: 'http_error', score: 0.3 }),
  ]);
  return {
    title: 'demo <report>',
    generatedAt: T0 + 600_000,
    sinceMs: T0,
    untilMs: T0 + 600_000,
    resources: [
      {
        name: 'orders-db',
        type: 'database',
        signals: [
          {
            signal: 'latency_p99',
            query: 'q1',
            timestamps: [T0, T0 + 1000],
            values: [0.04, Number.NaN],
            threshold: 0.3,
          },
          {
            signal: 'cpu',
            query: 'rate(x[1m])',
            timestamps: [],
            values: [],
            error: 'the query returned no series',
          },
        ],
        probability: { timestamps: [T0 + 60_000], values: [0.62] },
      },
    ],
    outcomes: [
      outcome(T0 + 70_000, T0 + 90_000, {
        breached: true,
        breaches: [{ guard: 'error-ratio', breachedAt: T0 + 80_000 }],
        rollbackPath: 'immediate',
      }),
    ],
    latestPrediction: latest,
    cycles: [
      {
        at: T0 + 60_000,
        model: 'trend',
        topScenario: 'orders-db:network_latency',
        scenarioCount: 2,
        injections: [
          {
            resource: 'orders-db',
            mode: 'network_latency',
            startMs: T0 + 70_000,
            endMs: T0 + 90_000,
            breached: true,
            rollbackPath: 'immediate',
            dryRun: false,
          },
        ],
      },
    ],
    warnings: ['outcomes.jsonl:3: Unexpected token'],
    ...overrides,
  };
}

function embeddedData(html: string): unknown {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, 'the data script is present');
  return JSON.parse(match[1]!);
}

describe('renderReportHtml', () => {
  it('escapes text from the data and keeps the embedded JSON intact', () => {
    const html = renderReportHtml(data(), ASSETS);
    assert.ok(!html.includes('<report>'), 'title is escaped');
    assert.ok(!html.includes('<fast>'), 'why text is escaped');
    assert.ok(html.includes('as the orders table grows &#60;fast&#62;'));
    const parsed = embeddedData(html) as ReportData;
    assert.equal(
      parsed.latestPrediction?.scenarios[0]?.why.text,
      'query latency is climbing as the orders table grows <fast>',
    );
    // NaN is not JSON: it travels as null (a gap in the chart)
    assert.deepEqual(parsed.resources[0]!.signals[0]!.values, [0.04, null]);
  });

  it('inlines the chart library safely and asks for nothing over the network', () => {
    const html = renderReportHtml(data(), ASSETS);
    assert.ok(html.includes('window.uPlot = function () {}'));
    assert.equal(
      html.match(/<\/script>/g)?.length,
      3,
      'a </script> inside the library does not end its element',
    );
    assert.doesNotMatch(html, /(src|href)=["']?(https?:)?\/\//);
    assert.match(html, /Content-Security-Policy/);
  });

  it('lists scenarios by score with their why, injections, breaches and warnings', () => {
    const html = renderReportHtml(data(), ASSETS);
    const table = /<table id="scenarios">[\s\S]*?<\/table>/.exec(html)![0];
    assert.ok(table.indexOf('orders-db') < table.indexOf('web'), 'highest score first');
    assert.ok(table.includes('p99 latency 40ms → 310ms in 5m'));
    assert.ok(table.includes('latency=200, jitter=50'));
    const outcomes = /<table id="outcomes">[\s\S]*?<\/table>/.exec(html)![0];
    assert.ok(outcomes.includes('error-ratio @ 2026-01-01T12:01:20Z'));
    assert.ok(outcomes.includes('immediate'));
    assert.ok(html.includes('outcomes.jsonl:3: Unexpected token'));
    assert.ok(html.includes('cpu: no data (the query returned no series)'));
    assert.match(html, /guard breaches <b>1<\/b>/);
  });

  it('places a chart container per signal with data and per resource probability', () => {
    const html = renderReportHtml(data(), ASSETS);
    assert.ok(html.includes('id="chart-0-0"'));
    assert.ok(!html.includes('id="chart-0-1"'), 'no chart for a signal without data');
    assert.ok(html.includes('id="prob-0"'));
  });

  it('says so when the window is empty', () => {
    const html = renderReportHtml(
      data({ outcomes: [], cycles: [], latestPrediction: undefined, resources: [] }),
      ASSETS,
    );
    assert.ok(html.includes('No cycles in this window.'));
    assert.ok(html.includes('No stored prediction in this window.'));
    assert.ok(html.includes('No injections in this window.'));
  });
});

describe('escaping helpers', () => {
  it('escapeHtml covers the five characters', () => {
    assert.equal(
      escapeHtml(`<a href="x">'&'</a>`),
      '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;',
    );
  });
  it('scriptSafeJson cannot close a script element', () => {
    const text = scriptSafeJson({ s: '</script><script>alert(1)</script>\u2028' });
    assert.ok(!text.includes('<'));
    assert.deepEqual(JSON.parse(text), { s: '</script><script>alert(1)</script>\u2028' });
  });
});
