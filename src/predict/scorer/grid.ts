/**
 * The small grid the tuning script and `foreshock eval nab --protocol lofo` choose from. Only the
 * p-value history (how many warm-ups a statistic is ranked against) is chosen from data; the rest
 * is fixed by principle in the base settings: the Holt forecast-error stream stays off (a noisy
 * error ranked on every row dilutes the Fisher sum, see docs/prediction.md, Ablation), both the
 * daily and the weekly season are watched, and the quiet span is the committed one. Thresholds
 * are not part of the grid: they are chosen on the training folders alongside the entry.
 */
import type { ScorerSettings } from './settings';

export interface GridEntry {
  /** Short label, e.g. `history=20`. */
  label: string;
  settings: ScorerSettings;
}

/** P-value histories tried, in warm-up lengths. */
export const GRID_HISTORIES: readonly number[] = [8, 20];

export function scorerGrid(base: ScorerSettings): GridEntry[] {
  return GRID_HISTORIES.map((pValueHistory) => ({
    label: `history=${pValueHistory}`,
    settings: { ...base, pValueHistory },
  }));
}
