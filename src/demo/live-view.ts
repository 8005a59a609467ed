/**
 * The demo's live view, refreshed on a timer: the agent's active faults, every guard's colour,
 * the latest ranking, the outcome counts and the running cycle's phase. In a terminal it
 * redraws the screen (./progress.ts); otherwise it writes a progress line to the JSON log.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { AgentClient } from '../inject/client';
import type { PrometheusAdapter } from '../prometheus/adapter';
import { isOutcomeRecord, isPredictionResult } from '../report/assemble';
import { readJsonl } from '../report/jsonl';
import type { CycleConfig } from '../workflows/cycle-types';
import type { ComponentLogger } from './log';
import { renderProgress, type GuardLight, type ProgressState } from './progress';
import type { DemoStack } from './stack';
import { tally } from './summary-parts';

/** Guards of every resource, red when their PromQL returns any sample. */
export async function guardLights(prometheus: PrometheusAdapter, config: CycleConfig): Promise<GuardLight[]> {
  const lights: GuardLight[] = [];
  for (const r of config.resources) {
    for (const g of r.guards) {
      const red = await prometheus.instantQuery(g.expr).then(
        (s) => s.length > 0,
        () => false,
      );
      lights.push({ resource: r.name, guard: g.name, red });
    }
  }
  return lights;
}

export interface LiveViewOptions {
  state: ProgressState;
  ui: boolean;
  prometheus: PrometheusAdapter;
  agentClient: AgentClient;
  cycleConfig: CycleConfig;
  stack: DemoStack;
  predictionsFile: string;
  outcomesFile: string;
  /** The cycle running now, if any. */
  currentCycle: () => WorkflowHandle | undefined;
  log: ComponentLogger;
}

/** Starts refreshing the view (every second with the UI, else every 2 s); returns the timer. */
export function startLiveView(o: LiveViewOptions): NodeJS.Timeout {
  const { state } = o;
  let refreshing = false;
  const refresh = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      state.nowMs = Date.now();
      state.load = { ...(o.stack.load?.totals ?? { ok: 0, failed: 0 }) };
      const faults = await o.agentClient.list().catch(() => []);
      state.activeFaults = faults.filter((f) => f.phase === 'applied');
      state.guards = await guardLights(o.prometheus, o.cycleConfig);
      const latest = readJsonl(o.predictionsFile, isPredictionResult).records.at(-1);
      if (latest) {
        state.topScenarios = [...latest.scenarios].sort((a, b) => b.score - a.score).slice(0, 5);
        state.model = latest.model.kind;
      }
      const { injections, rollbacks, guard_breaches } = tally(
        readJsonl(o.outcomesFile, isOutcomeRecord).records,
      );
      Object.assign(state, { injections, rollbacks, breaches: guard_breaches });
      const cycle = o.currentCycle();
      if (cycle) {
        const cycleStatus = await cycle.query<{ phase: string }>('cycleStatus').catch(() => undefined);
        if (cycleStatus) state.phase = `cycle ${cycleStatus.phase}`;
      }
      if (o.ui && process.stderr.isTTY)
        process.stderr.write('\x1b[2J\x1b[H' + renderProgress(state, process.stderr.columns || 100) + '\n');
      else
        o.log.info('progress', {
          phase: state.phase,
          activeFaults: state.activeFaults.length,
          guards: state.guards,
        });
    } finally {
      refreshing = false;
    }
  };
  return setInterval(() => void refresh().catch(() => undefined), o.ui ? 1000 : 2000);
}
