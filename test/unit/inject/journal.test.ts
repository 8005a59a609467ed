import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../../src/inject/journal';
import { detectCgroupLayout } from '../../../src/inject/cgroups';
import { LeaseBook } from '../../../src/inject/leases';

describe('journal', () => {
  it('reports applied-and-not-reverted records, survives a torn last line, compacts', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-journal-unit-'));
    try {
      const file = path.join(dir, 'journal.jsonl');
      const journal = Journal.open(file);
      journal.recordApply('a', 'cpu_throttle', 'db', { cgroup: '/x' });
      journal.recordApply('b', 'disk_fill', 'db', { file: '/y' });
      journal.recordRevert('a', 'cpu_throttle', 'db');
      appendFileSync(file, '{"op":"apply","id":"c"'); // the agent died mid-write
      assert.deepEqual(
        journal.outstanding().map((r) => r.id),
        ['b'],
      );
      journal.compact();
      assert.deepEqual(
        Journal.read(file).map((r) => [r.op, r.id]),
        [['apply', 'b']],
      );
      journal.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
});
