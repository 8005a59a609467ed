import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyCalibration,
  brierScore,
  brierSkill,
  fitCalibrationRecord,
  MIN_BLEND_SAMPLES,
  outOfFold,
  reliability,
} from '../../../src/predict/calibration';

function pairs(n: number, truth: (p: number) => number, seed = 7) {
  // mulberry32: successive draws independent enough for p and its outcome
  let a = seed;
  const rand = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => {
    const p = rand();
    return { p, outcome: rand() < truth(p) };
  });
}

describe('calibration kept honest', () => {
  it('marks a fit on too few forecasts uncalibrated and passes raw chances through', () => {
    const few = [
      ...Array.from({ length: MIN_BLEND_SAMPLES - 2 }, () => ({ p: 0.1, outcome: false })),
      { p: 0.9, outcome: true },
    ];
    const record = fitCalibrationRecord(few);
    assert.equal(record.status, 'uncalibrated');
    assert.match(record.reason ?? '', new RegExp(`1 failure among ${MIN_BLEND_SAMPLES - 1}`));
    assert.deepEqual(applyCalibration(0.999, record), { p: 0.999, calibrated: false });
  });

  it('too few failures for a map: the raw chance blended with the base rate it contradicts', () => {
    const quiet = [
      ...Array.from({ length: 50 }, (_, i) => ({ p: i % 2 ? 0.9 : 0.6, outcome: false })),
      { p: 0.9, outcome: true },
    ];
    const record = fitCalibrationRecord(quiet);
    assert.equal(record.status, 'calibrated');
    assert.equal(record.map, undefined, 'no isotonic map on one failure');
    assert.match(record.reason ?? '', /1 failure among 51 .*blended with the base rate 0\.03/);
    const p = applyCalibration(0.9, record);
    assert.equal(p.calibrated, true);
    assert.ok(p.p < 0.1, `a raw 0.9 that failed 1 time in 26 comes out ${p.p}`);
    const calibrated = quiet.map((x) => ({ p: applyCalibration(x.p, record).p, outcome: x.outcome }));
    assert.ok(brierScore(calibrated) < brierScore(quiet));
    // a signal over its threshold at every held-out origin
    const always = Array.from({ length: 30 }, (_, i) => ({ p: (i % 5) / 5, outcome: true }));
    const over = applyCalibration(0, fitCalibrationRecord(always));
    assert.ok(over.p > 0.9, `${over.p}`);
  });

  it('a NaN chance stays NaN, calibrated or not', () => {
    const record = fitCalibrationRecord(pairs(400, (p) => p / 2));
    assert.equal(record.status, 'calibrated');
    const out = applyCalibration(NaN, record);
    assert.ok(Number.isNaN(out.p));
    assert.equal(out.calibrated, false);
  });

  it('maps overconfident chances towards what happened', () => {
    const data = pairs(2000, (p) => p / 2);
    const record = fitCalibrationRecord(data);
    const calibrated = data.map((x) => ({ p: applyCalibration(x.p, record).p, outcome: x.outcome }));
    assert.ok(brierScore(calibrated) < brierScore(data));
    assert.ok(Math.abs(applyCalibration(0.8, record).p - 0.4) < 0.12);
  });

  it('out of fold: skill > 0 for an informative forecaster, ≈ 0 or less for noise', () => {
    const informative = outOfFold(pairs(3000, (p) => p * 0.6));
    assert.ok(informative.brierSkill > 0.05, `skill ${informative.brierSkill}`);
    assert.equal(informative.samples, 2400, 'the first fold is only learned from');
    const noise = outOfFold(pairs(3000, () => 0.3, 99));
    assert.ok(noise.rawBrierSkill < 0, `raw noise skill ${noise.rawBrierSkill}`);
    assert.ok(noise.brierSkill < 0.02, `calibrated noise skill ${noise.brierSkill}`);
  });

  it('Brier skill and reliability bins', () => {
    const perfect = [
      { p: 1, outcome: true },
      { p: 0, outcome: false },
    ];
    assert.equal(brierSkill(perfect, 0.5), 1);
    const bins = reliability(
      pairs(1000, (p) => p),
      5,
    );
    assert.equal(bins.length, 5);
    for (const b of bins) assert.ok(Math.abs(b.observed - b.meanForecast) < 0.1, JSON.stringify(b));
    assert.equal(
      bins.reduce((n, b) => n + b.count, 0),
      1000,
    );
  });
});
