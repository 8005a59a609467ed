// `foreshock backtest` against a real Prometheus holding the demo's recorded history (backfilled
// with promtool, as the demo does): the live engine replays it origin by origin, and the
// result says how many failures it forecast, with what lead, at what false-alarm rate; the
// report draws the bands against the real series and the reliability plot in Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { registerBacktest } from '../../../src/cli/commands/backtest';
import { startHistoryReplay } from '../../../src/demo/history-replay';
import type { PrometheusServer } from '../../../src/testing/prometheus';
import { PROJECT_ROOT } from '../../../src/tools';
import { checkReportInChromium } from '../demo/browser';

async function runCli(argv: string[]): Promise<string[]> {
  const program = new Command('foreshock').exitOverride();
  registerBacktest(program);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    await program.parseAsync(['node', 'foreshock', ...argv]);
  } finally {
    console.log = log;
  }
  return lines;
}

describe('foreshock backtest on the demo history in a real Prometheus', () => {
  let dir: string;
  let prometheus: PrometheusServer;
  let configFile: string;
  let minutes: number;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-backtest-'));
    ({ prometheus, configFile, minutes } = await startHistoryReplay({ dir }));
  });

  after(async () => {
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scores forecasts against what happened and reports them', async () => {
    const report = path.join(dir, 'backtest.html');
    const lines = await runCli([
      'backtest',
      '--config',
      configFile,
      '--since',
      `${minutes}m`,
      '--horizon',
      '5m',
      '--every',
      '30s',
      '--json',
      '--report',
      report,
    ]);
    const result = JSON.parse(lines.at(-1)!) as {
      origins: number;
      signals: { resource: string; signal: string; models: Record<string, number>; failures: number }[];
      totals: {
        failures: number;
        failuresForecast: number;
        medianLeadMs?: number;
        falseAlarmsPerDay: number;
      };
      outOfFold: { samples: number; positives: number; brier: number; brierSkill: number };
      reliability: { count: number }[];
    };
    assert.ok(result.origins >= 20, `${result.origins} origins`);
    // every signal of the demo config is listed; the two read from logs (mtail) came after the recording
    assert.equal(result.signals.length, 10, result.signals.map((s) => `${s.resource}/${s.signal}`).join(' '));
    for (const s of result.signals.filter(
      (x) => x.signal !== 'slow_queries' && x.signal !== 'log_error_ratio',
    ))
      assert.deepEqual(
        Object.keys(s.models),
        ['holt-winters'],
        `${s.resource}/${s.signal}: no trained nets here`,
      );
    const db = result.signals.find((s) => s.resource === 'orders-db' && s.signal === 'query_p99');
    assert.ok(db && db.failures > 0, 'the recording holds orders-db slow-downs past the threshold');
    assert.ok(result.totals.failuresForecast > 0 && result.totals.failuresForecast <= result.totals.failures);
    assert.ok((result.totals.medianLeadMs ?? 0) > 0, 'forecast before the crossing');
    assert.ok(Number.isFinite(result.totals.falseAlarmsPerDay));
    assert.ok(result.outOfFold.samples > 0 && result.outOfFold.positives > 0);
    assert.ok(Number.isFinite(result.outOfFold.brier) && Number.isFinite(result.outOfFold.brierSkill));
    assert.equal(
      result.reliability.reduce((n, b) => n + b.count, 0),
      result.outOfFold.samples,
    );

    assert.ok(existsSync(report));
    const html = readFileSync(report, 'utf8');
    assert.match(html, /id="backtest"/);
    const page = await checkReportInChromium(
      report,
      path.join(PROJECT_ROOT, 'test-artifacts', 'backtest-report.png'),
    );
    assert.deepEqual(page.errors, []);
    assert.deepEqual(page.requests, []);
    assert.equal(page.chartsRendered, 11, 'ten signals and the reliability plot');
    assert.equal(page.paintedCanvases, page.canvases);
  });
});
