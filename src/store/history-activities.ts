/**
 * The history activities (`recordOutcome`, `recentOutcomes`) on a HistoryStore: the same names
 * and shapes as src/activities/history.ts, so a worker registering these instead shares its
 * cooldowns and outcomes with every other worker on the same store.
 */
import type { RecentOutcome } from '../activities/history';
import type { HistoryStore, InjectionOutcome } from './types';

export function createStoreHistoryActivities(store: HistoryStore) {
  return {
    /** Stores the outcome once: a retry after a lost completion (or another worker) writes nothing. */
    async recordOutcome(outcome: InjectionOutcome): Promise<{ written: boolean }> {
      return store.appendOutcome(outcome);
    },
    /** Outcomes that ended at or after `sinceMs` (Unix ms), newest last; summaries only. */
    async recentOutcomes(input: { sinceMs: number }): Promise<RecentOutcome[]> {
      return (await store.outcomesSince(input.sinceMs))
        .filter((o) => !o.dryRun)
        .map((o) => ({ resource: o.resource, mode: o.mode, endedAt: o.endedAt, breached: o.breached }));
    },
  };
}
