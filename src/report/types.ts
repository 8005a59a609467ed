/**
 * What the HTML report is made of: plain data gathered from Prometheus, the outcomes JSONL
 * and the stored predictions. The renderer (./html.ts) is a pure function of this.
 */
import type { BacktestResult } from '../predict/backtest';
import type { PredictionResult } from '../predict/types';

/** A backtest as the report draws it (its chart series thinned). */
export type BacktestReportData = BacktestResult;

/** One line of the outcomes JSONL (written by the injection workflow's recordOutcome). */
export interface OutcomeRecord {
  resource: string;
  resourceType: string;
  mode: string;
  /** ISO 8601 */
  startedAt: string;
  /** ISO 8601 */
  endedAt: string;
  breached: boolean;
  breaches: { guard: string; expr?: string; redSince?: number; breachedAt: number; value?: number }[];
  rollbackPath: string;
  dryRun: boolean;
  faultId: string;
  workflowId: string;
  verified?: boolean;
  error?: string;
}

/** A forecast as a band over time: the middle line and the interval around it. */
export interface ForecastBand {
  timestamps: number[];
  mid: number[];
  lower: number[];
  upper: number[];
  /** Who drew it: the forecaster's own output, or the report's linear trend stand-in. */
  source: 'model' | 'trend';
}

export interface SignalSeries {
  signal: string;
  query: string;
  timestamps: number[];
  values: number[];
  /** The resource's failure threshold for this signal, when the config names one. */
  threshold?: number;
  forecast?: ForecastBand;
  /** Why there is no data, when there is none. */
  error?: string;
}

export interface ResourceReport {
  name: string;
  type: string;
  signals: SignalSeries[];
  /** Highest scenario probability for this resource in each stored prediction. */
  probability: { timestamps: number[]; values: number[] };
}

/** One chaos cycle as the timeline shows it. */
export interface CycleEntry {
  at: number;
  model: string;
  /** The top-ranked scenario's id, or undefined when nothing was predicted. */
  topScenario?: string;
  scenarioCount: number;
  /** Outcomes whose injection started in this cycle's window. */
  injections: {
    resource: string;
    mode: string;
    startMs: number;
    endMs: number;
    breached: boolean;
    rollbackPath: string;
    dryRun: boolean;
  }[];
}

export interface ReportData {
  title: string;
  generatedAt: number;
  sinceMs: number;
  untilMs: number;
  resources: ResourceReport[];
  outcomes: OutcomeRecord[];
  /** The newest prediction, whose scenarios the table lists. */
  latestPrediction?: PredictionResult;
  cycles: CycleEntry[];
  /** Problems met while gathering (an unreachable Prometheus, unreadable lines); shown, not fatal. */
  warnings: string[];
  /** Predictions replayed against what happened, with the reliability table (absent: no section). */
  backtest?: BacktestReportData;
}
