/**
 * The small grid the tuning script and `foreshock eval nab --protocol lofo` choose from: the
 * p-value history (how many warm-ups a statistic is ranked against), the time scale the seasonal
 * difference is averaged over, and the share of the length correction (does the false-alarm
 * chance stay fixed per series, 1, or grow as the square root of its length, 0.5). The rest is
 * fixed in the base settings (see docs/prediction.md: the Holt forecast-error stream stays off,
 * both seasons are watched with nearest-season matching, omnibus fusion). Thresholds are not part
 * of the grid: they are chosen on the training folders alongside the entry.
 */
import type { ScorerSettings } from './settings';

export interface GridEntry {
  /** Short label, e.g. `history=8 season=0.013 length=0.5`. */
  label: string;
  settings: ScorerSettings;
}

/** P-value histories tried, in warm-up lengths. */
export const GRID_HISTORIES: readonly number[] = [8, 20];

/** Season averaging scales tried, in warm-up lengths. */
export const GRID_SEASON_SCALES: readonly number[] = [0.013, 0.03];

/** Shares of the length correction tried. */
export const GRID_LENGTH_CORRECTIONS: readonly number[] = [0.5, 1];

/**
 * Level stream (src/predict/scorer/level.ts) states tried. Only `false`: with the level stream
 * as a per-fold on/off choice the nested LOFO mean fell (docs/prediction.md, "Level stream"),
 * so it is not in the grid; pass `[false, true]` to `scorerGrid` to measure that again.
 */
export const GRID_LEVEL: readonly boolean[] = [false];

/** The grid; a `level=on|off` label part appears only when both level states are tried. */
export function scorerGrid(base: ScorerSettings, levels: readonly boolean[] = GRID_LEVEL): GridEntry[] {
  return levels.flatMap((level) =>
    GRID_HISTORIES.flatMap((pValueHistory) =>
      GRID_SEASON_SCALES.flatMap((seasonScale) =>
        GRID_LENGTH_CORRECTIONS.map((lengthCorrection) => ({
          label: `history=${pValueHistory} season=${seasonScale} length=${lengthCorrection}${
            levels.length > 1 ? ` level=${level ? 'on' : 'off'}` : ''
          }`,
          settings: {
            ...base,
            pValueHistory,
            seasonScale,
            lengthCorrection,
            streams: { ...base.streams, level },
          },
        })),
      ),
    ),
  );
}
