/**
 * The end of a demo run, while the stack still runs: nothing may stay applied (what the agent
 * still holds is counted, then reverted anyway); the summary's counts and predictions; with
 * history, the engine replayed over it (backtest); and the HTML report.
 */
import { backtestRange } from '../activities/backtest';
import type { ForeshockConfig } from '../config/schema';
import type { AgentClient } from '../inject/client';
import type { BacktestResult } from '../predict/backtest';
import type { PrometheusAdapter } from '../prometheus/adapter';
import { writeReport } from '../report';
import { isOutcomeRecord, isPredictionResult } from '../report/assemble';
import { readJsonl } from '../report/jsonl';
import { backtestSummary, modelKinds, tally, topScenarios } from './summary-parts';
import { DEMO_HORIZON_MS, type DemoEvents, type DemoSummary } from './types';

/** Counts and reverts the faults the agent still holds; fills the summary's counts and predictions. */
export async function settle(o: {
  agentClient: AgentClient;
  prometheus: PrometheusAdapter;
  outcomesFile: string;
  predictionsFile: string;
  summary: DemoSummary;
  events: DemoEvents;
}): Promise<void> {
  const { summary, events } = o;
  const stillApplied = (await o.agentClient.list()).filter((f) => f.phase === 'applied');
  summary.orphaned_faults = stillApplied.length;
  for (const f of stillApplied) {
    events.event(`orphaned fault ${f.faultId} (${f.resource}:${f.mode}): reverting`);
    await o.agentClient.revert(f.faultId).catch(() => undefined);
  }
  Object.assign(summary, tally(readJsonl(o.outcomesFile, isOutcomeRecord).records));
  const predictions = readJsonl(o.predictionsFile, isPredictionResult).records;
  summary.model_kinds = modelKinds(predictions);
  summary.top_scenarios = topScenarios(predictions);
  const up = await o.prometheus.instantQuery('up').catch(() => []);
  events.event(`scrape targets: ${up.map((s) => `${s.labels.job}=${s.value}`).join(' ')}`, {
    scrape: Object.fromEntries(up.map((s) => [s.labels.job ?? '?', s.value])),
  });
}

/** The engine replayed from `fromMs` to now (every 30 s, the demo's horizon); undefined when it cannot run. */
export async function backtestSince(o: {
  config: ForeshockConfig;
  prometheus: PrometheusAdapter;
  fromMs: number;
  summary: DemoSummary;
  events: DemoEvents;
}): Promise<BacktestResult | undefined> {
  const backtest = await backtestRange(o.config, o.prometheus, {
    fromMs: o.fromMs,
    toMs: Date.now(),
    horizonMs: DEMO_HORIZON_MS,
    everyMs: 30_000,
  }).then(
    (b) => b.result,
    (err: Error) => {
      o.events.event(`backtest skipped: ${err.message}`);
      return undefined;
    },
  );
  if (backtest) {
    o.summary.backtest = backtestSummary(backtest);
    const t = backtest.totals;
    o.events.event(
      `backtest over the history and this run: ${t.failuresForecast}/${t.failures} failures forecast, out-of-fold Brier skill ${backtest.outOfFold.brierSkill.toFixed(3)}`,
    );
  }
  return backtest;
}

export async function writeDemoReport(o: {
  config: ForeshockConfig;
  prometheus: PrometheusAdapter;
  outcomesFile: string;
  predictionsFile: string;
  startedMs: number;
  summary: DemoSummary;
  backtest?: BacktestResult;
  events: DemoEvents;
}): Promise<void> {
  await writeReport({
    prometheus: o.prometheus,
    resources: o.config.resources,
    outcomesFile: o.outcomesFile,
    predictionsFile: o.predictionsFile,
    sinceMs: o.startedMs,
    untilMs: Date.now(),
    title: `foreshock demo · ${new Date(o.startedMs).toISOString()}`,
    outFile: o.summary.report,
    ...(o.backtest ? { backtest: o.backtest } : {}),
  });
  o.events.event(`report written to ${o.summary.report}`);
}
