// Nothing the agent trusts may be written by others: forged journal records, rewritten or
// malformed pid files, a fill path with a link planted in it. Real agent, real processes, a real
// foreign cgroup and a second filesystem (tmpfs); each test ends with nothing applied and the
// foreign things untouched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resourceSchema, type ResourceConfig } from '../../../src/config/schema';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { detectCgroupLayout } from '../../../src/inject/cgroups';
import { readProcStat } from '../../../src/inject/proc';
import { callAgent, mountTmpfs, procState, stopChild, unmount } from './support';

const resource = (r: Record<string, unknown>): ResourceConfig =>
  resourceSchema.parse({ type: 'worker', ...r });

function sign(key: Buffer, record: Record<string, unknown>): string {
  const json = JSON.stringify(record);
  return `${createHmac('sha256', key).update(json).digest('hex')} ${json}\n`;
}

describe('inject: nothing trusted that others can write', { timeout: 120_000 }, () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const mounts: string[] = [];
  const sleeper = () => {
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    children.push(child);
    return child;
  };

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-hostile-trust-'));
  });

  after(async () => {
    for (const child of children) await stopChild(child);
    for (const mount of mounts) unmount(mount);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('journal records that are forged, or name things not its own, are refused and never carried out', async () => {
    const stateDir = path.join(dir, 'journal-state');
    const data = path.join(dir, 'data');
    mkdirSync(data);
    const canary = path.join(dir, 'canary.txt');
    writeFileSync(canary, 'keep me');
    const layout = detectCgroupLayout();
    assert.ok(layout?.mounts.cpu, 'a cpu cgroup controller is mounted');
    const foreignCgroup = path.join(layout.mounts.cpu, `foreign-${process.pid}`);
    mkdirSync(foreignCgroup);
    const foreign = sleeper();
    writeFileSync(path.join(foreignCgroup, 'cgroup.procs'), String(foreign.pid));
    const resources = [
      resource({ name: 'vol', disk: { path: data } }),
      resource({ name: 'busy', process: { pidFile: path.join(dir, 'nothing.pid') } }),
    ];
    const options = {
      config: { resources },
      listen: '127.0.0.1:0',
      stateDir,
      cgroupPrefix: `hostile-trust-${process.pid}`,
    };
    let agent: RunningAgent | undefined;
    try {
      await (await startAgent(options)).stop();
      const key = readFileSync(path.join(stateDir, 'journal.key'));
      const at = new Date().toISOString();
      const journal = path.join(stateDir, 'journal.jsonl');
      const apply = { op: 'apply', resource: 'vol', at };
      // Unsigned, as the journal used to be written: never acted on.
      appendFileSync(
        journal,
        `${JSON.stringify({ ...apply, id: 'plain', kind: 'disk_fill', detail: { file: canary } })}\n`,
      );
      // Signed with the agent's own key, yet naming what is not the agent's.
      appendFileSync(journal, sign(key, { ...apply, id: 'f1', kind: 'disk_fill', detail: { file: canary } }));
      appendFileSync(
        journal,
        sign(key, {
          ...apply,
          id: 's1',
          kind: 'cpu_stress',
          detail: { cgroups: [{ controller: 'cpu', dir: foreignCgroup }] },
        }),
      );
      appendFileSync(
        journal,
        sign(key, {
          ...apply,
          id: 'g1',
          resource: 'ghost',
          kind: 'cpu_throttle',
          detail: { cgroup: '/x', pids: [] },
        }),
      );
      appendFileSync(
        journal,
        sign(key, {
          ...apply,
          id: 'p1',
          resource: 'busy',
          kind: 'supervised_process',
          detail: {
            pid: foreign.pid,
            startTime: readProcStat(foreign.pid!)!.startTime,
            command: ['sleep', '1000'],
          },
        }),
      );

      agent = await startAgent(options);
      assert.equal(readFileSync(canary, 'utf8'), 'keep me', 'the file outside every disk is untouched');
      assert.ok(existsSync(foreignCgroup), 'the foreign cgroup is still there');
      assert.notEqual(procState(foreign.pid!), 'Z', 'the foreign process still runs');
      assert.deepEqual(
        agent.recovered.map((r) => [r.id, r.ok, r.refused !== undefined]),
        [
          ['p1', false, true],
          ['g1', false, true],
          ['s1', false, true],
          ['f1', false, true],
        ],
      );
      assert.equal(agent.rejectedJournalLines.length, 1, 'the unsigned line is reported');
      assert.match(readFileSync(path.join(stateDir, 'journal.rejected'), 'utf8'), /canary/);
      assert.deepEqual(agent.journal.outstanding(), [], 'refused records are closed, not retried');
      await agent.stop();
      agent = await startAgent(options);
      assert.deepEqual(agent.recovered, [], 'nothing is refused twice');
      assert.equal(statSync(stateDir).mode & 0o777, 0o700);
      assert.equal(statSync(journal).mode & 0o777, 0o600);
    } finally {
      await agent?.stop();
      await stopChild(foreign);
      rmdirSync(foreignCgroup);
    }
  });

  it('pid files are believed only when no one else could have written them and they name a user process', async () => {
    const target = sleeper();
    const pidFile = (name: string, text: string, mode = 0o644) => {
      const file = path.join(dir, `${name}.pid`);
      writeFileSync(file, text, { mode });
      chmodSync(file, mode);
      return file;
    };
    const good = pidFile('good', `${target.pid}\n`);
    const linked = path.join(dir, 'linked.pid');
    symlinkSync(good, linked);
    const sleepBinary = realpathSync('/proc/' + String(target.pid) + '/exe');
    const agent = await startAgent({
      config: {
        resources: [
          resource({ name: 'junk', process: { pidFile: pidFile('junk', `${target.pid}abc`) } }),
          resource({ name: 'kthread', process: { pidFile: pidFile('kthread', '2') } }),
          resource({ name: 'open', process: { pidFile: pidFile('open', `${target.pid}`, 0o666) } }),
          resource({ name: 'linked', process: { pidFile: linked } }),
          resource({ name: 'other-exe', process: { pidFile: good, executable: '/usr/bin/python3' } }),
          resource({ name: 'ok', process: { pidFile: good, executable: sleepBinary } }),
        ],
      },
      listen: '127.0.0.1:0',
      stateDir: path.join(dir, 'pid-state'),
      cgroupPrefix: `hostile-pid-${process.pid}`,
    });
    try {
      const pause = (name: string) =>
        callAgent(agent, 'POST', '/v1/faults', {
          faultId: `pause-${name}`,
          resource: name,
          mode: 'process_pause',
          params: { duration: '10s' },
          leaseSeconds: 10,
        });
      for (const [name, field] of [
        ['junk', 'resource.process.pidFile'],
        ['kthread', 'resource.process.pidFile'],
        ['open', 'resource.process.pidFile'],
        ['linked', 'resource.process.pidFile'],
        ['other-exe', 'resource.process.executable'],
      ] as const) {
        const answer = await pause(name);
        assert.equal(answer.status, 403, `${name}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.field, field, name);
        assert.notEqual(procState(target.pid!), 'T', `${name} stopped nothing`);
      }
      assert.notEqual(procState(2), 'T');
      assert.equal((await pause('ok')).status, 200);
      assert.equal(procState(target.pid!), 'T');
      assert.equal((await callAgent(agent, 'DELETE', '/v1/faults/pause-ok')).body.verified, true);
      assert.notEqual(procState(target.pid!), 'T');
      assert.equal(agent.core.activeCount(), 0);
    } finally {
      await agent.stop();
    }
  });

  it('a pid file that later names another program, or a recycled pid, is refused (no process.executable)', async () => {
    const first = sleeper();
    const pidFile = path.join(dir, 'pinned.pid');
    const point = (pid: number) => writeFileSync(pidFile, `${pid}\n`, { mode: 0o644 });
    point(first.pid!);
    const agent = await startAgent({
      config: { resources: [resource({ name: 'svc', process: { pidFile } })] },
      listen: '127.0.0.1:0',
      stateDir: path.join(dir, 'pin-state'),
      cgroupPrefix: `hostile-pin-${process.pid}`,
    });
    const pause = (id: string) =>
      callAgent(agent, 'POST', '/v1/faults', {
        faultId: id,
        resource: 'svc',
        mode: 'process_pause',
        params: { duration: '10s' },
        leaseSeconds: 10,
      });
    const pauseAndResume = async (id: string, pid: number) => {
      assert.equal((await pause(id)).status, 200);
      assert.equal(procState(pid), 'T');
      assert.equal((await callAgent(agent, 'DELETE', `/v1/faults/${id}`)).body.verified, true);
      assert.notEqual(procState(pid), 'T');
    };
    const others: ChildProcess[] = [];
    try {
      await pauseAndResume('pin-1', first.pid!);
      assert.equal(agent.core.pidPins.get('svc')?.startTime, readProcStat(first.pid!)!.startTime);
      await stopChild(first);
      const start = (command: string, args: string[]) => {
        const child = spawn(command, args, { stdio: 'ignore' });
        others.push(child);
        return child;
      };
      for (const [i, other] of [start('tail', ['-f', '/dev/null']), start('sleep', ['999'])].entries()) {
        point(other.pid!);
        const answer = await pause(`forged-${i}`);
        assert.equal(answer.status, 403, JSON.stringify(answer.body));
        assert.equal(answer.body.field, 'resource.process.pidFile');
        assert.match(String(answer.body.error), /first validated/);
        assert.notEqual(procState(other.pid!), 'T', 'the other process was not touched');
      }
      // The service restarted: the same program under a new pid is believed, and pinned.
      const restarted = start('sleep', ['1000']);
      point(restarted.pid!);
      await pauseAndResume('pin-2', restarted.pid!);
      assert.equal(agent.core.pidPins.get('svc')?.pid, restarted.pid);
      assert.equal(agent.core.activeCount(), 0);
    } finally {
      await agent.stop();
      for (const child of others) await stopChild(child);
    }
  });

  it('disk_fill follows no link, keeps a minimum free, and frees its space even when the file was moved', async (t) => {
    const volume = path.join(dir, 'volume');
    mkdirSync(volume, { mode: 0o777 });
    const otherFs = path.join(dir, 'otherfs');
    mkdirSync(otherFs);
    if (!mountTmpfs(otherFs, '4m')) return t.skip('mounting a tmpfs needs root');
    mounts.push(otherFs);
    const victim = path.join(otherFs, 'root-only');
    writeFileSync(victim, '', { mode: 0o600 });
    // An unprivileged owner of the volume plants a link where the fill file will go.
    symlinkSync(victim, path.join(volume, '.foreshock-fill-attack-1'));
    const linkedVolume = path.join(dir, 'volume-link');
    symlinkSync(otherFs, linkedVolume);
    const agent = await startAgent({
      config: {
        resources: [
          resource({ name: 'vol', disk: { path: volume } }),
          resource({ name: 'vol-link', disk: { path: linkedVolume } }),
        ],
      },
      listen: '127.0.0.1:0',
      stateDir: path.join(dir, 'fill-state'),
      cgroupPrefix: `hostile-fill-${process.pid}`,
    });
    const fill = (faultId: string, resourceName: string, keepFree = '64MiB') =>
      callAgent(agent, 'POST', '/v1/faults', {
        faultId,
        resource: resourceName,
        mode: 'disk_fill',
        params: { size: '2MiB', keep_free: keepFree, duration: '10s' },
        leaseSeconds: 10,
      });
    try {
      const planted = await fill('attack-1', 'vol');
      assert.equal(planted.status, 403, JSON.stringify(planted.body));
      assert.equal(planted.body.field, 'resource.disk.path');
      assert.equal(statSync(victim).size, 0, 'the file behind the link did not grow');
      const viaLink = await fill('attack-2', 'vol-link');
      assert.equal(viaLink.status, 403);
      assert.equal(viaLink.body.field, 'resource.disk.path');
      const noMargin = await fill('attack-3', 'vol', '0');
      assert.equal(noMargin.status, 400);
      assert.equal(noMargin.body.field, 'params.keep_free');

      const applied = await fill('moved-1', 'vol');
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      const file = String((applied.body.detail as { file: string }).file);
      assert.equal(statSync(file).size, 2 * 1024 ** 2);
      const moved = path.join(volume, 'moved-away');
      renameSync(file, moved);
      assert.equal((await callAgent(agent, 'DELETE', '/v1/faults/moved-1')).body.verified, true);
      assert.equal(statSync(moved).size, 0, 'the space is freed though the file was renamed');
      assert.equal(agent.core.activeCount(), 0);
    } finally {
      await agent.stop();
    }
  });
});
