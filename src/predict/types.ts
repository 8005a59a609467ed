/**
 * What crosses the boundary between the Predictive Failure Engine and the workflows.
 * Everything here is small, plain JSON (it travels in Temporal payloads).
 */
import type { FailureMode } from '../config/fault-params';
import type { RollbackPolicy, Severity } from '../config/schema';

/** One signal of one resource over the lookback, on a regular grid (NaN = missing). */
export interface SignalWindow {
  resource: string;
  resourceType: string;
  signal: string;
  startMs: number;
  stepMs: number;
  values: number[];
  /** The last real sample is older than a few steps. */
  stale: boolean;
  /** Why this signal has no usable data, when it has none. */
  error?: string;
}

export interface TelemetrySnapshot {
  collectedAt: number;
  stepMs: number;
  signals: SignalWindow[];
  /** Names of resources whose guards are red right now. */
  redGuards: string[];
  /** Resources with a firing Prometheus alert (ALERTS{alertstate="firing"} labelled resource=…). */
  firingAlerts: string[];
}

export interface ScenarioWhy {
  signal?: string;
  /** e.g. "p99 latency 180ms → 420ms in 10m (threshold 300ms)" */
  forecast?: string;
  probability: number;
  /** e.g. "2 incidents in 30d; network_latency breached a guard 1 of 3 times" */
  history?: string;
  /** The sentence a person reads. */
  text: string;
}

export interface FailureScenario {
  /** Stable within one prediction: `${resource}:${mode}`. */
  id: string;
  resource: string;
  resourceType: string;
  mode: FailureMode;
  /**
   * Probability that this resource fails within the horizon: the best signal's calibrated (or,
   * marked so in its text, raw) crossing chance, combined with the incident rate. A probability
   * and nothing else: impact, mode fit and past breaches weigh only in rankScore.
   */
  probability: number;
  impact: number;
  /**
   * The ranking key: probability weighted by impact, how well the best signal speaks for this
   * mode, this mode's breach record here and a firing alert. Not a probability. Absent in
   * predictions stored before it existed.
   */
  rankScore?: number;
  /** The same as rankScore (the name the selection and stored predictions use). */
  score: number;
  severity: Severity;
  /** Fault parameters (validated by FAULT_PARAM_SCHEMAS[mode]); durations in ms. */
  params: Record<string, unknown>;
  durationMs: number;
  rollback: { policy: RollbackPolicy; plan: string };
  why: ScenarioWhy;
}

/**
 * The forecast behind a prediction for one signal, in the signal's own units: the mean path over
 * the horizon and a band around it from the forecaster's residual spread. Points are
 * `startMs + k × stepMs` (the first one step past the last sample); thinned and rounded so that
 * it stays small in the payload.
 */
export interface SignalForecast {
  resource: string;
  signal: string;
  startMs: number;
  stepMs: number;
  mid: number[];
  lower: number[];
  upper: number[];
  /** The forecaster that won on this series (`trend`: predictions stored before Holt-Winters). */
  model: ForecastModelKind;
  /** Whether the probability behind it was calibrated (absent in older predictions). */
  calibrated?: boolean;
}

/** Who forecast a series: a trained net, Holt-Winters, or (older predictions only) the trend line. */
export type ForecastModelKind = 'lstm' | 'gru' | 'holt-winters' | 'trend';

export interface PredictionResult {
  generatedAt: number;
  horizonMs: number;
  /** The forecaster most signals used (and the newest promoted net's version when that is a net). */
  model: { kind: ForecastModelKind; version?: string };
  /** The forecaster of each signal, by `resource/signal` (absent in older predictions). */
  modelKinds?: Record<string, ForecastModelKind>;
  scenarios: FailureScenario[];
  /** One per signal with usable data (absent in predictions stored before it existed). */
  forecasts?: SignalForecast[];
}
