import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { runBacktest } from '../../../src/predict/backtest';
import { summarizeHistory } from '../../../src/predict/history';
import { backtestReportData } from '../../../src/report/backtest';
import { renderReportHtml } from '../../../src/report/html';
import type { ReportData } from '../../../src/report/types';
import { outcome } from './fixtures';
import { databaseConfig } from '../../support/config';

const ASSETS = { script: '/* uPlot stands in below */', css: '' };
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function backtest(): ReportData['backtest'] {
  const config = databaseConfig({ telemetry: { latency: 'x' }, thresholds: { latency: 1 } });
  const values = Array.from({ length: 360 }, (_, i) => 0.2 + 0.01 * (i % 120));
  return backtestReportData(
    runBacktest({
      config,
      windows: [
        {
          resource: 'db',
          resourceType: 'database',
          signal: 'latency',
          startMs: T0,
          stepMs: 10_000,
          values,
          stale: false,
        },
      ],
      lookbackMs: 600_000,
      horizonMs: 300_000,
      everyMs: 60_000,
      models: new Map(),
      history: summarizeHistory([], [], 0),
    }),
  );
}

function report(overrides: Partial<ReportData>): ReportData {
  return {
    title: 'page',
    generatedAt: T0 + 600_000,
    sinceMs: T0,
    untilMs: T0 + 600_000,
    resources: [],
    outcomes: [],
    cycles: [],
    warnings: [],
    ...overrides,
  };
}

/**
 * Runs the page's chart script against a stand-in document and uPlot: which chart titles it
 * drew, and what it set `data-charts-rendered` to.
 */
function runCharts(html: string): { titles: string[]; rendered: string | undefined } {
  const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const ids = new Set([...html.matchAll(/<div class="chart" id="([^"]+)"/g)].map((m) => m[1]!));
  const titles: string[] = [];
  const attributes = new Map<string, string>();
  const context = vm.createContext({
    document: {
      getElementById: (id: string) =>
        id === 'report-data' ? { textContent: json } : ids.has(id) ? { id } : null,
      body: {
        getAttribute: (name: string) => attributes.get(name) ?? null,
        setAttribute: (name: string, value: string) => attributes.set(name, value),
      },
    },
    uPlot: function uPlot(opts: { title: string }) {
      titles.push(opts.title);
    },
  });
  for (const script of scripts) vm.runInContext(script, context);
  return { titles, rendered: attributes.get('data-charts-rendered') };
}

describe('report page chart script', () => {
  it('the report draws every resource chart and the backtest charts, the reliability plot included', () => {
    const ts = [T0, T0 + 10_000, T0 + 20_000];
    const html = renderReportHtml(
      report({
        resources: [
          {
            name: 'orders-db',
            type: 'database',
            signals: [
              { signal: 'latency_p99', query: 'q', timestamps: ts, values: [0.1, 0.2, 0.3], threshold: 0.3 },
            ],
            probability: { timestamps: [T0 + 10_000], values: [0.6] },
          },
        ],
        outcomes: [outcome(T0 + 5_000, T0 + 15_000)],
        backtest: backtest(),
      }),
      ASSETS,
    );
    assert.match(html, /<div class="chart" id="reliability"><\/div>/);
    assert.match(html, /<div class="chart" id="bt-0" data-signal="db\/latency"><\/div>/);
    const { titles, rendered } = runCharts(html);
    assert.deepEqual(titles, [
      'orders-db · latency_p99',
      'orders-db · failure probability',
      'backtest · db · latency',
      'reliability (out of fold): observed frequency against forecast probability',
    ]);
    assert.equal(rendered, '4');
  });

  it('the backtest report (no resources) draws its signal chart and the reliability plot', () => {
    const html = renderReportHtml(report({ backtest: backtest() }), ASSETS);
    assert.match(html, /<h2 id="backtest">Backtest<\/h2>/);
    const { titles, rendered } = runCharts(html);
    assert.equal(titles.length, 2);
    assert.match(titles[1]!, /^reliability/);
    assert.equal(rendered, '2');
  });

  it('a report without a backtest draws no backtest chart and has no reliability element', () => {
    const html = renderReportHtml(report({}), ASSETS);
    assert.doesNotMatch(html, /id="reliability"/);
    assert.deepEqual(runCharts(html), { titles: [], rendered: '0' });
  });
});
