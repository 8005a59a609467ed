import type { Command } from 'commander';
import Table from 'cli-table3';
import { loadConfig } from '../../config/loader';
import { parseDuration } from '../../config/duration';
import { backtestRange } from '../../activities/backtest';
import type { BacktestResult } from '../../predict/backtest';
import { writeBacktestReport } from '../../report/backtest';
import { openStores } from '../../store';
import { prometheusOf } from './support';

interface BacktestCliOptions {
  config: string;
  since: string;
  until?: string;
  every?: string;
  horizon: string;
  step?: string;
  alarmAt: string;
  models: boolean;
  json?: boolean;
  report?: string;
}

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new Error(`${flag}: expected a duration such as 7d or 90m, got "${text}"`);
  return ms;
}

const minutes = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 60_000).toFixed(1)}m`);
const num = (x: number | undefined, digits = 2) =>
  x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);

export function backtestTable(result: BacktestResult): string {
  const table = new Table({
    head: [
      'resource/signal',
      'models',
      'failures',
      'forecast',
      'median lead',
      'alarms',
      'false/day',
      'precision',
      'Brier',
    ],
  });
  for (const s of result.signals) {
    table.push([
      `${s.resource}/${s.signal}`,
      Object.entries(s.models)
        .map(([k, n]) => `${k}×${n}`)
        .join(' '),
      s.failures,
      s.failuresForecast,
      minutes(s.medianLeadMs),
      s.alarms,
      num(s.falseAlarmsPerDay, 1),
      num(s.precision),
      num(s.brier, 3),
    ]);
  }
  return table.toString();
}

/** The JSON line: everything but the chart arrays. */
export function backtestJson(result: BacktestResult): Record<string, unknown> {
  return {
    ...result,
    signals: result.signals.map((s) => {
      // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the charts go to the report only
      const { chart, ...rest } = s;
      return rest;
    }),
  };
}

export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description(
      'replay a Prometheus range through the live prediction engine and score its forecasts against what happened',
    )
    .requiredOption('--config <file>', 'foreshock config file')
    .option('--since <duration>', 'how far back the replay starts', '7d')
    .option('--until <duration>', 'how long ago the replay ends (default: now)')
    .option('--every <duration>', 'time between replayed predictions (default: a quarter of the horizon)')
    .option('--horizon <duration>', 'forecast horizon, as predictFailures uses it', '10m')
    .option('--step <duration>', 'grid step (default: the config prometheus.step)')
    .option('--alarm-at <p>', 'a probability at or above this is an alarm', '0.3')
    .option('--no-models', 'Holt-Winters only: ignore the trained nets and calibrations')
    .option('--json', 'print one JSON object as the last line')
    .option('--report <file>', 'also write an HTML report with forecast bands against the real series')
    .action(async (opts: BacktestCliOptions) => {
      const { config } = await loadConfig(opts.config);
      const now = Date.now();
      const stepMs = opts.step ? duration('--step', opts.step) : config.prometheus.step;
      const toMs = Math.floor((now - (opts.until ? duration('--until', opts.until) : 0)) / stepMs) * stepMs;
      const fromMs = toMs - duration('--since', opts.since);
      const horizonMs = duration('--horizon', opts.horizon);
      const alarmAt = Number(opts.alarmAt);
      if (!(alarmAt > 0 && alarmAt <= 1))
        throw new Error(`--alarm-at: expected a probability in (0, 1], got "${opts.alarmAt}"`);
      const prometheus = prometheusOf(config);
      // shared stores: the nets, calibrations and history every worker reads
      const stores = config.store.kind === 'postgres' ? await openStores(config) : undefined;
      const { result, windows, inSampleModels } = await backtestRange(config, prometheus, {
        fromMs,
        toMs,
        stepMs,
        horizonMs,
        alarmAt,
        models: opts.models,
        ...(opts.every ? { everyMs: duration('--every', opts.every) } : {}),
        ...(stores ? { stores } : {}),
      }).finally(() => stores?.close());
      if (!opts.json) {
        for (const w of windows) if (w.error) console.log(`note: ${w.resource}/${w.signal}: ${w.error}`);
        if (inSampleModels)
          console.log(
            `note: ${inSampleModels} net(s) were trained on data inside this range: their part is in-sample (--no-models for Holt-Winters alone)`,
          );
        console.log(backtestTable(result));
        const t = result.totals;
        const o = result.outOfFold;
        console.log(
          `${result.origins} origins over ${((toMs - fromMs) / 3_600_000).toFixed(1)} h, horizon ${minutes(horizonMs)}, alarm at p ≥ ${alarmAt}: ` +
            `${t.failuresForecast}/${t.failures} failures forecast, median lead ${minutes(t.medianLeadMs)}, ` +
            `${num(t.falseAlarmsPerDay, 1)} false alarms/day, precision ${num(t.precision)}`,
        );
        console.log(
          `out of fold (${o.folds} folds, ${o.samples} forecasts, ${o.positives} failures): Brier ${num(o.brier, 4)} vs base rate ${num(o.baseRateBrier, 4)} → skill ${num(o.brierSkill, 3)}; ` +
            `vs each signal's own base rate ${num(o.seriesBaseRateBrier, 4)} → skill ${num(o.seriesBrierSkill, 3)} (raw, uncalibrated: ${num(o.rawBrier, 4)}, skill ${num(o.rawBrierSkill, 3)})`,
        );
      }
      if (opts.report) {
        await writeBacktestReport(result, opts.report, `foreshock backtest · ${opts.config}`);
        if (!opts.json) console.log(`report written to ${opts.report}`);
      }
      if (opts.json) console.log(JSON.stringify({ ...backtestJson(result), inSampleModels }));
    });
}
