/**
 * The prediction engine's history summary read from the shared store: what `predictFailures`
 * and the backtest both need under `store.kind: postgres`.
 */
import { parseOutcomes, summarizeHistory, type HistorySummary } from '../predict/history';
import type { HistoryStore } from './types';

/** Incidents and outcomes since `sinceMs`, summarized as of `atMs`. */
export async function summarizeStoredHistory(
  history: Pick<HistoryStore, 'incidentsSince' | 'outcomesSince'>,
  sinceMs: number,
  atMs: number,
): Promise<HistorySummary> {
  const [incidents, outcomes] = await Promise.all([
    history.incidentsSince(sinceMs),
    history.outcomesSince(sinceMs),
  ]);
  // the workflows' outcome records, read as the history file's lines are
  const parsed = parseOutcomes(outcomes.map((o) => JSON.stringify(o)).join('\n'));
  return summarizeHistory(incidents, parsed.items, atMs);
}
