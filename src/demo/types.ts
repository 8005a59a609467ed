/**
 * What `runDemo` takes and returns, and the demo's fixed settings (drift, horizon).
 */
import type { ForeshockConfig } from '../config/schema';
import type { BacktestSummary, TopScenario } from './summary-parts';

/**
 * The demo's drift: 750 orders imported every 2 s (375 rows/s), slow enough that the
 * per-customer scan takes several minutes to climb past orders-db's threshold, so a forecast
 * can see the crossing coming (the recording and the replaying demo use the same rate).
 */
export const DEMO_LOAD = { importRows: 750, importEveryMs: 2000 } as const;

/** The horizon the demo predicts, trains and backtests for. */
export const DEMO_HORIZON_MS = 5 * 60_000;

export interface DemoOptions {
  /** Bounded mode: run this many cycles, then stop. Omitted → until Ctrl-C. */
  cycles?: number;
  /** Live terminal view and the Temporal Web UI. @default true */
  ui?: boolean;
  /** Telemetry to gather before the first cycle. @default 10s */
  warmupMs?: number;
  /** Where this run's files go. @default .foreshock/demo/run-<time> */
  runDir?: string;
  /** Human progress (stderr). */
  say?: (line: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  stopSignal?: Promise<void>;
  /**
   * Recorded telemetry (./history.ts) to start from: backfilled into Prometheus, the orders
   * table prefilled to where it ended, the forecasters trained on it before the first cycle.
   * false: start empty. @default config/demo/history.om.gz when present
   */
  history?: string | false;
  /** Runs once the stack is up (the history recorder starts its archive job here). */
  afterStart?: (context: DemoContext) => Promise<void>;
  /** Runs after the last cycle while the stack still runs (the history recorder exports here). */
  beforeStop?: (context: DemoContext) => Promise<void>;
}

/** What the afterStart and beforeStop hooks may read from the running demo. */
export interface DemoContext {
  config: ForeshockConfig;
  prometheusUrl: string;
  postgresUrl: string;
  startedMs: number;
  outcomesFile: string;
}

export interface DemoSummary {
  cycles: number;
  injections: number;
  rollbacks: number;
  guard_breaches: number;
  orphaned_faults: number;
  report: string;
  leftover_processes: number;
  temporal_ui?: string;
  run_dir: string;
  /** Forecasters the predictions used, over every signal of every cycle. */
  model_kinds: string[];
  /** Each cycle's top-ranked scenario. */
  top_scenarios: TopScenario[];
  /** The engine replayed over the history and this run (also drawn in the report). */
  backtest?: BacktestSummary;
  /** Minutes of recorded history backfilled, and how long training on it took. */
  history?: { minutes: number; series: number; train_s: number; promoted: number; calibrated: number };
}

/** The run's log and event feed, shared by its parts. */
export interface DemoEvents {
  /** Recent events, newest last, as the live view shows them. */
  lines: string[];
  event(text: string, fields?: Record<string, unknown>): void;
}
