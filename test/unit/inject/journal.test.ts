import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../../src/inject/journal';
import { detectCgroupLayout } from '../../../src/inject/cgroups';
import { LeaseBook } from '../../../src/inject/leases';

describe('journal', () => {
  function withDir(work: (dir: string) => void): void {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-journal-unit-'));
    try {
      work(path.join(dir, 'state'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('reports applied-and-not-reverted records, survives a torn last line, compacts', () => {
    withDir((stateDir) => {
      const journal = Journal.open(stateDir);
      journal.recordApply('a', 'cpu_throttle', 'db', { cgroup: '/x' });
      journal.recordApply('b', 'disk_fill', 'db', { file: '/y' });
      journal.recordRevert('a', 'cpu_throttle', 'db');
      appendFileSync(journal.file, '{"op":"apply","id":"c"'); // the agent died mid-write
      assert.deepEqual(
        journal.outstanding().map((r) => r.id),
        ['b'],
      );
      journal.compact();
      assert.deepEqual(
        journal.read().records.map((r) => [r.op, r.id]),
        [['apply', 'b']],
      );
      journal.close();
    });
  });

  it('keeps its directory 0700 and its files 0600, and refuses a key others can read', () => {
    withDir((stateDir) => {
      const journal = Journal.open(stateDir);
      journal.recordApply('a', 'disk_fill', 'db', { file: '/y' });
      journal.close();
      assert.equal(statSync(stateDir).mode & 0o777, 0o700);
      assert.equal(statSync(journal.file).mode & 0o777, 0o600);
      assert.equal(statSync(path.join(stateDir, 'journal.key')).mode & 0o777, 0o600);
      chmodSync(path.join(stateDir, 'journal.key'), 0o644);
      assert.throws(() => Journal.open(stateDir), /journal\.key must be a regular file .* mode 0600/);
      assert.throws(() => Journal.open('relative/state'), /not absolute/);
    });
  });

  it('never trusts a line it did not sign: forged, edited or unsigned records are rejected', () => {
    withDir((stateDir) => {
      const journal = Journal.open(stateDir);
      journal.recordApply('real', 'disk_fill', 'db', { file: '/data/.foreshock-fill-real' });
      const forged = JSON.stringify({
        op: 'apply',
        id: 'x',
        kind: 'disk_fill',
        resource: 'db',
        detail: { file: '/etc/shadow' },
        at: '',
      });
      appendFileSync(journal.file, `${'0'.repeat(64)} ${forged}\n${forged}\n`);
      const signed = readFileSync(journal.file, 'utf8').split('\n')[0]!;
      appendFileSync(journal.file, `${signed.replace('real', 'evil')}\n`);
      const { records, rejected } = journal.read();
      assert.deepEqual(
        records.map((r) => r.id),
        ['real'],
      );
      assert.deepEqual(
        rejected.map((r) => r.reason),
        ['signature does not verify', 'not a signed record', 'signature does not verify'],
      );
      journal.compact();
      assert.match(readFileSync(path.join(stateDir, 'journal.rejected'), 'utf8'), /etc\/shadow/);
      journal.close();
    });
  });

  it('a torn record does not swallow the record after it', () => {
    withDir((stateDir) => {
      let journal = Journal.open(stateDir);
      journal.recordApply('a', 'disk_fill', 'db', { file: '/a' });
      journal.close();
      appendFileSync(journal.file, 'f00d {"op":"apply","id":"torn"'); // a short write, never cut back
      journal = Journal.open(stateDir);
      journal.recordApply('b', 'disk_fill', 'db', { file: '/b' });
      assert.deepEqual(
        journal.outstanding().map((r) => r.id),
        ['a', 'b'],
      );
      journal.close();
    });
  });
});

describe('cgroup layout detection', () => {
  it('prefers v1 controllers when mounted, else the unified hierarchy', () => {
    const v1 = [
      'cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0',
      'cgroup /sys/fs/cgroup/freezer cgroup rw,relatime,freezer 0 0',
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0',
    ].join('\n');
    assert.deepEqual(detectCgroupLayout(v1), {
      version: 1,
      mounts: { cpu: '/sys/fs/cgroup/cpu', freezer: '/sys/fs/cgroup/freezer' },
    });
    const v2 = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0';
    assert.deepEqual(detectCgroupLayout(v2)?.version, 2);
    assert.equal(detectCgroupLayout('proc /proc proc rw 0 0'), undefined);
  });

  it('on a hybrid host takes the version the config asks for, and none when it is absent', () => {
    const hybrid = [
      'cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0',
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0',
    ].join('\n');
    assert.equal(detectCgroupLayout(hybrid, 2)?.mounts.cpu, '/sys/fs/cgroup/unified');
    assert.equal(detectCgroupLayout(hybrid, 1)?.mounts.cpu, '/sys/fs/cgroup/cpu');
    assert.equal(detectCgroupLayout(hybrid, 'auto')?.version, 1);
    assert.equal(detectCgroupLayout('cgroup2 /sys/fs/cgroup cgroup2 rw 0 0', 1), undefined);
    assert.equal(detectCgroupLayout('cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0', 2), undefined);
  });
});

describe('leases', () => {
  it('expire unless renewed', async () => {
    const expired: string[] = [];
    const book = new LeaseBook((id) => expired.push(id));
    book.grant('a', 0.05);
    book.grant('b', 0.05);
    await new Promise((r) => setTimeout(r, 30));
    book.grant('b', 0.1);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(expired, ['a']);
    book.release('b');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(expired, ['a']);
  });

  it('never run past a deadline, however often renewed', async () => {
    const expired: [string, string][] = [];
    const book = new LeaseBook((id, reason) => expired.push([id, reason]));
    book.setDeadline('a', Date.now() + 120);
    for (let i = 0; i < 4 && expired.length === 0; i++) {
      book.grant('a', 0.1);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(expired, [['a', 'duration_elapsed']]);
    assert.ok(book.grant('b', 10) > Date.now() + 9000, 'without a deadline the lease is as asked');
    book.releaseAll();
  });
});
