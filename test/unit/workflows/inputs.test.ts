import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_MODES } from '../../../src/config/fault-params';
import { ROLLBACK_POLICIES, SEVERITIES } from '../../../src/config/schema';
import {
  FAILURE_MODE_NAMES,
  PATCHES,
  ROLLBACK_POLICY_NAMES,
  SEVERITY_NAMES,
} from '../../../src/workflows/constants';
import {
  checkInjectionInputTypes,
  faultIdFor,
  normalizeInjectionInput,
} from '../../../src/workflows/injection-input';
import { verdictOf } from '../../../src/workflows/injection';
import { checkCycleInput, mergeShards, shardInputs } from '../../../src/workflows/cycle-plan';
import { bestPerResource } from '../../../src/activities/cycle-predict';
import type { ShardPrediction } from '../../../src/workflows/cycle-types';
import { measureWorkflowBundle } from '../../../bench/workflow-bundle';

const valid = {
  resource: 'orders-db',
  mode: 'network_latency' as const,
  params: { latency: '200ms' },
  durationMs: 3000,
};

function rejection(run: () => unknown): { message: string; type?: string; nonRetryable?: boolean } {
  try {
    run();
  } catch (err) {
    return err as { message: string; type?: string; nonRetryable?: boolean };
  }
  assert.fail('expected a rejection');
}

describe('workflow constants', () => {
  it('equal the config schema’s enumerations (the sandbox cannot import zod)', () => {
    assert.deepEqual([...FAILURE_MODE_NAMES], [...FAILURE_MODES]);
    assert.deepEqual([...SEVERITY_NAMES], [...SEVERITIES]);
    assert.deepEqual([...ROLLBACK_POLICY_NAMES], [...ROLLBACK_POLICIES]);
    assert.equal(new Set(Object.values(PATCHES)).size, Object.values(PATCHES).length, 'patch names unique');
  });

  it('keep zod and the config module out of the workflow bundle', async () => {
    const bundle = await measureWorkflowBundle();
    assert.equal(bundle.zodModules, 0);
    assert.deepEqual(bundle.configModules, []);
  });
});

describe('injection input checks', () => {
  it('rejects NaN, strings and negatives naming the field and its range, non-retryably', () => {
    for (const bad of [Number.NaN, null, '1s', -250, Infinity]) {
      const err = rejection(() => checkInjectionInputTypes({ ...valid, monitorIntervalMs: bad }));
      assert.match(err.message, /monitorIntervalMs must be a number 100\.\.600000/);
      assert.equal(err.type, 'ForeshockInvalidInput');
      assert.equal(err.nonRetryable, true);
    }
    assert.match(rejection(() => checkInjectionInputTypes({ ...valid, dryRun: 'no' })).message, /dryRun/);
    assert.match(
      rejection(() => checkInjectionInputTypes({ ...valid, durationMs: '3s' })).message,
      /durationMs/,
    );
    assert.match(
      rejection(() => checkInjectionInputTypes({ ...valid, guards: [{ name: 'g', expr: 'up', forMs: -1 }] }))
        .message,
      /guards\[0\]\.forMs/,
    );
    assert.match(
      rejection(() => checkInjectionInputTypes(undefined)).message,
      /input must be one JSON object/,
    );
  });

  it('derives the query timeout below the monitor interval and the heartbeat timeout from both', () => {
    const spec = normalizeInjectionInput({ ...valid, monitorIntervalMs: 250 });
    assert.equal(spec.queryTimeoutMs, 200);
    assert.equal(spec.heartbeatTimeoutMs, 3000);
    assert.equal(
      normalizeInjectionInput({ ...valid, monitorIntervalMs: 60_000, leaseMs: 120_000 }).queryTimeoutMs,
      10_000,
    );
    assert.match(
      rejection(() => normalizeInjectionInput({ ...valid, monitorIntervalMs: 250, queryTimeoutMs: 250 }))
        .message,
      /queryTimeoutMs must be 50\.\.249/,
    );
  });

  it('the legacy (unpatched) checks still accept what 0.1 accepted', () => {
    const spec = normalizeInjectionInput({ ...valid, monitorIntervalMs: 250 }, { strict: false });
    assert.equal(spec.heartbeatTimeoutMs, 3000);
  });

  it('fault ids differ per first run id and stay agent-safe', () => {
    const a = faultIdFor('ci-job', '0194f1d2-aaaa-7000-8000-000000000001');
    const b = faultIdFor('ci-job', '0194f1d2-aaaa-7000-8000-000000000002');
    assert.notEqual(a, b);
    assert.equal(faultIdFor('ci-job'), 'fs-ci-job');
    assert.match(
      faultIdFor('x/'.repeat(200), '0194f1d2-aaaa-7000-8000-000000000001'),
      /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/,
    );
  });

  it('verdicts: breach wins, then anything that did not conclude, else pass', () => {
    assert.equal(verdictOf(true, 'immediate', undefined, undefined), 'breach');
    assert.equal(
      verdictOf(false, 'immediate', 'the guards could not be evaluated', undefined),
      'inconclusive',
    );
    assert.equal(verdictOf(false, 'duration_end', 'fault lost', undefined), 'inconclusive');
    assert.equal(verdictOf(false, 'aborted', undefined, undefined), 'inconclusive');
    assert.equal(verdictOf(false, 'duration_end', undefined, new Error('x')), 'inconclusive');
    assert.equal(verdictOf(false, 'duration_end', undefined, undefined), 'pass');
    assert.equal(verdictOf(false, 'dry_run', undefined, undefined), 'pass');
  });
});

