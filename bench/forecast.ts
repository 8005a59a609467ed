/**
 * Forecaster throughput: train one small model (LSTM and GRU, the better kept), then forecast
 * 1,000 series of 500 points each (read the whole series, predict the next 12 steps).
 * Prints one JSON object as its last line.
 */
import { trainSignalModel } from '../src/predict/training';
import { compileForecaster } from '../src/predict/forecaster';
import { applyScale, robustScale } from '../src/predict/features';

const SERIES = Number(process.env.BENCH_SERIES ?? 1000);
const POINTS = Number(process.env.BENCH_POINTS ?? 500);

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
const forecaster = compileForecaster(record.net);
const started = performance.now();
let checksum = 0;
for (const s of data) {
  const scaled = applyScale(s, robustScale(s));
  const f = forecaster.forecast(scaled, 12);
  checksum += f[f.length - 1] ?? 0;
}
const predictS = (performance.now() - started) / 1000;
console.log(
  `kept ${record.kind}; candidates ${record.evaluation.candidates.map((c) => `${c.kind} MAE ${c.mae.toFixed(3)}`).join(', ')}; naive MAE ${record.evaluation.naiveMae.toFixed(3)}`,
);
console.log(
  JSON.stringify({
    series: SERIES,
    points_per_series: POINTS,
    predict_s: +predictS.toFixed(3),
    series_per_s: +(SERIES / predictS).toFixed(1),
    train_s: +trainS.toFixed(2),
    kept: record.kind,
    candidates: record.evaluation.candidates,
    checksum: Number.isFinite(checksum),
  }),
);
