/**
 * The small grid the tuning script and `foreshock eval nab --protocol lofo` choose from. Each
 * entry differs from the base in a few settings; the base's own lengths are fractions of the
 * warm-up or times, never row counts. Thresholds are not part of the grid: they are chosen on
 * the training folders alongside the entry.
 */
import type { ScorerSettings } from './settings';

export interface GridEntry {
  /** Short label, e.g. `fisher,quiet=0.13,forecast=off`. */
  label: string;
  settings: ScorerSettings;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;

export function scorerGrid(base: ScorerSettings): GridEntry[] {
  const entries: GridEntry[] = [];
  for (const fusion of ['fisher', 'cauchy'] as const) {
    for (const forecast of [true, false]) {
      for (const quiet of [0.13, 0.3]) {
        for (const seasons of [[DAY, WEEK], [WEEK]]) {
          entries.push({
            label: `${fusion},forecast=${forecast ? 'on' : 'off'},quiet=${quiet},season=${seasons.length === 2 ? 'day+week' : 'week'}`,
            settings: {
              ...base,
              fusion,
              quiet,
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
