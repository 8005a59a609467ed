/**
 * From a telemetry snapshot to per-signal failure probabilities and ranked scenarios. Per
 * series, the trained net of its (resource type, signal) — when one was promoted — and
 * Holt-Winters compete on the series' last points (./series-forecast.ts); the winner's forecast
 * crossing the threshold within the horizon is the raw failure chance, which the signal's
 * calibration (fitted on held-out data at training) maps to a probability, or leaves as it is,
 * marked uncalibrated. Every signal names the model that forecast it.
 */
import { applyCalibration, type CalibrationRecord } from './calibration';
import { applyScale, fillGaps, robustScale, unscale, type RobustScale } from './features';
import { compileForecaster, type CompiledForecaster } from './forecaster';
import type { HistorySummary } from './history';
import type { ModelRecord } from './model-store';
import { crossingProbability } from './probability';
import { buildScenarios, type SignalAssessment, type ScenarioConfig } from './scenarios';
import { forecastSeries, type SeriesModelKind } from './series-forecast';
import type { PredictionResult, SignalForecast, TelemetrySnapshot } from './types';
import { scoreSeries, windowPoints } from './scorer/failure-scorer';
import { DEFAULT_SCORER_SETTINGS } from './scorer/settings';

/** Without a configured threshold, "failure" is this many robust units (IQRs) above the median. */
export const LEARNED_THRESHOLD_UNITS = 4;
/** Forecasts reach at most this many steps (longer horizons on fine grids are capped). */
export const MAX_FORECAST_STEPS = 360;

export interface LoadedModel {
  record: ModelRecord;
  forecaster: CompiledForecaster;
}

export function loadModel(record: ModelRecord): LoadedModel {
  return { record, forecaster: compileForecaster(record.net) };
}

/** Half-width of the stored band in residual spreads (≈95 % for normal residuals, as the report's own band). */
const BAND_SPREADS = 2;
/** At most this many points per stored forecast: enough to draw, small in the payload. */
const MAX_FORECAST_POINTS = 30;

/** Four significant digits: plenty for a chart, a fraction of the JSON. */
function round(v: number): number {
  return Number(v.toPrecision(4));
}

/**
 * The scaled forecast back in the signal's units, with a band that widens as √step (the spread
 * crossingProbability assumes); thinned to every n-th step so that the horizon's end stays in.
 * Undefined when the forecaster produced anything non-finite.
 */
export function forecastBand(options: {
  forecast: readonly number[];
  residualStd: number;
  scale: RobustScale;
  lastSampleMs: number;
  stepMs: number;
}): Pick<SignalForecast, 'startMs' | 'stepMs' | 'mid' | 'lower' | 'upper'> | undefined {
  const { forecast, residualStd, scale } = options;
  if (forecast.length === 0 || !forecast.every(Number.isFinite) || !Number.isFinite(residualStd)) {
    return undefined;
  }
  const stride = Math.ceil(forecast.length / MAX_FORECAST_POINTS);
  const first = (forecast.length - 1) % stride;
  const band = { mid: [] as number[], lower: [] as number[], upper: [] as number[] };
  for (let k = first; k < forecast.length; k += stride) {
    const f = forecast[k]!;
    const spread = BAND_SPREADS * Math.abs(residualStd) * Math.sqrt(k + 1);
    band.mid.push(round(unscale(f, scale)));
    band.lower.push(round(unscale(f - spread, scale)));
    band.upper.push(round(unscale(f + spread, scale)));
  }
  return {
    startMs: options.lastSampleMs + (first + 1) * options.stepMs,
    stepMs: stride * options.stepMs,
    ...band,
  };
}

/** A signal's assessment plus the forecast behind it (when it had data to forecast from). */
export interface AssessedSignal extends SignalAssessment {
  forecast?: SignalForecast;
  /** Which forecaster won on this series; absent without usable data. */
  model?: SeriesModelKind;
  /** The crossing chance before calibration (NaN when the forecast was not finite). */
  rawProbability?: number;
  calibrated?: boolean;
}

