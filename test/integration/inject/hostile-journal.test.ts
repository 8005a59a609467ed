// The journal on a full disk: the agent's state directory is a tiny tmpfs that the test fills.
// An apply whose journal record cannot be written changes nothing (507 naming the journal); a
// revert whose record cannot be written still reverts and says so, and the resource is not
// blocked; no torn record is left, so none swallows the next. Real agent, real processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resourceSchema } from '../../../src/config/schema';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { callAgent, mountTmpfs, procState, unmount, type ApiAnswer } from './support';

describe('inject: the journal on a full disk', { timeout: 120_000 }, () => {
  let dir: string;
  let stateDir: string;
  let mounted = false;
  let agent: RunningAgent | undefined;
  const filler = () => path.join(stateDir, 'filler');

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-hostile-journal-'));
    stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    mounted = mountTmpfs(stateDir, '64k');
  });

  after(async () => {
    await agent?.stop().catch(() => {});
    if (mounted) unmount(stateDir);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an apply it cannot journal, and reverts what it cannot journal', async (t) => {
    if (!mounted) return t.skip('mounting a tmpfs needs root');
    agent = await startAgent({
      config: {
        resources: ['s1', 's2', 's3'].map((name) =>
          resourceSchema.parse({ name, type: 'worker', process: { command: ['sleep', '1000'] } }),
        ),
      },
      listen: '127.0.0.1:0',
      stateDir,
      cgroupPrefix: `hostile-journal-${process.pid}`,
    });
    const running = agent;
    const call = (method: string, p: string, body?: unknown) => callAgent(running, method, p, body);
    const pidOf = (name: string) => running.supervisors.get(name)!.pid!;
    // Long ids make long records, so the journal's last page fills in a few steps.
    const id = (name: string) => `${name}-${'x'.repeat(150)}`;
    const pause = (name: string, faultId = id(name)) =>
      call('POST', '/v1/faults', {
        faultId,
        resource: name,
        mode: 'process_pause',
        params: { duration: '30s' },
        leaseSeconds: 60,
      });

    const free = statfsSync(stateDir);
    writeFileSync(filler(), Buffer.alloc(free.bavail * free.bsize));

    // Two faults stay applied while s1 cycles until the journal's last page is full.
    let refusedApply: ApiAnswer | undefined;
    let unjournaled: ApiAnswer | undefined;
    for (const name of ['s2', 's3']) {
      const answer = await pause(name);
      if (answer.status !== 200) refusedApply = answer;
    }
    for (let i = 0; !refusedApply && i < 40; i++) {
      const applied = await pause('s1', `s1-${i}-${'y'.repeat(150)}`);
      if (applied.status !== 200) {
        refusedApply = applied;
        break;
      }
      const reverted = await call('DELETE', `/v1/faults/s1-${i}-${'y'.repeat(150)}`);
      if (reverted.body.journaled === false) unjournaled ??= reverted;
    }
    assert.ok(refusedApply, 'an apply met the full journal');
    assert.equal(refusedApply.status, 507);
    assert.equal(refusedApply.body.field, 'journal');
    assert.notEqual(procState(pidOf('s1')), 'T', 'the refused apply stopped nothing');
    for (const name of ['s2', 's3']) {
      const reverted = await call('DELETE', `/v1/faults/${id(name)}`);
      assert.equal(reverted.status, 200);
      assert.equal(reverted.body.verified, true);
      if (reverted.body.journaled === false) unjournaled ??= reverted;
      assert.notEqual(procState(pidOf(name)), 'T', `${name} runs again`);
    }
    assert.ok(unjournaled, 'a revert met the full journal');
    assert.match(String(unjournaled.body.journalError), /ENOSPC|short write/);
    const state = await call('GET', `/v1/faults/${String(unjournaled.body.faultId)}`);
    assert.equal(state.body.phase, 'reverted');

    // Not blocked: with space again the resource takes a new fault, and the late record is written.
    const stillFull = await pause('s2', 's2-after');
    assert.equal(stillFull.status, 507, 'a full journal refuses, it does not report a conflict');
    unlinkSync(filler());
    assert.equal((await pause('s2', 's2-after')).status, 200);
    assert.equal(procState(pidOf('s2')), 'T');
    assert.equal((await call('DELETE', '/v1/faults/s2-after')).body.journaled, undefined);

    const { records, rejected } = running.journal.read();
    assert.deepEqual(rejected, [], 'no torn or unreadable line in the journal');
    const open = running.journal.outstanding().filter((r) => r.kind !== 'supervised_process');
    assert.deepEqual(open, [], 'every fault the journal saw applied is recorded as reverted');
    assert.ok(records.some((r) => r.op === 'revert' && r.id === unjournaled.body.faultId));
    const faults = (await call('GET', '/v1/faults')).body.faults as { phase: string }[];
    assert.ok(faults.every((f) => f.phase !== 'applied'));
    await running.stop();
    agent = undefined;
  });
});
