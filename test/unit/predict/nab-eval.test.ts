import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadNabCorpus } from '../../../src/predict/eval/nab-data';
import { runNabEvaluation } from '../../../src/predict/eval/nab-eval';
import { scorerDetector } from '../../../src/predict/eval/nab-eval';
import { Command } from 'commander';
import { registerEval } from '../../../src/cli/commands/eval';

/** Only this command's module is loaded, so other commands' start-up never affects this test. */
async function runCli(argv: string[]): Promise<number> {
  const program = new Command('foreshock').exitOverride();
  registerEval(program);
  process.exitCode = undefined;
  await program.parseAsync(argv);
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  return code;
}

const NAB = path.resolve(__dirname, '../../../../shared/nab');
const skipNab = existsSync(path.join(NAB, 'data')) ? false : `NAB data not found at ${NAB}`;

describe('NAB data loading', () => {
  it('never reads realKnownCause and maps windows to rows', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-nab-'));
    try {
      for (const folder of ['realKnownCause', 'mine']) {
        mkdirSync(path.join(dir, folder));
        const rows = Array.from(
          { length: 20 },
          (_, i) => `2014-01-01 00:${String(i).padStart(2, '0')}:00,${i}`,
        );
        writeFileSync(path.join(dir, folder, 'a.csv'), `timestamp,value\n${rows.join('\n')}\n`);
      }
      const windows = path.join(dir, 'windows.json');
      const w = [['2014-01-01 00:05:00.000000', '2014-01-01 00:07:00.000000']];
      writeFileSync(windows, JSON.stringify({ 'realKnownCause/a.csv': w, 'mine/a.csv': w }));
      const files = loadNabCorpus({ dataDir: dir, windowsFile: windows });
      assert.deepEqual(
        files.map((f) => f.key),
        ['mine/a.csv'],
      );
      assert.deepEqual(files[0]?.windows, [{ first: 5, last: 7 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the scorer detector is walk-forward: changing the future never changes past scores', () => {
    const values = Array.from({ length: 600 }, (_, i) => Math.sin(i / 10) + (i % 7) * 0.01);
    const timestamps = values.map((_, i) => i * 300_000);
    const changed = [...values];
    for (let i = 400; i < 600; i++) changed[i] = 50;
    const a = scorerDetector()(values, timestamps);
    const b = scorerDetector()(changed, timestamps);
    assert.deepEqual([...a.slice(0, 400)], [...b.slice(0, 400)]);
    assert.ok(b[400]! > Math.max(...a.slice(90, 400)), `the jump is seen: ${b[400]}`);
  });
});

describe('NAB evaluation on a slice of the shared corpus', { skip: skipNab }, () => {
  it('foreshock beats every baseline on realAWSCloudwatch (standard profile)', () => {
    const files = loadNabCorpus({
      dataDir: path.join(NAB, 'data'),
      windowsFile: path.join(NAB, 'combined_windows.json'),
      labelsFile: path.join(NAB, 'combined_labels.json'),
      only: ['realAWSCloudwatch/'],
    });
    const result = runNabEvaluation(files, { threshold: 'auto' });
    const ours = result.foreshock.profiles.standard.score;
    assert.ok(ours > 55, `foreshock ${ours}`);
    for (const b of result.baselines)
      assert.ok(ours > b.profiles.standard.score, `${b.name}: ${b.profiles.standard.score} vs ${ours}`);
    assert.ok(result.foreshock.brier >= 0 && result.foreshock.brier <= 1);
    assert.ok(result.foreshock.events.early_window_share > 0);
  });

  it('foreshock eval nab --json --results-out writes NAB CSVs and one JSON line', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'foreshock-results-'));
    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void lines.push(args.join(' '));
    try {
      const code = await runCli([
        'node',
        'foreshock',
        'eval',
        'nab',
        '--data',
        path.join(NAB, 'data'),
        '--windows',
        path.join(NAB, 'combined_windows.json'),
        '--only',
        'realAdExchange/',
        '--threshold',
        '0.99',
        '--results-out',
        out,
        '--json',
      ]);
      assert.equal(code, 0);
    } finally {
      console.log = log;
    }
    try {
      const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as {
        files: number;
        profiles: Record<string, { score: number; threshold: number }>;
        baselines: Record<string, unknown>;
        events: Record<string, number>;
      };
      assert.equal(summary.files, 6);
      assert.equal(summary.profiles.standard?.threshold, 0.99, 'a number is used as given');
      assert.deepEqual(Object.keys(summary.baselines).sort(), [
        'holt',
        'null',
        'predictLinear',
        'random',
        'windowedGaussian',
      ]);
      assert.ok('false_alarms_per_day' in summary.events);
      const csv = readFileSync(
        path.join(out, 'realAdExchange', 'foreshock_exchange-2_cpc_results.csv'),
        'utf8',
      ).split('\n');
      assert.equal(csv[0], 'timestamp,value,anomaly_score,label');
      assert.match(csv[1] ?? '', /^2011-07-01 00:00:01,[\d.]+,[\d.e-]+,0$/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