export interface AssessOptions {
  snapshot: TelemetrySnapshot;
  config: Pick<ScenarioConfig, 'resources'>;
  /** Promoted nets by `${resourceType}/${signal}`. */
  models: Map<string, LoadedModel>;
  /** Calibrations by `${resourceType}/${signal}`; missing → raw chances, marked uncalibrated. */
  calibrations?: Map<string, CalibrationRecord>;
  horizonMs: number;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

/** Threshold of a signal in the series' scaled units (configured, else learned). */
export function scaledThreshold(configured: number | undefined, scale: RobustScale): number {
  return configured !== undefined ? (configured - scale.center) / scale.scale : LEARNED_THRESHOLD_UNITS;
}

/** Share of the window's newest rows whose highest anomaly score counts as "now". */
export const ANOMALY_RECENT_SHARE = 0.05;

/**
 * The FailureScorer (the very scorer `foreshock eval nab` measures) run row by row over the
 * window, missing samples included as NaN; the highest score of its newest rows. The scorer
 * reports an episode once, at its onset, so "now" spans a few rows rather than the last one.
 */
export function recentAnomaly(window: {
  startMs: number;
  stepMs: number;
  values: readonly (number | null)[];
}): number {
  const values = window.values.map((v) => (typeof v === 'number' ? v : NaN));
  const scores = scoreSeries(windowPoints({ startMs: window.startMs, stepMs: window.stepMs, values }));
  const recent = Math.max(1, Math.ceil(scores.length * ANOMALY_RECENT_SHARE));
  let best = 0;
  for (let i = Math.max(0, scores.length - recent); i < scores.length; i++)
    best = Math.max(best, scores[i] ?? 0);
  return best;
}

export function assessSignals(options: AssessOptions): AssessedSignal[] {
  const out: AssessedSignal[] = [];
  for (const w of options.snapshot.signals) {
    const resource = options.config.resources.find((r) => r.name === w.resource);
    if (!resource) continue;
    const filled = fillGaps(w.values.map((v) => (typeof v === 'number' ? v : NaN)));
    if (!filled || filled.values.length < 3) {
      out.push({
        resource: w.resource,
        signal: w.signal,
        probability: 0,
        claimed: false,
        text: `${w.signal}: no usable data (${w.error ?? 'too few points'})`,
      });
      continue;
    }
    const anomaly = recentAnomaly(w);
    const scale = robustScale(filled.values);
    const scaled = applyScale(filled.values, scale);
    const configured = resource.thresholds[w.signal];
    const threshold = scaledThreshold(configured, scale);
    const key = `${w.resourceType}/${w.signal}`;
    const model = options.models.get(key);
    const steps = Math.max(1, Math.min(MAX_FORECAST_STEPS, Math.round(options.horizonMs / w.stepMs)));
    const sf = forecastSeries(
      scaled,
      steps,
      w.stepMs,
      model
        ? {
            forecaster: model.forecaster,
            inputSteps: model.record.inputSteps,
            residualStd: model.record.residualStd,
          }
        : undefined,
    );
    const raw = crossingProbability(sf.forecast, sf.residualStd, threshold);
    const { p, calibrated } = applyCalibration(raw, options.calibrations?.get(key));
    const claimed = Number.isFinite(p);
    const now = unscale(scaled[scaled.length - 1] ?? 0, scale);
    const then = unscale(sf.forecast[sf.forecast.length - 1] ?? NaN, scale);
    const thresholdText =
      configured !== undefined
        ? `threshold ${fmt(configured)}`
        : `learned threshold ${fmt(unscale(threshold, scale))}`;
    const minutes = Math.round((steps * w.stepMs) / 60_000);
    const band = forecastBand({
      forecast: sf.forecast,
      residualStd: sf.residualStd,
      scale,
      lastSampleMs: w.startMs + (w.values.length - 1) * w.stepMs,
      stepMs: w.stepMs,
    });
    const modelText =
      sf.kind === 'holt-winters' ? 'holt-winters' : `${sf.kind} v${model?.record.version ?? '?'}`;
    out.push({
      resource: w.resource,
      signal: w.signal,
      probability: claimed ? p : 0,
      ...(claimed ? {} : { claimed: false }),
      model: sf.kind,
      rawProbability: raw,
      anomaly,
      anomalous: anomaly >= DEFAULT_SCORER_SETTINGS.threshold,
      calibrated,
      ...(band
        ? {
            forecast: {
              resource: w.resource,
              signal: w.signal,
              ...band,
              model: sf.kind,
              calibrated,
            },
          }
        : {}),
      text: claimed
        ? `${w.signal} ${fmt(now)} → ${fmt(then)} in ${minutes >= 1 ? `${minutes}m` : `${Math.round((steps * w.stepMs) / 1000)}s`} ` +
          `(${thresholdText}; ${modelText}${calibrated ? '' : '; uncalibrated'}${w.stale ? '; stale' : ''})`
        : `${w.signal} ${fmt(now)}: no forecast (${modelText} gave a non-finite forecast); no probability claimed`,
    });
  }
  return out;
}

export interface PredictOptions extends AssessOptions {
  config: ScenarioConfig;
  history: HistorySummary;
  now: number;
}

/** The whole prediction for one snapshot: what predictFailures returns and the backtest replays. */
export function predictSnapshot(options: PredictOptions): PredictionResult & { signals: AssessedSignal[] } {
  const signals = assessSignals(options);
  const scenarios = buildScenarios({
    config: options.config,
    signals,
    history: options.history,
    firingAlerts: options.snapshot.firingAlerts,
    redGuards: options.snapshot.redGuards,
    horizonMs: options.horizonMs,
  });
  const modelKinds: Record<string, SeriesModelKind> = {};
  const counts = new Map<SeriesModelKind, number>();
  for (const s of signals) {
    if (!s.model) continue;
    modelKinds[`${s.resource}/${s.signal}`] = s.model;
    counts.set(s.model, (counts.get(s.model) ?? 0) + 1);
  }
  const kind = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  const newest = [...options.models.values()].sort((a, b) => b.record.createdAt - a.record.createdAt)[0];
  return {
    generatedAt: options.now,
    horizonMs: options.horizonMs,
    model: {
      kind: kind ?? 'holt-winters',
      ...(newest && kind !== 'holt-winters'
        ? { version: `${newest.record.resourceType}/${newest.record.signal}/v${newest.record.version}` }
        : {}),
    },
    modelKinds,
    scenarios,
    forecasts: signals.flatMap((s) => (s.forecast ? [s.forecast] : [])),
    signals,
  };
}
