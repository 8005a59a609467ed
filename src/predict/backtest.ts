/**
 * Backtest: predictions against what happened. A recorded range of every signal is replayed
 * origin by origin through the live engine (`predictSnapshot`, the code predictFailures runs),
 * each origin seeing only its lookback; what the series did over the next horizon is the truth.
 *
 *   range ─▶ origin t: window [t − lookback, t] ─▶ predictSnapshot ─▶ p per signal, forecast band
 *                      truth: the real series crosses its threshold in (t, t + horizon]
 *
 * Per resource and signal: failure episodes (the series over its threshold), how many were
 * forecast (an alarm — p ≥ the alarm cut-off — within the horizon before the crossing), the lead
 * time, false alarms per day, precision. Over all signals: Brier score and Brier skill against
 * the base rate, out of fold (rolling origin: each fold calibrated on the earlier ones only),
 * and the reliability table.
 */
import {
  outOfFold,
  reliability,
  type CalibrationRecord,
  type LabelledForecast,
  type OutOfFoldResult,
  type ReliabilityBin,
} from './calibration';
import { predictSnapshot, scaledThreshold, type LoadedModel } from './engine';
import { fillGaps, robustScale } from './features';
import type { HistorySummary } from './history';
import type { ScenarioConfig } from './scenarios';
import type { ForecastModelKind, SignalWindow, TelemetrySnapshot } from './types';

export interface BacktestInput {
  config: ScenarioConfig;
  /** The whole replayed range of each signal, on one grid. */
  windows: SignalWindow[];
  lookbackMs: number;
  horizonMs: number;
  /** Time between origins. @default the horizon / 4 */
  everyMs?: number;
  models: Map<string, LoadedModel>;
  calibrations?: Map<string, CalibrationRecord>;
  history: HistorySummary;
  /** An alarm is a probability at or above this. @default 0.3 (severity medium) */
  alarmAt?: number;
  /** Folds of the out-of-fold Brier. @default 5 */
  folds?: number;
}

export interface SignalBacktest {
  resource: string;
  signal: string;
  threshold?: number;
  origins: number;
  models: Partial<Record<ForecastModelKind, number>>;
  /** Episodes of the real series over its threshold (after the first lookback). */
  failures: number;
  failuresForecast: number;
  /** Median time from the first alarm to the crossing, over forecast failures (ms). */
  medianLeadMs?: number;
  alarms: number;
  falseAlarms: number;
  falseAlarmsPerDay: number;
  precision?: number;
  brier?: number;
  /** The real series and, per origin, the forecast at the horizon's end with its band (for the report). */
  chart: {
    timestamps: number[];
    values: number[];
    forecast: { timestamps: number[]; mid: number[]; lower: number[]; upper: number[] };
  };
}

