/**
 * From a telemetry snapshot to per-signal failure probabilities: a trained model per
 * (resource type, signal) when one exists, else the trend stand-in (a least-squares line over
 * the recent points, its residual spread as the uncertainty) — named `trend` in the result.
 */
import { applyScale, fillGaps, robustScale, unscale, type RobustScale } from './features';
import { compileForecaster, type CompiledForecaster } from './forecaster';
import type { ModelRecord } from './model-store';
import { calibrate, crossingProbability } from './probability';
import type { SignalAssessment, ScenarioConfig } from './scenarios';
import { LEARNED_THRESHOLD_UNITS } from './training';
import type { SignalForecast, TelemetrySnapshot } from './types';

export interface LoadedModel {
  record: ModelRecord;
  forecaster: CompiledForecaster;
}

export function loadModel(record: ModelRecord): LoadedModel {
  return { record, forecaster: compileForecaster(record.net) };
}

/** Least-squares line over the points; returns the forecast `steps` ahead and the residual std. */
export function trendForecast(
  values: readonly number[],
  steps: number,
): { forecast: number[]; residualStd: number } {
  const n = values.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  values.forEach((y, x) => {
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  });
  const denom = n * sxx - sx * sx;
  const slope = denom ? (n * sxy - sx * sy) / denom : 0;
  const intercept = n ? (sy - slope * sx) / n : 0;
  const ss = values.reduce((s, y, x) => s + (y - (intercept + slope * x)) ** 2, 0);
  const residualStd = Math.sqrt(ss / Math.max(n - 2, 1)) || 0.05;
  return { forecast: Array.from({ length: steps }, (_, k) => intercept + slope * (n + k)), residualStd };
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
}

export interface AssessOptions {
  snapshot: TelemetrySnapshot;
  config: Pick<ScenarioConfig, 'resources'>;
  models: Map<string, LoadedModel>;
  horizonMs: number;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);
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
        text: `${w.signal}: no usable data (${w.error ?? 'too few points'})`,
      });
      continue;
    }
    const scale = robustScale(filled.values);
    const scaled = applyScale(filled.values, scale);
    const configured = resource.thresholds[w.signal];
    const threshold =
      configured !== undefined ? (configured - scale.center) / scale.scale : LEARNED_THRESHOLD_UNITS;
    const model = options.models.get(`${w.resourceType}/${w.signal}`);
    const steps = Math.max(
      1,
      Math.min(model?.record.horizonSteps ?? 60, Math.round(options.horizonMs / w.stepMs)),
    );
    let forecast: number[];
    let residualStd: number;
    let p: number;
    if (model) {
      forecast = model.forecaster.forecast(scaled.slice(-model.record.inputSteps), steps);
      residualStd = model.record.residualStd;
      p = calibrate(crossingProbability(forecast, residualStd, threshold), model.record.calibration);
    } else {
      ({ forecast, residualStd } = trendForecast(scaled.slice(-30), steps));
      p = crossingProbability(forecast, residualStd, threshold);
    }
    const now = unscale(scaled[scaled.length - 1] ?? 0, scale);
    const then = unscale(forecast[forecast.length - 1] ?? 0, scale);
    const thresholdText =
      configured !== undefined
        ? `threshold ${fmt(configured)}`
        : `learned threshold ${fmt(unscale(threshold, scale))}`;
    const minutes = Math.round((steps * w.stepMs) / 60_000);
    const band = forecastBand({
      forecast,
      residualStd,
      scale,
      lastSampleMs: w.startMs + (w.values.length - 1) * w.stepMs,
      stepMs: w.stepMs,
    });
    out.push({
      resource: w.resource,
      signal: w.signal,
      probability: p,
      ...(band
        ? {
            forecast: {
              resource: w.resource,
              signal: w.signal,
              ...band,
              model: model ? model.record.kind : 'trend',
            },
          }
        : {}),
      text:
        `${w.signal} ${fmt(now)} → ${fmt(then)} in ${minutes >= 1 ? `${minutes}m` : `${Math.round((steps * w.stepMs) / 1000)}s`} ` +
        `(${thresholdText}; ${model ? `${model.record.kind} v${model.record.version}` : 'trend'}${w.stale ? '; stale' : ''})`,
    });
  }
  return out;
}
