// The whole mission on one machine: `npm run -s demo -- --cycles 1 --no-ui` against the real
// stack (nginx → API → PostgreSQL, agent in-line, embedded Temporal, Prometheus), started from
// the recorded history and trained on it. At least one fault goes in and comes out again,
// nothing stays applied, the report renders in Chromium, and no process the demo started
// outlives it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkReportInChromium } from '../integration/demo/browser';
import { descendantsOf } from '../../src/demo/stack';
import { pidAlive } from '../../src/demo/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/** Pids whose command line mentions `text` (the run directory is in PostgreSQL's and nginx's). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid && pidAlive(Number(e)))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('npm run demo, bounded', () => {
  it('injects, rolls back, leaves nothing applied or running, and reports', async () => {
    const child = spawn('npm', ['run', '-s', 'demo', '--', '--cycles', '1', '--no-ui'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout can stop the whole tree
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const tree = new Set<number>();
    const watcher = setInterval(() => descendantsOf([child.pid!]).forEach((p) => tree.add(p)), 500);
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 240_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    clearInterval(watcher);
    assert.equal(code, 0, `demo exited ${code}\n--- stderr (tail) ---\n${stderr.slice(-4000)}`);

    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    assert.equal(summary.cycles, 1);
    assert.ok((summary.injections as number) >= 1, `injections: ${String(summary.injections)}`);
    assert.ok((summary.rollbacks as number) >= 1, `rollbacks: ${String(summary.rollbacks)}`);
    assert.equal(summary.orphaned_faults, 0);
    assert.equal(summary.leftover_processes, 0);
    assert.equal(typeof summary.guard_breaches, 'number');
    const report = summary.report as string;
    assert.ok(existsSync(report), `report at ${report}`);

    // the main job ran on models trained on the recorded history, never on the trend stand-in
    const kinds = summary.model_kinds as string[];
    assert.ok(kinds.length > 0, 'model kinds reported');
    assert.ok(!kinds.includes('trend'), `model kinds: ${kinds.join(', ')}`);
    for (const k of kinds) assert.ok(['lstm', 'gru', 'holt-winters'].includes(k), k);
    const history = summary.history as { minutes: number; train_s: number } | undefined;
    assert.ok(history && history.minutes >= 10, `history: ${JSON.stringify(history)}`);
    assert.ok(history.train_s < 60, `training took ${history.train_s} s`);
    // the orders table grows on purpose: orders-db's query latency heads for its threshold
    const [top] = summary.top_scenarios as { id: string; severity: string }[];
    assert.match(top?.id ?? '', /^orders-db:/, `first cycle's top scenario: ${JSON.stringify(top)}`);
    assert.ok(top?.severity === 'medium' || top?.severity === 'high', `severity ${top?.severity}`);

    // nothing the demo started is still running: not its process tree, nothing in its run dir
    // a process that got its signal at the very end may take a moment to exit
    const alive = () => [...tree].filter(pidAlive);
    for (let i = 0; i < 50 && alive().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(alive(), [], 'processes of the demo still alive');
    assert.deepEqual(processesMentioning(summary.run_dir as string), []);

    // Prometheus scraped the whole stack, the agent and the worker's SDK metrics
    const log = readFileSync(path.join(summary.run_dir as string, 'demo.log'), 'utf8');
    const scrape = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { scrape?: Record<string, number> })
      .find((l) => l.scrape)?.scrape;
    assert.deepEqual(scrape, {
      api: 1,
      web: 1,
      'orders-db': 1,
      node: 1,
      loadgen: 1,
      logs: 1,
      'foreshock-agent': 1,
      'foreshock-worker': 1,
    });

    const page = await checkReportInChromium(report, path.join(ARTIFACTS, 'demo-report.png'));
    assert.deepEqual(page.errors, []);
    assert.deepEqual(page.requests, []);
    assert.ok(page.chartsRendered >= 3, `charts rendered: ${page.chartsRendered}`);
    assert.equal(page.paintedCanvases, page.canvases);
  });
});
