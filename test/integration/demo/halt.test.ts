// Ctrl-C in the middle of an injection: the demo (interactive mode, its schedule running) gets
// SIGINT while the agent holds a fault. It must halt, roll the fault back, write its summary,
// and leave no process and no fault behind.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { descendantsOf } from '../../../src/demo/stack';
import { pidAlive } from '../../../src/demo/processes';
import { waitUntil } from '../../../src/testing/ports';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('demo: Ctrl-C during an injection', () => {
  it('halts, rolls the fault back and stops everything', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--no-ui', '--warmup', '5s'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const tree = new Set<number>();
    const watcher = setInterval(() => descendantsOf([child.pid!]).forEach((p) => tree.add(p)), 500);
    try {
      const runDir = await waitUntil(
        'the run directory',
        async () => /files and JSON logs in (\S+)/.exec(stderr)?.[1],
        {
          timeoutMs: 30_000,
        },
      );
      // the agent logs "applied <mode> <faultId> on <resource>" into the demo's JSON log
      await waitUntil(
        'a fault applied by the first cycle',
        async () => {
          const log = path.join(runDir, 'demo.log');
          return existsSync(log) && /"msg":"applied /.test(readFileSync(log, 'utf8'));
        },
        { timeoutMs: 150_000, intervalMs: 250 },
      );
      process.kill(child.pid!, 'SIGINT');
      const code = await exited;
      assert.equal(code, 0, `exit ${code}\n${stderr.slice(-3000)}`);
      const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;
      assert.equal(summary.orphaned_faults, 0);
      assert.equal(summary.leftover_processes, 0);
      assert.ok((summary.injections as number) >= 1);
      assert.equal(summary.rollbacks, summary.injections, 'every injected fault was removed and verified');
      const outcomes = readFileSync(path.join(runDir, 'outcomes.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { rollbackPath: string; verified?: boolean });
      assert.ok(
        outcomes.some((o) => o.rollbackPath === 'cancelled'),
        `the halted injection was rolled back as cancelled: ${outcomes.map((o) => o.rollbackPath).join(', ')}`,
      );
      assert.match(stderr, /halting: schedules paused/);
      // a process that got its signal at the very end may take a moment to exit
      const alive = () => [...tree].filter(pidAlive);
      for (let i = 0; i < 50 && alive().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(alive(), [], 'demo processes still alive');
      const mentioning = readdirSync('/proc').filter((e) => {
        try {
          return (
            /^\d+$/.test(e) &&
            pidAlive(Number(e)) &&
            readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(runDir)
          );
        } catch {
          return false;
        }
      });
      assert.deepEqual(mentioning, []);
    } finally {
      clearInterval(watcher);
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGKILL');
        await exited;
      }
    }
  });
});
