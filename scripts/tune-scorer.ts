/**
 * Tunes the FailureScorer and writes src/predict/scorer/settings.json: every entry of the small
 * grid (src/predict/scorer/grid.ts) is scored by leave-one-folder-out on the NAB corpus (threshold
 * chosen on the other folders per fold); the entry with the best LOFO mean (standard profile) is
 * committed, with its thresholds per profile chosen on all folders. realKnownCause is never read.
 *
 *   npx tsx scripts/tune-scorer.ts [--nab ../shared/nab] [--check]
 *
 * --check: compute and compare with the committed file instead of writing it (exit 1 if it differs).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { loadNabCorpus } from '../src/predict/eval/nab-data';
import { gridScores, lofoProfile, scoredFiles } from '../src/predict/eval/lofo';
import { NAB_PROFILES, PROFILE_NAMES, optimizeThreshold } from '../src/predict/eval/nab-score';
import { scorerGrid } from '../src/predict/scorer/grid';
import { DEFAULT_SCORER_SETTINGS, validateSettings } from '../src/predict/scorer/settings';

const SETTINGS_FILE = path.resolve(__dirname, '../src/predict/scorer/settings.json');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const nab = path.resolve(arg('--nab') ?? path.resolve(__dirname, '../../shared/nab'));
  const files = loadNabCorpus({
    dataDir: path.join(nab, 'data'),
    windowsFile: path.join(nab, 'combined_windows.json'),
  });
  if (files.length === 0) throw new Error(`--nab: no labelled NAB files under ${nab}/data`);
  const grid = scorerGrid(DEFAULT_SCORER_SETTINGS);
  const started = performance.now();
  const scores = gridScores(
    files,
    grid.map((e) => e.settings),
    (done, total) => console.error(`scored grid entry ${done}/${total}`),
  );
  const rows = grid.map((entry, g) => {
    const r = lofoProfile(files, [scores[g] ?? []], 'standard');
    return { label: entry.label, lofo_mean: r.mean, worst: r.worst, pooled: r.pooled };
  });
  let best = 0;
  rows.forEach((r, g) => {
    if (r.lofo_mean > (rows[best]?.lofo_mean ?? -Infinity) + 1e-9) best = g;
  });
  const chosen = grid[best];
  if (!chosen) throw new Error('empty grid');
  const all = scoredFiles(files, scores[best] ?? []);
  const thresholds = Object.fromEntries(
    PROFILE_NAMES.map((p) => [p, optimizeThreshold(all, NAB_PROFILES[p]).threshold]),
  );
  const settings = validateSettings({ ...chosen.settings, threshold: thresholds.standard ?? 1, thresholds });
  const json = `${JSON.stringify(
    {
      settings,
      tuning: {
        command: 'npx tsx scripts/tune-scorer.ts',
        corpus: { files: files.length, windows: files.reduce((n, f) => n + f.windows.length, 0) },
        chosen: chosen.label,
        rule: 'best leave-one-folder-out mean (standard profile, threshold chosen on the other folders)',
        grid: rows,
      },
    },
    null,
    2,
  )}\n`;
  const output = await format(json, { ...(await resolveConfig(SETTINGS_FILE)), parser: 'json' });
  for (const r of rows)
    console.error(`${r.lofo_mean.toFixed(1).padStart(5)} ${r.worst.toFixed(1).padStart(5)}  ${r.label}`);
  console.error(`chosen: ${chosen.label} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (process.argv.includes('--check')) {
    const same = readFileSync(SETTINGS_FILE, 'utf8') === output;
    console.error(
      same ? 'settings.json is up to date' : 'settings.json differs from what the tuning produces',
    );
    return same ? 0 : 1;
  }
  writeFileSync(SETTINGS_FILE, output);
  return 0;
}

void main().then((code) => {
  process.exitCode = code;
});
