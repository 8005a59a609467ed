import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseNabCsv } from '../../../src/predict/eval/nab-data';
import { scoreNabFile } from '../../../src/predict/eval/lofo';
import { probationaryLength } from '../../../src/predict/eval/nab-score';
import {
  FailureScorer,
  defaultWarmupRows,
  lengthCorrectionDigits,
  scoreSeries,
  windowPoints,
} from '../../../src/predict/scorer/failure-scorer';
import { fuse } from '../../../src/predict/scorer/fusion';
import { RankPValue } from '../../../src/predict/scorer/pvalue';
import { QuietFilter } from '../../../src/predict/scorer/quiet';
import {
  DEFAULT_SCORER_SETTINGS,
  ScorerSettingsError,
  withSettings,
} from '../../../src/predict/scorer/settings';

const fixture = parseNabCsv(
  readFileSync(path.resolve(__dirname, '../../fixtures/scorer/series.csv'), 'utf8'),
  'series.csv',
);
const fixtureFile = { key: 'fixture/series.csv', ...fixture, windows: [], labels: [] };
const points = fixture.timestamps.map((timestamp, i) => ({ timestamp, value: fixture.values[i] as number }));

describe('empirical p-values', () => {
  it('rank a value among the last `capacity` values before it', () => {
    const r = new RankPValue(3);
    assert.equal(r.rank(5), 1, 'nothing seen: p = 1');
    assert.equal(r.rank(7), 1 / 2, 'above the one value seen');
    assert.equal(r.rank(6), 2 / 3, '7 is above it');
    assert.equal(r.rank(1), 4 / 4, 'below all three');
    // 5 has left the window: past = 7, 6, 1
    assert.equal(r.rank(5.5), 3 / 4);
    assert.equal(r.count, 3);
  });

  it('with a tail, a value far beyond the history ranks below one just beyond it', () => {
    const r = new RankPValue(1000);
    r.tailShare = 0.05;
    for (let i = 0; i < 500; i++) r.rank(i % 100);
    const near = r.rank(101);
    const r2 = new RankPValue(1000);
    r2.tailShare = 0.05;
    for (let i = 0; i < 500; i++) r2.rank(i % 100);
    const far = r2.rank(1000);
    assert.ok(far < near && near <= 1 / 501 + 0.05, `${far} < ${near}`);
  });
});

describe('fusion', () => {
  it('one p-value fuses to itself; more agreeing evidence fuses lower', () => {
    for (const rule of ['fisher', 'cauchy', 'bonferroni'] as const) {
      assert.ok(Math.abs(fuse(rule, [0.01]) - 2) < 1e-9, rule);
      assert.equal(fuse(rule, []), 0);
    }
    assert.equal(fuse('omnibus', []), 0);
    assert.ok(fuse('fisher', [0.01, 0.01]) > fuse('fisher', [0.01, 1]));
    assert.ok(Math.abs(fuse('bonferroni', [0.01, 0.5, 1]) - -Math.log10(0.03)) < 1e-9);
  });

  it('omnibus: the better of Fisher and Bonferroni, times two', () => {
    const many = [0.02, 0.02, 0.02, 0.02, 0.02];
    const one = [1e-6, 1, 1, 1, 1];
    for (const ps of [many, one]) {
      const best = Math.max(fuse('fisher', ps), fuse('bonferroni', ps));
      assert.ok(Math.abs(fuse('omnibus', ps) - (best - Math.log10(2))) < 1e-12);
    }
    assert.ok(fuse('fisher', many) > fuse('bonferroni', many), 'agreement: Fisher decides');
    assert.ok(fuse('bonferroni', one) > fuse('fisher', one), 'one strong stream: min-p decides');
    assert.ok(fuse('omnibus', one) > fuse('fisher', one), 'so a lone strong stream is not diluted');
    assert.equal(fuse('omnibus', [1, 1]), 0);
  });
});

describe('quiet filter', () => {
  it('passes a score only when it beats the previous quiet span', () => {
    const q = new QuietFilter(3);
    const out = [0.1, 0.9, 0.8, 0.95, 0.2, 0.1, 0.1, 0.1, 0.9].map((s) => q.push(s));
    assert.deepEqual(out, [0.1, 0.9, 0, 0.95, 0, 0, 0, 0, 0.9]);
  });
});

