// A journal written by an older agent (plain JSON lines, 0644, no key) is not carried out
// blindly: its open records are taken over and checked against the config like signed ones
// (the agent's own fill file is undone, a file outside every disk is refused), the rest is
// reported; a file others could have written is not taken over at all. Real agent and files.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resourceSchema } from '../../../src/config/schema';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { fillFileName } from '../../../src/inject/faults/disk-fill';

describe('inject: a journal of an older agent', { timeout: 120_000 }, () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-journal-legacy-'));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A state directory as an older agent left it: 0755, journal.jsonl 0644 of plain JSON lines. */
  function oldStateDir(name: string, lines: string[], mode = 0o644) {
    const stateDir = path.join(dir, name);
    mkdirSync(stateDir, { mode: 0o755 });
    const journal = path.join(stateDir, 'journal.jsonl');
    writeFileSync(journal, lines.join('\n') + '\n');
    chmodSync(journal, mode);
    return { stateDir, journal };
  }

  function setUp(name: string) {
    const data = path.join(dir, `${name}-data`);
    mkdirSync(data);
    const fill = path.join(data, fillFileName('old-1'));
    writeFileSync(fill, Buffer.alloc(1024 * 1024));
    const canary = path.join(dir, `${name}-canary.txt`);
    writeFileSync(canary, 'keep me');
    const at = '2026-01-01T00:00:00.000Z';
    const record = (op: string, id: string, detail: Record<string, unknown>) =>
      JSON.stringify({ op, id, kind: 'disk_fill', resource: 'vol', detail, at });
    const lines = [
      record('apply', 'old-1', { file: fill }),
      record('apply', 'old-2', { file: path.join(data, fillFileName('old-2')) }),
      record('revert', 'old-2', {}),
      record('apply', 'old-3', { file: canary }),
      'not a record',
    ];
    const options = (stateDir: string) => ({
      config: { resources: [resourceSchema.parse({ name: 'vol', type: 'storage', disk: { path: data } })] },
      listen: '127.0.0.1:0',
      stateDir,
      cgroupPrefix: `legacy-${name}-${process.pid}`,
    });
    return { fill, canary, lines, options };
  }

  it('takes over the open records, carries out only what passes the config check, reports the rest', async () => {
    const { fill, canary, lines, options } = setUp('ok');
    const { stateDir, journal } = oldStateDir('ok-state', lines);
    let agent: RunningAgent | undefined;
    try {
      agent = await startAgent(options(stateDir));
      assert.deepEqual(
        agent.recovered.map((r) => [r.id, r.ok, r.refused !== undefined, r.migrated]),
        [
          ['old-3', false, true, true],
          ['old-1', true, false, true],
        ],
      );
      assert.equal(existsSync(fill), false, "the agent's own fill file is undone");
      assert.equal(readFileSync(canary, 'utf8'), 'keep me', 'the file outside every disk is untouched');
      assert.deepEqual(
        agent.rejectedJournalLines.map((r) => [r.file, r.line]),
        [['journal.legacy', 5]],
      );
      assert.match(readFileSync(path.join(stateDir, 'journal.rejected'), 'utf8'), /not a record/);
      assert.equal(readFileSync(path.join(stateDir, 'journal.legacy'), 'utf8'), lines.join('\n') + '\n');
      for (const file of ['journal.jsonl', 'journal.legacy', 'journal.key'])
        assert.equal(statSync(path.join(stateDir, file)).mode & 0o777, 0o600, file);
      assert.equal(statSync(stateDir).mode & 0o777, 0o700);
      for (const line of readFileSync(journal, 'utf8').split('\n').filter(Boolean))
        assert.match(line, /^[0-9a-f]{64} \{/, 'every line is signed now');
      assert.deepEqual(agent.journal.outstanding(), []);
      await agent.stop();
      agent = await startAgent(options(stateDir));
      assert.deepEqual(agent.recovered, [], 'nothing is taken over or refused twice');
      assert.deepEqual(agent.rejectedJournalLines, []);
    } finally {
      await agent?.stop();
    }
  });

  it('takes over nothing from an old journal others could have written', async () => {
    const { fill, canary, lines, options } = setUp('open');
    const { stateDir } = oldStateDir('open-state', lines, 0o666);
    const agent = await startAgent(options(stateDir));
    try {
      assert.deepEqual(agent.recovered, []);
      assert.equal(agent.rejectedJournalLines.length, 5);
      assert.ok(agent.rejectedJournalLines.every((r) => /writable by others/.test(r.reason)));
      assert.equal(statSync(fill).size, 1024 * 1024, 'not even a plausible record is carried out');
      assert.equal(readFileSync(canary, 'utf8'), 'keep me');
      assert.deepEqual(agent.journal.outstanding(), []);
    } finally {
      await agent.stop();
    }
  });
});
