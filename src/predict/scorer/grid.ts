/**
 * The small grid the tuning script and `foreshock eval nab --protocol lofo` choose from. Each
 * entry differs from the base in a few settings; the base's own lengths are fractions of the
 * warm-up or times, never row counts. Thresholds are not part of the grid: they are chosen on
 * the training folders alongside the entry.
 */
import type { ScorerSettings } from './settings';

export interface GridEntry {
  /** Short label, e.g. `forecast=off,season=week,quiet=0.13,history=20`. */
  label: string;
  settings: ScorerSettings;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;

export function scorerGrid(base: ScorerSettings): GridEntry[] {
  const entries: GridEntry[] = [];
  for (const forecast of [true, false]) {
    for (const seasons of [[DAY, WEEK], [WEEK]]) {
      for (const quiet of [0.13, 0.3]) {
        for (const pValueHistory of [8, 20]) {
          entries.push({
            label: `forecast=${forecast ? 'on' : 'off'},season=${seasons.length === 2 ? 'day+week' : 'week'},quiet=${quiet},history=${pValueHistory}`,
            settings: {
              ...base,
              quiet,
              pValueHistory,
              seasonPeriodsMs: seasons,
              streams: { ...base.streams, forecast },
            },
          });
        }
      }
    }
  }
  return entries;
}
