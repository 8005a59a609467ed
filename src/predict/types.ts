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
  /** Calibrated probability that this resource fails this way within the horizon. */
  probability: number;
  impact: number;
  /** probability × impact; the ranking key. */
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
  /** The trained model's kind, or `trend` for the stand-in. */
  model: 'lstm' | 'gru' | 'trend';
}

export interface PredictionResult {
  generatedAt: number;
  horizonMs: number;
  /** Which forecaster produced it: a trained model, or the plain trend ranking stand-in. */
  model: { kind: 'lstm' | 'gru' | 'trend'; version?: string };
  scenarios: FailureScenario[];
  /** One per signal with usable data (absent in predictions stored before it existed). */
  forecasts?: SignalForecast[];
}
