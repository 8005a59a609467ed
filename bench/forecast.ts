/**
 * Forecaster throughput on the activity's thread: train one small model (LSTM and GRU, the
 * better kept), then run the engine's per-series path on 1,000 series of 500 points each —
 * robust scaling, the held-out contest of the net against Holt-Winters, the winner's forecast
 * over a 12-step horizon and its crossing probability. Reports the time per signal (p50, p99,
 * max) and the total. Prints one JSON object as its last line.
 */
import { trainSignalModel } from '../src/predict/training';
import { compileForecaster } from '../src/predict/forecaster';
import { applyScale, robustScale } from '../src/predict/features';
import { forecastSeries, type SeriesModelKind } from '../src/predict/series-forecast';
import { crossingProbability } from '../src/predict/probability';

const SERIES = Number(process.env.BENCH_SERIES ?? 1000);
const POINTS = Number(process.env.BENCH_POINTS ?? 500);
const STEPS = 12;

function series(seed: number, n: number): number[] {
  const out: number[] = [];
  let noise = seed;
  for (let i = 0; i < n; i++) {
    noise = (noise * 1103515245 + 12345) % 2147483648;
    out.push(50 + 20 * Math.sin((i + seed) / 12) + 0.02 * i + (noise / 2147483648 - 0.5) * 4);
  }
  return out;
}

const trainStart = performance.now();
const record = trainSignalModel({
  resourceType: 'bench',
  signal: 'value',
  series: Array.from({ length: 4 }, (_, k) => series(k + 1, 400)),
  stepMs: 15_000,
  fromMs: 0,
  toMs: 0,
});
const trainS = (performance.now() - trainStart) / 1000;

const data = Array.from({ length: SERIES }, (_, k) => series(k + 7, POINTS));
const neural = {
  forecaster: compileForecaster(record.net),
  inputSteps: record.inputSteps,
  residualStd: record.residualStd,
};
const perSignalMs: number[] = [];
const kept: Partial<Record<SeriesModelKind, number>> = {};
let finite = 0;
const started = performance.now();
for (const s of data) {
  const t0 = performance.now();
  const scale = robustScale(s);
  const out = forecastSeries(applyScale(s, scale), STEPS, 15_000, neural);
  const p = crossingProbability(out.forecast, out.residualStd, (90 - scale.center) / scale.scale);
  perSignalMs.push(performance.now() - t0);
  kept[out.kind] = (kept[out.kind] ?? 0) + 1;
  if (Number.isFinite(p)) finite++;
}
const predictS = (performance.now() - started) / 1000;
perSignalMs.sort((a, b) => a - b);
const q = (f: number) =>
  +(perSignalMs[Math.min(perSignalMs.length - 1, Math.floor(f * perSignalMs.length))] ?? NaN).toFixed(3);
console.log(
  `net ${record.kind} (${record.promoted ? 'promoted' : 'not promoted'}: ${record.promotionReason}); per series kept ${JSON.stringify(kept)}`,
);
console.log(
  JSON.stringify({
    series: SERIES,
    points_per_series: POINTS,
    horizon_steps: STEPS,
    predict_s: +predictS.toFixed(3),
    series_per_s: +(SERIES / predictS).toFixed(1),
    per_signal_ms: { p50: q(0.5), p99: q(0.99), max: +(perSignalMs.at(-1) ?? NaN).toFixed(3) },
    train_s: +trainS.toFixed(2),
    net: record.kind,
    net_promoted: record.promoted,
    kept,
    candidates: record.evaluation.candidates,
    all_finite: finite === SERIES,
  }),
);
