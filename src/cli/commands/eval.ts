import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import Table from 'cli-table3';
import { HELD_OUT_FOLDER, loadNabCorpus } from '../../predict/eval/nab-data';
import { runNabEvaluation, type DetectorResult, type NabEvalResult } from '../../predict/eval/nab-eval';
import { PROFILE_NAMES } from '../../predict/eval/nab-score';
import { DEFAULT_SCORER_SETTINGS, withSettings } from '../../predict/scorer/settings';
import { scorerDetector } from '../../predict/eval/nab-eval';
import { lofoJson, printLofo, runLofo } from './eval-lofo';

interface NabOptions {
  data: string;
  windows: string;
  labels?: string;
  threshold: string;
  resultsOut?: string;
  only?: string[];
  json?: boolean;
  protocol: string;
  ablation?: boolean;
  neural?: boolean;
  fixed?: boolean;
}

function parseThreshold(text: string): 'auto' | number {
  if (text === 'auto') return 'auto';
  const x = Number(text);
  if (!Number.isFinite(x)) throw new Error(`--threshold: expected "auto" or a number, got "${text}"`);
  return x;
}

function formatTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
}

function writeResults(dir: string, files: ReturnType<typeof loadNabCorpus>, result: NabEvalResult): void {
  for (const file of files) {
    const scores = result.scores.get(file.key);
    if (!scores) continue;
    const [folder, name] = file.key.split('/') as [string, string];
    const inWindow = new Uint8Array(file.values.length);
    for (const w of file.windows) inWindow.fill(1, w.first, w.last + 1);
    const lines = ['timestamp,value,anomaly_score,label'];
    file.values.forEach((v, i) => {
      lines.push(`${formatTimestamp(file.timestamps[i] ?? 0)},${v},${scores[i] ?? 0},${inWindow[i] ?? 0}`);
    });
    mkdirSync(path.join(dir, folder), { recursive: true });
    writeFileSync(path.join(dir, folder, `foreshock_${name}`), `${lines.join('\n')}\n`);
  }
}

function row(d: DetectorResult): string[] {
  return [
    d.name,
    ...PROFILE_NAMES.map(
      (p) => `${d.profiles[p].score.toFixed(1)} (t=${d.profiles[p].threshold.toPrecision(4)})`,
    ),
    d.brier.toFixed(4),
  ];
}

export function summaryJson(result: NabEvalResult): Record<string, unknown> {
  const profiles = (d: DetectorResult) =>
    Object.fromEntries(
      PROFILE_NAMES.map((p) => [p, { score: d.profiles[p].score, threshold: d.profiles[p].threshold }]),
    );
  return {
    files: result.files,
    windows: result.windows,
    rows: result.rows,
    threshold: result.threshold,
    profiles: profiles(result.foreshock),
    events: result.foreshock.events,
    brier: result.foreshock.brier,
    detector_seconds: result.foreshock.seconds,
    baselines: Object.fromEntries(result.baselines.map((b) => [b.name, profiles(b)])),
  };
}

async function evalNab(opts: NabOptions): Promise<number> {
  const started = performance.now();
  if (path.basename(path.resolve(opts.data)) === HELD_OUT_FOLDER) {
    throw new Error(`${HELD_OUT_FOLDER} is held out for independent evaluation and is never read`);
  }
  const threshold = parseThreshold(opts.threshold);
  const labels = opts.labels ?? path.join(path.dirname(opts.windows), 'combined_labels.json');
  const files = loadNabCorpus({
    dataDir: opts.data,
    windowsFile: opts.windows,
    labelsFile: labels,
    only: opts.only,
  });
  if (files.length === 0) throw new Error(`no labelled NAB files under ${opts.data}`);
  const settings = opts.neural
    ? withSettings({ streams: { ...DEFAULT_SCORER_SETTINGS.streams, neural: true } })
    : DEFAULT_SCORER_SETTINGS;
  if (opts.protocol === 'lofo') {
    const run = runLofo(files, settings, {
      ablation: opts.ablation ?? false,
      fixed: opts.fixed ?? false,
      label: opts.neural ? 'committed+neural' : 'committed',
      log: (line) => console.error(line),
    });
    if (opts.json) console.log(JSON.stringify(lofoJson(run)));
    else printLofo(run);
    return 0;
  }
  if (opts.protocol !== 'in-sample')
    throw new Error(`--protocol: expected "in-sample" or "lofo", got "${opts.protocol}"`);
  if (opts.ablation) throw new Error('--ablation: only with --protocol lofo');
  const result = runNabEvaluation(files, { threshold, detector: scorerDetector(settings) });
  if (opts.resultsOut) writeResults(opts.resultsOut, files, result);
  const seconds = (performance.now() - started) / 1000;
  if (!opts.json) {
    const table = new Table({ head: ['detector', ...PROFILE_NAMES, 'Brier'] });
    table.push(row(result.foreshock), ...result.baselines.map(row));
    console.log(
      `${result.files} files, ${result.windows} windows, ${result.rows} rows; threshold ${threshold}`,
    );
    console.log(table.toString());
    const e = result.foreshock.events;
    console.log(
      `foreshock at its standard threshold ${result.foreshock.profiles.standard.threshold}: ` +
        `${(e.early_window_share * 100).toFixed(1)}% of windows alarmed before the labelled point, ` +
        `alarm precision ${(e.alarm_precision * 100).toFixed(1)}%, ${e.false_alarms_per_day.toFixed(3)} false alarms/day, ` +
        `median lead ${e.median_lead_minutes ?? '-'} min; ${seconds.toFixed(1)} s`,
    );
  }
  if (opts.json) console.log(JSON.stringify({ ...summaryJson(result), seconds }));
  return 0;
}

export function registerEval(program: Command): void {
  const evalCommand = program.command('eval').description('evaluate the Predictive Failure Engine');
  evalCommand
    .command('nab')
    .description(
      'score the FailureScorer and baselines on a NAB-layout corpus with NAB rules (realKnownCause is never read)',
    )
    .requiredOption('--data <dir>', 'NAB data folder (<folder>/<file>.csv)')
    .requiredOption('--windows <json>', 'NAB combined_windows.json')
    .option('--labels <json>', 'NAB combined_labels.json (default: beside --windows)')
    .option('--threshold <auto|x>', 'auto: the best threshold on this data, per profile; or a number', 'auto')
    .option('--results-out <dir>', 'write NAB-format CSVs <dir>/<folder>/foreshock_<file>.csv')
    .option('--only <prefix...>', 'only files whose key starts with one of these, e.g. realAWSCloudwatch/')
    .option(
      '--protocol <in-sample|lofo>',
      'in-sample: committed settings, threshold chosen on this data; lofo: leave-one-folder-out',
      'in-sample',
    )
    .option('--ablation', 'with --protocol lofo: the LOFO score with each stream switched off')
    .option(
      '--fixed',
      'with --protocol lofo: the committed settings only (no grid); the threshold is still chosen out-of-fold',
    )
    .option('--neural', 'add the brain.js neural stream (slow: ~1 s of training per file)')
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: NabOptions) => {
      process.exitCode = await evalNab(opts);
    });
}
