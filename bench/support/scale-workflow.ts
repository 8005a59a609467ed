// The bench's cycle: discover, then collect + predict in shards inside the worker, so that only
// shard numbers go in and scenarios and summaries come out through history.
import { proxyActivities } from '@temporalio/workflow';
import type { ScaleActivities } from './scale-activities';

const { discoverCount, collectAndPredictShard } = proxyActivities<ScaleActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 2 },
});

export async function scaleCycle(input: { cycleId: string; shardSize: number }) {
  const resources = await discoverCount({ cycleId: input.cycleId });
  const shards = Math.max(1, Math.ceil(resources / input.shardSize));
  const results = await Promise.all(
    Array.from({ length: shards }, (_, shard) =>
      collectAndPredictShard({ cycleId: input.cycleId, shard, shards }),
    ),
  );
  const scenarios = results
    .flatMap((r) => r.scenarios)
    .sort((a, b) => b.score - a.score)
    .slice(0, 10);
  return {
    resources,
    shards,
    signals: results.reduce((n, r) => n + r.signals, 0),
    collectMs: Math.max(...results.map((r) => r.collectMs)),
    predictMs: Math.max(...results.map((r) => r.predictMs)),
    scenarios,
  };
}
