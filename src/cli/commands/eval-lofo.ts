/**
 * `foreshock eval nab --protocol lofo [--ablation]`: leave-one-folder-out over the corpus's
 * folders with the FailureScorer; the grid entry and the threshold are chosen on the other
 * folders per fold and profile. Prints each fold, the mean, the worst and the in-sample number.
 */
import Table from 'cli-table3';
import { ablation, type AblationRow } from '../../predict/eval/ablation';
import { gridScores, lofoReport, type LofoReport } from '../../predict/eval/lofo';
import type { NabFile } from '../../predict/eval/nab-data';
import { PROFILE_NAMES } from '../../predict/eval/nab-score';
import { scorerGrid } from '../../predict/scorer/grid';
import type { ScorerSettings } from '../../predict/scorer/settings';

export interface LofoRun {
  /** The settings shown in-sample and ablated (`committed`, or `committed+neural`). */
  label: string;
  grid: string[];
  report: LofoReport;
  ablation?: AblationRow[];
  seconds: number;
}

export function runLofo(
  files: readonly NabFile[],
  settings: ScorerSettings,
  options: { ablation: boolean; fixed?: boolean; label?: string; log: (line: string) => void },
): LofoRun {
  const started = performance.now();
  const label = options.label ?? 'committed';
  const grid = options.fixed ? [{ label, settings }] : scorerGrid(settings);
  const committed = { label, settings };
  const entries = options.fixed ? grid : [committed, ...grid];
  const scores = gridScores(
    files,
    entries.map((e) => e.settings),
    (done, total) => options.log(`scored grid entry ${done}/${total}`),
  );
  // Entry 0 (the committed settings) is in the in-sample column; the grid alone is chosen from.
  const report = lofoReport(files, options.fixed ? scores : scores.slice(1));
  const committedReport = options.fixed ? report : lofoReport(files, [scores[0] ?? []]);
  for (const p of PROFILE_NAMES) report.profiles[p].inSample = committedReport.profiles[p].inSample;
  const run: LofoRun = { label, grid: grid.map((e) => e.label), report, seconds: 0 };
  if (options.ablation) run.ablation = ablation(files, settings);
  run.seconds = (performance.now() - started) / 1000;
  return run;
}

export function printLofo(run: LofoRun): void {
  for (const p of PROFILE_NAMES) {
    const r = run.report.profiles[p];
    const table = new Table({
      head: ['held-out folder', 'files', 'windows', 'score', 'tp/fn/fp', 'threshold', 'chosen settings'],
    });
    for (const f of r.folds) {
      table.push([
        f.folder,
        f.files,
        f.windows,
        f.score === null ? 'n/a (no windows)' : f.score.toFixed(1),
        `${f.tp}/${f.fn}/${f.fp}`,
        f.threshold.toPrecision(4),
        run.grid[f.chosen] ?? '',
      ]);
    }
    console.log(`profile ${p}`);
    console.log(table.toString());
    console.log(
      `  LOFO mean ${r.mean.toFixed(1)} (bootstrap ${Math.round(100 * r.interval.level)} % interval ${r.interval.low.toFixed(1)}–${r.interval.high.toFixed(1)}), worst ${r.worst.toFixed(1)} (${r.worstFolder}), pooled out-of-fold ${r.pooled.toFixed(1)}; in-sample (${run.label} settings) ${r.inSample.toFixed(1)}`,
    );
  }
  if (run.ablation) {
    const table = new Table({
      head: ['change', 'streams', 'LOFO mean', 'worst', 'pooled', 'in-sample', 'low-FP mean', 'low-FN mean'],
    });
    for (const a of run.ablation) {
      table.push([
        a.with ? `+${a.with}` : a.without === 'none' ? '—' : `−${a.without}`,
        a.streams.join('+'),
        a.lofoMean.toFixed(1),
        a.worst.toFixed(1),
        a.pooled.toFixed(1),
        a.inSample.toFixed(1),
        a.lowFpMean.toFixed(1),
        a.lowFnMean.toFixed(1),
      ]);
    }
    console.log('ablation (standard profile unless named; settings fixed, threshold chosen out-of-fold)');
    console.log(table.toString());
  }
  console.log(`${run.seconds.toFixed(1)} s`);
}

export function lofoJson(run: LofoRun): Record<string, unknown> {
  return {
    protocol: 'lofo',
    settings: run.label,
    grid: run.grid,
    profiles: Object.fromEntries(
      PROFILE_NAMES.map((p) => {
        const r = run.report.profiles[p];
        return [
          p,
          {
            mean: r.mean,
            mean_interval: r.interval,
            worst: r.worst,
            worst_folder: r.worstFolder,
            pooled: r.pooled,
            in_sample: r.inSample,
            folds: r.folds.map((f) => ({ ...f, chosen: run.grid[f.chosen] })),
          },
        ];
      }),
    ),
    ablation: run.ablation,
    seconds: run.seconds,
  };
}
