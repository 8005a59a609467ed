/**
 * The failure history foreshock writes: one JSON line per finished injection in the
 * outcomes file, which the forecaster reads back and the cycle uses for cooldowns.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { InjectionOutcome } from '../workflows/types';

export interface HistoryActivityDeps {
  outcomesFile: string;
}

export interface RecentOutcome {
  resource: string;
  mode: string;
  endedAt: string;
  breached: boolean;
}

async function readOutcomes(file: string): Promise<InjectionOutcome[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const outcomes: InjectionOutcome[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      outcomes.push(JSON.parse(line) as InjectionOutcome);
    } catch {
      // A torn last line (crash mid-append) must not hide the rest of the history.
    }
  }
  return outcomes;
}

export function createHistoryActivities({ outcomesFile }: HistoryActivityDeps) {
  return {
    /** Appends the outcome once: a retry after a lost completion finds its line and stops. */
    async recordOutcome(outcome: InjectionOutcome): Promise<{ written: boolean }> {
      const existing = await readOutcomes(outcomesFile);
      if (existing.some((o) => o.workflowId === outcome.workflowId && o.faultId === outcome.faultId)) {
        return { written: false };
      }
      await mkdir(path.dirname(outcomesFile), { recursive: true });
      await appendFile(outcomesFile, JSON.stringify(outcome) + '\n');
      return { written: true };
    },

    /** Outcomes that ended at or after `sinceMs` (Unix ms), newest last; summaries only. */
    async recentOutcomes(input: { sinceMs: number }): Promise<RecentOutcome[]> {
      return (await readOutcomes(outcomesFile))
        .filter((o) => Date.parse(o.endedAt) >= input.sinceMs && !o.dryRun)
        .map((o) => ({ resource: o.resource, mode: o.mode, endedAt: o.endedAt, breached: o.breached }));
    },
  };
}

export type HistoryActivities = ReturnType<typeof createHistoryActivities>;
