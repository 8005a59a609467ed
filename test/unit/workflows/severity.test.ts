import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_MODES, FAULT_PARAM_SCHEMAS, type FailureMode } from '../../../src/config/fault-params';
import type { ResourceConfig, Severity } from '../../../src/config/schema';
import { checkAllowed, type FailureModesConfig } from '../../../src/inject/policy';
import { UnsafeTargetError } from '../../../src/inject/errors';
import { DEFAULT_PARAMS, scaleParams } from '../../../src/predict/scenarios';
import {
  FAULT_STRENGTH,
  MAX_SEVERITY_FACTOR,
  SEVERITY_FACTOR,
  SEVERITY_RANK,
  atOrAbove,
  scaleParam,
  strengthOf,
  strongestAllowed,
} from '../../../src/workflows/severity';
import { SEVERITY_NAMES } from '../../../src/workflows/constants';

/** Schema parameters that select a variant of the fault rather than its strength. */
const NOT_STRENGTH = new Set(['status', 'points', 'method', 'direction', 'restart_timeout']);

const resource = { name: 'db', type: 'database' } as ResourceConfig;

function configFor(mode: FailureMode, params: Record<string, unknown>): FailureModesConfig {
  return [
    { resource_type: 'database', failure_modes: [mode], injection_parameters: { [mode]: params } },
  ] as unknown as FailureModesConfig;
}

function configured(mode: FailureMode): Record<string, unknown> {
  return FAULT_PARAM_SCHEMAS[mode].parse(DEFAULT_PARAMS[mode]) as Record<string, unknown>;
}

describe('severity table', () => {
  it('ranks and factors every severity, weakest first', () => {
    assert.deepEqual(
      [...SEVERITY_NAMES].sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b]),
      ['low', 'medium', 'high'],
    );
    assert.ok(SEVERITY_FACTOR.low < SEVERITY_FACTOR.medium && SEVERITY_FACTOR.medium < SEVERITY_FACTOR.high);
    assert.equal(MAX_SEVERITY_FACTOR, Math.max(...Object.values(SEVERITY_FACTOR)));
    assert.ok(atOrAbove('high', 'medium'));
    assert.ok(atOrAbove('medium', 'medium'));
    assert.ok(!atOrAbove('low', 'medium'));
  });

  it('lists, for every mode, exactly the schema parameters that set its strength', () => {
    for (const mode of FAILURE_MODES) {
      const schemaKeys = Object.keys(FAULT_PARAM_SCHEMAS[mode].shape).filter((k) => !NOT_STRENGTH.has(k));
      assert.deepEqual(Object.keys(FAULT_STRENGTH[mode]).sort(), schemaKeys.sort(), mode);
    }
    assert.equal(strengthOf('network_latency', 'rate'), undefined, 'rate is not a latency parameter');
    assert.equal(strengthOf('http_error', 'status'), undefined);
    assert.equal(strengthOf('blackhole', 'toString'), undefined, 'no inherited keys');
  });

  it('scales by severity: rounds, caps shares at 1, keeps quotas and loads in range, leaves durations', () => {
    const latency = strengthOf('network_latency', 'latency')!;
    assert.equal(scaleParam(latency, 201, 1.5), 302);
    assert.equal(scaleParam(latency, 200, 0.5), 100);
    const share = strengthOf('http_error', 'share')!;
    assert.equal(scaleParam(share, 0.25, 0.5), 0.125);
    assert.equal(scaleParam(share, 0.9, 1.5), 1);
    const rate = strengthOf('bandwidth', 'rate')!;
    assert.equal(scaleParam(rate, 3000, 1.5), 2000, 'smaller is stronger: divided');
    const percent = strengthOf('cpu_throttle', 'percent')!;
    assert.equal(scaleParam(percent, 2, 1.5), 1);
    assert.equal(scaleParam(percent, 60, 0.5), 99);
    assert.equal(scaleParam(strengthOf('cpu_stress', 'load')!, 90, 1.5), 100);
    assert.equal(scaleParam(strengthOf('cpu_stress', 'duration')!, 30_000, 1.5), 30_000);
    assert.equal(scaleParam(strengthOf('disk_fill', 'keep_free')!, 1024, 1.5), 1024);
  });

  it('bounds what the agent accepts at the strongest severity', () => {
    assert.equal(strongestAllowed(strengthOf('network_latency', 'latency')!, 200), 300);
    assert.equal(strongestAllowed(strengthOf('connection_reset', 'share')!, 0.8), 1);
    assert.equal(strongestAllowed(strengthOf('bandwidth', 'rate')!, 3000), 2000);
    assert.equal(strongestAllowed(strengthOf('disk_fill', 'duration')!, 10_000), 15_000);
  });
});

describe('scenario builder and agent policy share the table', () => {
  it('the agent accepts every parameter set the scenario builder makes, at every severity', () => {
    for (const mode of FAILURE_MODES) {
      const config = configured(mode);
      for (const severity of SEVERITY_NAMES as readonly Severity[]) {
        const params = scaleParams(mode, config, severity);
        assert.doesNotThrow(
          () => checkAllowed(resource, mode, params, configFor(mode, config)),
          `${mode} ${severity}`,
        );
      }
    }
  });

  it('the agent refuses a step past the strongest severity, naming the parameter and the bound', () => {
    for (const mode of FAILURE_MODES) {
      const config = configured(mode);
      for (const [key, strength] of Object.entries(FAULT_STRENGTH[mode])) {
        const limit = config[key];
        if (typeof limit !== 'number' || limit === 0) continue;
        const bound = strongestAllowed(strength, limit);
        const past = strength.stronger === 'larger' ? bound * 1.01 + 1e-9 : bound * 0.99;
        if (strength.share && past > 1) continue;
        assert.throws(
          () => checkAllowed(resource, mode, { ...config, [key]: past }, configFor(mode, config)),
          (e: unknown) =>
            e instanceof UnsafeTargetError &&
            e.field === `params.${key}` &&
            (e.allowed ?? '').startsWith(strength.stronger === 'larger' ? `≤ ${bound}` : `≥ ${bound}`),
          `${mode}.${key}`,
        );
        assert.doesNotThrow(() =>
          checkAllowed(resource, mode, { ...config, [key]: bound }, configFor(mode, config)),
        );
      }
    }
  });

  it('the agent refuses a mode the resource type does not list', () => {
    assert.throws(
      () => checkAllowed(resource, 'blackhole', { duration: 1000 }, configFor('network_latency', {})),
      (e: unknown) => e instanceof UnsafeTargetError && e.field === 'mode',
    );
  });
});

describe('rounding at the strongest severity', () => {
  const cases: [FailureMode, string, Record<string, unknown>, number, number][] = [
    // mode, parameter, configured, what the builder makes at high, one step stronger
    ['cpu_throttle', 'percent', { percent: 50, duration: 30_000 }, 33, 32],
    ['network_latency', 'latency', { latency: 201, duration: 30_000 }, 302, 303],
  ];
  for (const [mode, key, config, scaled, stronger] of cases) {
    it(`${mode} ${key} ${String(config[key])} at high: the builder makes ${scaled}, the agent accepts it`, () => {
      const params = scaleParams(mode, config, 'high');
      assert.equal(params[key], scaled);
      assert.doesNotThrow(() => checkAllowed(resource, mode, params, configFor(mode, config)));
      assert.throws(
        () => checkAllowed(resource, mode, { ...params, [key]: stronger }, configFor(mode, config)),
        UnsafeTargetError,
      );
    });
  }
});
