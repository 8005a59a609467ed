/**
 * The parts of the demo's summary line: injections and rollbacks from the outcome records,
 * which forecasters ran, each cycle's top scenario, and the backtest's headline numbers. Pure:
 * records in, plain JSON out.
 */
import type { BacktestResult } from '../predict/backtest';
import type { PredictionResult } from '../predict/types';
import type { OutcomeRecord } from '../report/types';

/** Counts from the outcome records: an injection is a fault that was applied; a rollback one that was removed again. */
export function tally(outcomes: OutcomeRecord[]) {
  const applied = outcomes.filter(
    (o) => !o.dryRun && o.rollbackPath !== 'inject_failed' && o.rollbackPath !== 'dry_run',
  );
  return {
    injections: applied.length,
    rollbacks: applied.filter((o) => o.verified !== false).length,
    guard_breaches: outcomes.reduce((n, o) => n + o.breaches.length, 0),
  };
}

export interface TopScenario {
  id: string;
  probability: number;
  severity: string;
  model?: string;
}

export interface BacktestSummary {
  failures: number;
  forecast: number;
  median_lead_s?: number;
  false_alarms_per_day: number;
  precision?: number;
  brier_skill_oof: number;
}

/** Forecasters over every signal of every prediction (older records: their one kind). */
export function modelKinds(predictions: readonly PredictionResult[]): string[] {
  return [
    ...new Set(predictions.flatMap((p) => Object.values(p.modelKinds ?? { all: p.model.kind }))),
  ].sort();
}

export function topScenarios(predictions: readonly PredictionResult[]): TopScenario[] {
  return predictions.flatMap((p) => {
    const top = [...p.scenarios].sort((a, b) => b.score - a.score)[0];
    if (!top) return [];
    const signal = top.why.signal;
    const model = signal ? p.modelKinds?.[`${top.resource}/${signal}`] : undefined;
    return [
      {
        id: top.id,
        probability: +top.probability.toFixed(3),
        severity: top.severity,
        ...(model ? { model } : {}),
      },
    ];
  });
}

export function backtestSummary(backtest: BacktestResult): BacktestSummary {
  const t = backtest.totals;
  return {
    failures: t.failures,
    forecast: t.failuresForecast,
    ...(t.medianLeadMs !== undefined ? { median_lead_s: Math.round(t.medianLeadMs / 1000) } : {}),
    false_alarms_per_day: Math.round(t.falseAlarmsPerDay),
    ...(t.precision !== undefined ? { precision: +t.precision.toFixed(2) } : {}),
    brier_skill_oof: +backtest.outOfFold.brierSkill.toFixed(3),
  };
}
