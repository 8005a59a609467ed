// The bench's shard activities: discovery and collection run once per cycle per worker (memoized
// by cycle id), prediction runs per shard, and only the top scenarios of each shard go back.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ForeshockConfig } from '../../src/config/schema';
import type { PrometheusAdapter } from '../../src/prometheus/adapter';
import { discoverResources, type DiscoveredResources } from '../../src/discovery/discover';
import { createTelemetryActivities } from '../../src/activities/telemetry';
import { createPredictActivities } from '../../src/activities/predict';
import type { FailureScenario, TelemetrySnapshot } from '../../src/predict/types';

interface Cycle {
  discovered: Promise<DiscoveredResources>;
  collected?: Promise<{ snapshot: TelemetrySnapshot; ms: number }>;
}

export function createScaleActivities(config: ForeshockConfig, prometheus: PrometheusAdapter) {
  const cycles = new Map<string, Cycle>();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-bench-scale-'));
  const predict = createPredictActivities({
    modelsDir: path.join(dir, 'models'),
    historyFiles: {
      incidents: path.join(dir, 'incidents.jsonl'),
      outcomes: path.join(dir, 'outcomes.jsonl'),
    },
  });
  const telemetry = createTelemetryActivities({ prometheus });
  const cycle = (id: string): Cycle => {
    let c = cycles.get(id);
    if (!c) {
      c = { discovered: discoverResources(config, prometheus) };
      cycles.set(id, c);
    }
    return c;
  };
  return {
    dir,
    activities: {
      async discoverCount(input: { cycleId: string }): Promise<number> {
        return (await cycle(input.cycleId).discovered).resources.length;
      },
      async collectAndPredictShard(input: { cycleId: string; shard: number; shards: number }): Promise<{
        scenarios: FailureScenario[];
        signals: number;
        collectMs: number;
        predictMs: number;
      }> {
        const c = cycle(input.cycleId);
        const found = await c.discovered;
        c.collected ??= (async () => {
          const t0 = performance.now();
          const snapshot = await telemetry.collectTelemetry({
            resources: found.resources,
            groups: found.groups,
            lookbackMs: config.prometheus.lookback,
            stepMs: config.prometheus.step,
          });
          return { snapshot, ms: performance.now() - t0 };
        })();
        const { snapshot, ms } = await c.collected;
        const size = Math.ceil(found.resources.length / input.shards);
        const mine = found.resources.slice(input.shard * size, (input.shard + 1) * size);
        const names = new Set(mine.map((r) => r.name));
        const t1 = performance.now();
        const result = await predict.predictFailures({
          snapshot: { ...snapshot, signals: snapshot.signals.filter((w) => names.has(w.resource)) },
          config: { ...config, resources: mine },
        });
        return {
          scenarios: result.scenarios.slice(0, 5),
          signals: mine.reduce((n, r) => n + Object.keys(r.telemetry).length, 0),
          collectMs: Math.round(ms),
          predictMs: Math.round(performance.now() - t1),
        };
      },
    },
  };
}

export type ScaleActivities = ReturnType<typeof createScaleActivities>['activities'];
