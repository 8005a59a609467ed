// Training in a shared worker: a cancellation reaches the training thread, a thread that dies
// fails at once, heartbeats come on a timer. The activity runs in Temporal's mock activity
// context; its Prometheus is a stand-in returning a fixed series (a pure unit test).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import {
  trainInWorker,
  TrainingCancelledError,
  TrainingThreadError,
} from '../../../src/predict/train-worker';
import { createTrainingActivities } from '../../../src/activities/training';
import type { PrometheusAdapter } from '../../../src/prometheus/adapter';

const series = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i / 5) + i / 100);
const big = {
  resourceType: 'a',
  signal: 'b',
  series: [series(600)],
  stepMs: 1000,
  fromMs: 0,
  toMs: 1,
  iterations: 5000,
  maxSequences: 200,
};

describe('training thread', () => {
  it('an abort terminates the thread and rejects at once', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const run = trainInWorker(big, abort.signal);
    setTimeout(() => abort.abort(), 300);
    await assert.rejects(run, TrainingCancelledError);
    assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
  });

  it('a thread that dies (out of memory) fails the training at once', async () => {
    const started = Date.now();
    await assert.rejects(
      trainInWorker(big, undefined, { resourceLimits: { maxOldGenerationSizeMb: 2 } }),
      TrainingThreadError,
    );
    assert.ok(Date.now() - started < 10_000);
  });
});

describe('trainModels activity', () => {
  it('heartbeats on a timer and a cancellation stops the training threads', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-train-'));
    try {
      const configFile = path.join(dir, 'foreshock.yaml');
      writeFileSync(
        configFile,
        [
          'prometheus: { url: "http://127.0.0.1:9", step: 1s, lookback: 10m }',
          'resources:',
          '  - name: db',
          '    type: database',
          '    proxy: { listen: 127.0.0.1:1, upstream: 127.0.0.1:2 }',
          '    telemetry: { latency_p99: x }',
          'failure_injection_profile: { injection_frequency: 1h }',
          'resource_failure_modes: [{ resource_type: database, failure_modes: [network_latency] }]',
          `history: { incidents: ${dir}/i.jsonl, outcomes: ${dir}/o.jsonl }`,
          `models: { dir: ${dir}/models }`,
        ].join('\n'),
      );
      const prometheus = {
        rangeQuery: (_q: string, start: number, end: number, step: number) =>
          Promise.resolve([
            {
              labels: {},
              timestamps: Array.from(
                { length: Math.floor((end - start) / step) + 1 },
                (_, i) => start + i * step,
              ),
              values: series(Math.floor((end - start) / step) + 1),
            },
          ]),
        instantQuery: () => Promise.resolve([]),
      } as unknown as PrometheusAdapter;
      const activities = createTrainingActivities({
        prometheus,
        heartbeatEveryMs: 100,
        trainOptions: { iterations: 5000, maxSequences: 200 },
      });
      const env = new MockActivityEnvironment();
      let beats = 0;
      env.on('heartbeat', () => {
        beats++;
        if (beats === 4) env.cancel();
      });
      const started = Date.now();
      await assert.rejects(
        env.run((input: { configPath: string }) => activities.trainModels(input), { configPath: configFile }),
        CancelledFailure,
      );
      assert.ok(beats >= 4, `${beats} heartbeats`);
      assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
