import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadNabCorpus, windowRows, parseNabTime } from '../../../src/predict/eval/nab-data';
import {
  NAB_PROFILES,
  fileWeights,
  optimizeThreshold,
  probationaryLength,
  scaledSigmoid,
  scoreCorpus,
  scoreFile,
} from '../../../src/predict/eval/nab-score';
import { windowedGaussianDetector } from '../../../src/predict/eval/baselines';

const NAB = path.resolve(__dirname, '../../../../shared/nab');
const haveNab = existsSync(path.join(NAB, 'results'));
const skipNab = haveNab ? false : `NAB data not found at ${NAB} (CI keeps shared/ beside the clone)`;

function nabResults(detector: string, files: ReturnType<typeof loadNabCorpus>): number[][] {
  return files.map((f) => {
    const name = f.key.split('/')[1] ?? '';
    const text = readFileSync(
      path.join(NAB, 'results', detector, 'realAWSCloudwatch', `${detector}_${name}`),
      'utf8',
    );
    const scores = text
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',')[2]));
    assert.equal(scores.length, f.values.length, `${f.key}: rows`);
    return scores;
  });
}

describe('NAB scoring rules', () => {
  it('scaled sigmoid: ~1 at the window start, 0 at its end, -1 far after', () => {
    assert.ok(Math.abs(scaledSigmoid(-1) - 0.9866) < 1e-4);
    assert.equal(scaledSigmoid(0), 0);
    assert.equal(scaledSigmoid(10), -1);
  });

  it('probation is 15% of the file, at most 750 rows', () => {
    assert.equal(probationaryLength(1000), 150);
    assert.equal(probationaryLength(10_000), 750);
  });

  it('earliest detection in a window earns full credit, a miss costs fnWeight, FPs cost less near a window', () => {
    const weights = fileWeights(1000, [{ first: 400, last: 499 }]);
    const scores = new Float64Array(1000);
    scores[400] = 1;
    assert.ok(Math.abs(scoreFile({ weights, scores }, 0.5, NAB_PROFILES.standard).raw - 1) < 1e-9);
    const late = new Float64Array(1000);
    late[490] = 1;
    const lateRaw = scoreFile({ weights, scores: late }, 0.5, NAB_PROFILES.standard).raw;
    assert.ok(lateRaw > 0 && lateRaw < 0.3, `late detection earns little: ${lateRaw}`);
    assert.equal(scoreFile({ weights, scores: new Float64Array(1000) }, 0.5, NAB_PROFILES.standard).raw, -1);
    const nearFp = new Float64Array(1000);
    nearFp[505] = 1;
    const farFp = new Float64Array(1000);
    farFp[900] = 1;
    const near = scoreFile({ weights, scores: nearFp }, 0.5, NAB_PROFILES.standard).raw + 1;
    const far = scoreFile({ weights, scores: farFp }, 0.5, NAB_PROFILES.standard).raw + 1;
    assert.ok(near < 0 && far < near && Math.abs(far + 0.11) < 1e-3, `near ${near}, far ${far}`);
  });

  it('window times map to rows even with a backwards step', () => {
    const t = [0, 10, 20, 15, 30, 40].map((s) => s * 1000);
    assert.deepEqual(windowRows(t, 10_000, 30_000), { first: 1, last: 4 });
    assert.equal(parseNabTime('2014-02-19 00:22:00.000000'), Date.UTC(2014, 1, 19, 0, 22));
  });
});

describe('NAB scorer against NAB own results (realAWSCloudwatch)', { skip: skipNab }, () => {
  const files = haveNab
    ? loadNabCorpus({
        dataDir: path.join(NAB, 'data'),
        windowsFile: path.join(NAB, 'combined_windows.json'),
        only: ['realAWSCloudwatch/'],
      })
    : [];
  const thresholds = haveNab
    ? (JSON.parse(readFileSync(path.join(NAB, 'thresholds.json'), 'utf8')) as Record<
        string,
        Record<string, { threshold: number }>
      >)
    : {};

  it('reproduces numenta 73.42 and windowedGaussian 31.24 (standard) to ±0.1', () => {
    assert.equal(files.length, 17);
    assert.equal(
      files.reduce((n, f) => n + f.windows.length, 0),
      30,
    );
    for (const [detector, expected] of [
      ['numenta', 73.42],
      ['windowedGaussian', 31.24],
    ] as const) {
      const scores = nabResults(detector, files);
      const scored = files.map((f, k) => ({
        weights: fileWeights(f.values.length, f.windows),
        scores: scores[k] ?? [],
      }));
      const threshold = thresholds[detector]?.standard?.threshold ?? NaN;
      const got = scoreCorpus(scored, threshold, NAB_PROFILES.standard).score;
      assert.ok(Math.abs(got - expected) <= 0.1, `${detector}: ${got} vs ${expected}`);
      // The threshold sweep never does worse than NAB's chosen threshold.
      assert.ok(optimizeThreshold(scored, NAB_PROFILES.standard).score >= got - 1e-9);
    }
  });

  it("our windowed Gaussian baseline computes the same scores as NAB's", () => {
    const expected = nabResults('windowedGaussian', files);
    const detector = windowedGaussianDetector();
    files.forEach((f, k) => {
      const got = detector(f.values);
      const want = expected[k] ?? [];
      for (let i = 0; i < got.length; i++) {
        assert.ok(
          Math.abs((got[i] ?? 0) - (want[i] ?? 0)) < 1e-6,
          `${f.key} row ${i}: ${got[i]} vs ${want[i]}`,
        );
      }
    });
  });
});