describe('FailureScorer', () => {
  it('the live path (scoreSeries) and the NAB eval path give identical scores on the fixture', () => {
    const live = scoreSeries(points);
    const evalPath = scoreNabFile(fixtureFile, DEFAULT_SCORER_SETTINGS);
    assert.equal(defaultWarmupRows(points.length), probationaryLength(points.length));
    assert.deepEqual([...live], [...evalPath]);
    const byWindow = scoreSeries(
      windowPoints({ startMs: fixture.timestamps[0]!, stepMs: 900_000, values: fixture.values }),
    );
    assert.deepEqual([...byWindow], [...evalPath], 'a regular-grid window is the same series');
    const scorer = new FailureScorer(DEFAULT_SCORER_SETTINGS, {
      warmupRows: probationaryLength(points.length),
      seriesRows: points.length,
    });
    points.forEach((p, i) => assert.equal(scorer.update(p.timestamp, p.value), evalPath[i], `row ${i}`));
  });

  it('is walk-forward: scores of a prefix equal the whole series’ first rows', () => {
    const warmupRows = 120;
    const seriesRows = points.length;
    const whole = scoreSeries(points, DEFAULT_SCORER_SETTINGS, { warmupRows, seriesRows });
    const prefix = scoreSeries(points.slice(0, 500), DEFAULT_SCORER_SETTINGS, { warmupRows, seriesRows });
    assert.deepEqual([...prefix], [...whole.slice(0, 500)]);
  });

  it('takes log10 of the warm-up lengths scored off the evidence (Bonferroni over the length)', () => {
    assert.equal(lengthCorrectionDigits(100, 100), 0);
    assert.equal(lengthCorrectionDigits(100, 150), 0, 'never adds evidence');
    assert.ok(Math.abs(lengthCorrectionDigits(100, 1100) - 1) < 1e-12);
    const warmupRows = 120;
    const digits = (s: number): number => (3 * s) / (1 - s);
    for (const lengthCorrection of [1, 0.5]) {
      const settings = withSettings({ lengthCorrection });
      const short = scoreSeries(points, settings, { warmupRows, seriesRows: 2 * warmupRows });
      const long = scoreSeries(points, settings, { warmupRows, seriesRows: 101 * warmupRows });
      const less = 2 * lengthCorrection;
      let compared = 0;
      short.forEach((s, i) => {
        const l = long[i] as number;
        if (l > 0) {
          assert.ok(Math.abs(digits(s) - digits(l) - less) < 1e-9, `row ${i}: ${less} digits less`);
          compared++;
        } else assert.ok(digits(s) <= less + 1e-9 || s === 0, `row ${i}`);
      });
      assert.ok(compared > 0, `lengthCorrection ${lengthCorrection}`);
    }
    assert.throws(
      () => new FailureScorer(DEFAULT_SCORER_SETTINGS, { warmupRows: 10, seriesRows: 0 }),
      /seriesRows: expected an integer ≥ 1/,
    );
  });

  it('scores the level shift and the drop above everything before them, 0 in the warm-up', () => {
    const s = scoreSeries(points);
    const warm = defaultWarmupRows(points.length);
    assert.ok(s.slice(0, warm).every((x) => x === 0));
    const before = Math.max(...s.slice(warm, 600));
    assert.ok(
      Math.max(...s.slice(600, 610)) > before,
      `shift ${Math.max(...s.slice(600, 610))} vs ${before}`,
    );
    assert.ok(s[700]! > before, `drop ${s[700]} vs ${before}`);
    assert.ok(s.every((x) => x >= 0 && x < 1));
  });

  it('does not depend on the series’ units', () => {
    const a = scoreSeries(points);
    const b = scoreSeries(points.map((p) => ({ timestamp: p.timestamp, value: 1000 * p.value + 7 })));
    a.forEach((x, i) => assert.ok(Math.abs(x - (b[i] as number)) < 1e-6, `row ${i}: ${x} vs ${b[i]}`));
  });

  it('a missing value (NaN) scores 0 and leaves the state as it was', () => {
    const withGap = points.map((p, i) => (i === 650 ? { ...p, value: NaN } : p));
    const s = scoreSeries(withGap);
    assert.equal(s[650], 0);
    assert.ok(s.every((x) => Number.isFinite(x)));
  });

  it('the neural stream (optional) trains at the end of the warm-up and stays walk-forward', () => {
    const settings = withSettings({ streams: { ...DEFAULT_SCORER_SETTINGS.streams, neural: true } });
    const scorer = new FailureScorer(settings, { warmupRows: 100 });
    assert.ok(scorer.statistics.some((n) => n.startsWith('neural@')));
    const short = points.slice(0, 300);
    const scores = short.map((p) => scorer.update(p.timestamp, p.value));
    const neural = scorer.statistics.findIndex((n) => n.startsWith('neural@'));
    assert.ok(scorer.pValues()[neural]! < 1, 'the neural statistic is ranked after training');
    const again = scoreSeries(short.slice(0, 200), settings, { warmupRows: 100 });
    assert.deepEqual([...again], scores.slice(0, 200));
  });

  it('rejects bad settings naming the field and its range', () => {
    assert.throws(
      () => withSettings({ quiet: -1 }),
      (e: unknown) =>
        e instanceof ScorerSettingsError && /quiet: expected a number in \[0, 10\]/.test(e.message),
    );
    assert.throws(
      () => withSettings({ fusion: 'max' as never }),
      /fusion: expected one of fisher, cauchy, bonferroni, omnibus/,
    );
    assert.throws(
      () => withSettings({ lengthCorrection: 2 }),
      /lengthCorrection: expected a number in \[0, 1\]/,
    );
    assert.throws(
      () => withSettings({ seasonNearest: 'yes' as never }),
      /seasonNearest: expected true or false/,
    );
    assert.throws(
      () => new FailureScorer(DEFAULT_SCORER_SETTINGS, { warmupRows: 0 }),
      /warmupRows: expected an integer ≥ 1/,
    );
  });
});