export interface BacktestResult {
  fromMs: number;
  toMs: number;
  origins: number;
  lookbackMs: number;
  horizonMs: number;
  alarmAt: number;
  signals: SignalBacktest[];
  totals: {
    failures: number;
    failuresForecast: number;
    alarms: number;
    falseAlarms: number;
    falseAlarmsPerDay: number;
    precision?: number;
    medianLeadMs?: number;
  };
  /** The engine's probabilities as it gave them live (with its stored calibration, if any). */
  live: { samples: number; positives: number; brier: number };
  /** Raw crossing chances, calibrated fold by fold on earlier folds only. */
  outOfFold: Omit<OutOfFoldResult, 'scored'>;
  reliability: ReliabilityBin[];
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

interface Origin {
  t: number;
  p: number;
  raw: number;
  outcome: boolean;
}

interface SignalTrack {
  origins: Origin[];
  kinds: Map<ForecastModelKind, number>;
  band: SignalBacktest['chart']['forecast'];
}

export function runBacktest(input: BacktestInput): BacktestResult {
  const everyMs = input.everyMs ?? Math.max(input.horizonMs / 4, 1);
  const alarmAt = input.alarmAt ?? 0.3;
  const grid = input.windows.find((w) => w.values.length > 0);
  if (!grid) throw new Error('backtest: no signal has data in the range');
  const stepMs = grid.stepMs;
  const fromMs = grid.startMs;
  const toMs = grid.startMs + (grid.values.length - 1) * stepMs;
  const lookSteps = Math.max(3, Math.round(input.lookbackMs / stepMs));
  const horizonSteps = Math.max(1, Math.round(input.horizonMs / stepMs));
  const everySteps = Math.max(1, Math.round(everyMs / stepMs));
  const perSignal = new Map<
    string,
    { origins: Origin[]; kinds: Map<ForecastModelKind, number>; band: SignalBacktest['chart']['forecast'] }
  >();
  const filled = new Map<string, number[]>();
  for (const w of input.windows) {
    const f = fillGaps(w.values.map((v) => (typeof v === 'number' ? v : NaN)));
    if (f) filled.set(`${w.resource}/${w.signal}`, f.values);
  }
  const all: (LabelledForecast & { t: number; live: number; key: string })[] = [];
  let originCount = 0;
  for (let end = lookSteps; end + horizonSteps < grid.values.length; end += everySteps) {
    originCount++;
    const t = fromMs + (end - 1) * stepMs;
    const snapshot: TelemetrySnapshot = {
      collectedAt: t,
      stepMs,
      signals: input.windows.map((w) => ({
        ...w,
        startMs: w.startMs + (end - lookSteps) * w.stepMs,
        values: w.values.slice(end - lookSteps, end),
        stale: false,
      })),
      redGuards: [],
      firingAlerts: [],
    };
    const result = predictSnapshot({
      snapshot,
      config: input.config,
      models: input.models,
      ...(input.calibrations ? { calibrations: input.calibrations } : {}),
      history: input.history,
      horizonMs: input.horizonMs,
      now: t,
    });
    for (const s of result.signals) {
      const key = `${s.resource}/${s.signal}`;
      const series = filled.get(key);
      if (!series || s.claimed === false || !s.model) continue;
      const resource = input.config.resources.find((r) => r.name === s.resource);
      const seen = series.slice(end - lookSteps, end);
      const scale = robustScale(seen);
      const threshold = scaledThreshold(resource?.thresholds[s.signal], scale);
      const future = series.slice(end, end + horizonSteps);
      const outcome = future.some((v) => (v - scale.center) / scale.scale >= threshold);
      const entry: SignalTrack = perSignal.get(key) ?? {
        origins: [],
        kinds: new Map(),
        band: { timestamps: [], mid: [], lower: [], upper: [] },
      };
      entry.origins.push({ t, p: s.probability, raw: s.rawProbability ?? NaN, outcome });
      entry.kinds.set(s.model, (entry.kinds.get(s.model) ?? 0) + 1);
      const f = s.forecast;
      if (f && f.mid.length > 0) {
        const k = f.mid.length - 1;
        entry.band.timestamps.push(f.startMs + k * f.stepMs);
        entry.band.mid.push(f.mid[k]!);
        entry.band.lower.push(f.lower[k]!);
        entry.band.upper.push(f.upper[k]!);
      }
      perSignal.set(key, entry);
      all.push({ t, p: s.rawProbability ?? NaN, outcome, live: s.probability, key });
    }
  }
  const days = Math.max((toMs - fromMs - lookSteps * stepMs) / 86_400_000, 1e-9);
  const signals: SignalBacktest[] = [];
  const leads: number[] = [];
  for (const w of input.windows) {
    const key = `${w.resource}/${w.signal}`;
    const entry = perSignal.get(key);
    const series = filled.get(key);
    if (!entry || !series) continue;
    const resource = input.config.resources.find((r) => r.name === w.resource);
    const configured = resource?.thresholds[w.signal];
    // failure episodes: starts of runs over the threshold (configured; else as each origin saw it)
    const starts: number[] = [];
    if (configured !== undefined) {
      for (let i = lookSteps; i < series.length; i++)
        if ((series[i] ?? -Infinity) >= configured && !((series[i - 1] ?? -Infinity) >= configured))
          starts.push(fromMs + i * stepMs);
    } else {
      entry.origins.forEach((o, i) => {
        if (o.outcome && !entry.origins[i - 1]?.outcome) starts.push(o.t + stepMs);
      });
    }
    const alarms = entry.origins.filter((o) => o.p >= alarmAt);
    const falseAlarms = alarms.filter((o) => !o.outcome).length;
    let forecast = 0;
    const signalLeads: number[] = [];
    for (const start of starts) {
      const before = alarms.filter((o) => o.t < start && o.t >= start - input.horizonMs);
      if (before.length === 0) continue;
      forecast++;
      signalLeads.push(start - before[0]!.t);
    }
    leads.push(...signalLeads);
    const pairs = entry.origins.map((o) => ({ p: o.p, outcome: o.outcome }));
    const brier = pairs.length
      ? pairs.reduce((s, x) => s + (x.p - (x.outcome ? 1 : 0)) ** 2, 0) / pairs.length
      : undefined;
    signals.push({
      resource: w.resource,
      signal: w.signal,
      ...(configured !== undefined ? { threshold: configured } : {}),
      origins: entry.origins.length,
      models: Object.fromEntries(entry.kinds),
      failures: starts.length,
      failuresForecast: forecast,
      ...(signalLeads.length ? { medianLeadMs: median(signalLeads) } : {}),
      alarms: alarms.length,
      falseAlarms,
      falseAlarmsPerDay: falseAlarms / days,
      ...(alarms.length ? { precision: (alarms.length - falseAlarms) / alarms.length } : {}),
      ...(brier !== undefined ? { brier } : {}),
      chart: {
        timestamps: series.map((_, i) => fromMs + i * stepMs),
        values: series,
        forecast: entry.band,
      },
    });
  }
  all.sort((a, b) => a.t - b.t);
  const oof = outOfFold(all, input.folds ?? 5);
  const { scored, ...oofSummary } = oof;
  const alarms = signals.reduce((n, s) => n + s.alarms, 0);
  const falseAlarms = signals.reduce((n, s) => n + s.falseAlarms, 0);
  const live = all.filter((x) => Number.isFinite(x.live));
  return {
    fromMs,
    toMs,
    origins: originCount,
    lookbackMs: input.lookbackMs,
    horizonMs: input.horizonMs,
    alarmAt,
    signals,
    totals: {
      failures: signals.reduce((n, s) => n + s.failures, 0),
      failuresForecast: signals.reduce((n, s) => n + s.failuresForecast, 0),
      alarms,
      falseAlarms,
      falseAlarmsPerDay: falseAlarms / days,
      ...(alarms ? { precision: (alarms - falseAlarms) / alarms } : {}),
      ...(leads.length ? { medianLeadMs: median(leads) } : {}),
    },
    live: {
      samples: live.length,
      positives: live.filter((x) => x.outcome).length,
      brier: live.length
        ? live.reduce((s, x) => s + (x.live - (x.outcome ? 1 : 0)) ** 2, 0) / live.length
        : NaN,
    },
    outOfFold: oofSummary,
    reliability: reliability(scored),
  };
}
