/**
 * Baseline detectors for the NAB harness. Each sees one row at a time, in file order, and
 * returns a score in [0, 1] per row using only the rows before it (and the row itself).
 */

/** Scores per row; `timestamps` (Unix ms, file order) when the detector wants them. */
export type Detector = (values: readonly number[], timestamps?: readonly number[]) => Float64Array;

/** Never fires. */
export const nullDetector: Detector = (values) => new Float64Array(values.length);

/** Uniform noise from a fixed seed (mulberry32), so runs repeat. */
export function randomDetector(seed = 42): Detector {
  return (values) => {
    let a = seed >>> 0;
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    return out;
  };
}

/** Upper tail of the standard normal: P(Z > z). */
export function normalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' erfcc, |error| < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * NAB's windowed Gaussian, rule for rule: score = 1 − P(|X − mean| beyond this value) on one side,
 * mean and std over the last `windowSize` values, refreshed every `stepSize` rows once full.
 */
export function windowedGaussianDetector(windowSize = 6400, stepSize = 100): Detector {
  return (values) => {
    const out = new Float64Array(values.length);
    let window: number[] = [];
    let buffer: number[] = [];
    let mean = 0;
    let m2 = 0;
    let std = 1;
    // Two-pass over the window when it slides (as numpy does); Welford while it fills (same
    // numbers, without re-reading the whole window on every row).
    const refresh = (): void => {
      let sum = 0;
      for (const v of window) sum += v;
      mean = sum / window.length;
      let sq = 0;
      for (const v of window) sq += (v - mean) ** 2;
      std = Math.sqrt(sq / window.length);
      if (std === 0) std = 0.000001;
    };
    for (let i = 0; i < values.length; i++) {
      const v = values[i] ?? 0;
      if (window.length > 0) {
        const x = v < mean ? 2 * mean - v : v;
        out[i] = 1 - normalTail((x - mean) / std);
      }
      if (window.length < windowSize) {
        window.push(v);
        const delta = v - mean;
        mean += delta / window.length;
        m2 += delta * (v - mean);
        std = Math.sqrt(m2 / window.length);
        if (std === 0) std = 0.000001;
      } else {
        buffer.push(v);
        if (buffer.length === stepSize) {
          window = window.slice(stepSize).concat(buffer);
          buffer = [];
          refresh();
        }
      }
    }
    return out;
  };
}

/**
 * Prometheus `predict_linear`-style alarm: a least-squares line over the last `fitRows` rows,
 * extrapolated `aheadRows` ahead; the score grows with how far the extrapolation leaves the range
 * of values seen so far (0 inside it, → 1 at one range-width outside).
 */
export function linearCrossingDetector(fitRows = 12, aheadRows = 12): Detector {
  return (values) => {
    const out = new Float64Array(values.length);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const n = Math.min(fitRows, i + 1);
      if (n >= 3 && hi > lo) {
        let sx = 0;
        let sy = 0;
        let sxx = 0;
        let sxy = 0;
        for (let k = 0; k < n; k++) {
          const y = values[i - n + 1 + k] ?? 0;
          sx += k;
          sy += y;
          sxx += k * k;
          sxy += k * y;
        }
        const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        const intercept = (sy - slope * sx) / n;
        const predicted = intercept + slope * (n - 1 + aheadRows);
        const beyond = predicted > hi ? predicted - hi : predicted < lo ? lo - predicted : 0;
        out[i] = Math.min(1, beyond / (hi - lo));
      }
      const v = values[i] ?? 0;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return out;
  };
}

/**
 * Holt (double exponential smoothing) one-step forecast; score = two-sided normal probability of
 * the forecast error under an exponentially weighted error variance.
 */
export function holtDetector(alpha = 0.5, beta = 0.1, varianceDecay = 0.01): Detector {
  return (values) => {
    const out = new Float64Array(values.length);
    let level = values[0] ?? 0;
    let trend = 0;
    let variance = 0;
    for (let i = 1; i < values.length; i++) {
      const v = values[i] ?? 0;
      const error = v - (level + trend);
      if (i > 10 && variance > 0) out[i] = 1 - 2 * normalTail(Math.abs(error) / Math.sqrt(variance));
      variance = (1 - varianceDecay) * variance + varianceDecay * error * error;
      const prevLevel = level;
      level = alpha * v + (1 - alpha) * (level + trend);
      trend = beta * (level - prevLevel) + (1 - beta) * trend;
    }
    return out;
  };
}