describe('cycle plan', () => {
  it('checks shardSize, configPath and dryRun', () => {
    assert.equal(checkCycleInput({}), 100);
    assert.equal(checkCycleInput({ shardSize: 7 }), 7);
    for (const shardSize of [0, 1.5, '10', Number.NaN, 5000])
      assert.match(
        rejection(() => checkCycleInput({ shardSize })).message,
        /shardSize must be an integer 1\.\.1000/,
      );
    assert.match(rejection(() => checkCycleInput({ configPath: 3 })).message, /configPath/);
    assert.match(rejection(() => checkCycleInput({ dryRun: 'yes' })).message, /dryRun/);
  });

  it('splits the resources into shards; an inline config is sliced, a reference is not copied', () => {
    const plan = { profile: {} as never, resourceCount: 250 };
    const refs = shardInputs({ configPath: '/etc/f.yaml' }, plan, 100);
    assert.deepEqual(
      refs.map((r) => r.shard),
      [
        { index: 0, size: 100 },
        { index: 1, size: 100 },
        { index: 2, size: 100 },
      ],
    );
    const config = { resources: Array.from({ length: 5 }, (_, i) => ({ name: `r${i}` })) } as never;
    const inline = shardInputs({ config }, { profile: {} as never, resourceCount: 5 }, 2);
    assert.deepEqual(
      inline.map((s) => s.config?.resources.map((r) => r.name)),
      [['r0', 'r1'], ['r2', 'r3'], ['r4']],
    );
  });

  it('merges shards and keeps one scenario per resource', () => {
    const shard = (model: 'trend' | 'lstm', stale: number): ShardPrediction => ({
      scenarios: [],
      redGuards: ['a'],
      firingAlerts: [],
      model: { kind: model },
      resources: 1,
      signals: { total: 3, stale, failed: 0 },
      belowThreshold: 1,
      sameResource: 2,
    });
    const merged = mergeShards([shard('trend', 1), shard('lstm', 2)]);
    assert.equal(merged.model?.kind, 'lstm');
    assert.deepEqual(merged.signals, { total: 6, stale: 3, failed: 0 });
    assert.equal(merged.sameResource, 4);
    const best = bestPerResource([
      { resource: 'a', score: 0.2, id: 'a:x' },
      { resource: 'a', score: 0.5, id: 'a:y' },
      { resource: 'b', score: 0.1, id: 'b:x' },
    ]);
    assert.deepEqual(best.map((s) => s.id).sort(), ['a:y', 'b:x']);
  });
});
