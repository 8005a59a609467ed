// Host faults on real processes the test starts: cgroup CPU quota on a busy loop, SIGSTOP and
// freezer on a supervised process, SIGKILL and restart, libfiu read errors under fiu-run -x,
// a fill file, stress-ng in a bounded cgroup. Each test ends with nothing left applied.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resourceSchema } from '../../../src/config/schema';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { AgentApiError, AgentClient } from '../../../src/inject/client';
import { waitUntil } from '../../../src/testing/ports';
import { cgroupPath, cpuPercent, procState, spawnBusy, stopChild } from './support';

describe('inject: host faults on real processes', { timeout: 120_000 }, () => {
  let agent: RunningAgent;
  let client: AgentClient;
  let dir: string;
  let busy: ChildProcess;
  let busyPid: number;
  let originalCpuCgroup: string;
  const logOf = (resource: string) => path.join(dir, 'state', 'logs', `${resource}.log`);

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-host-test-'));
    busy = spawnBusy();
    busyPid = busy.pid!;
    originalCpuCgroup = cgroupPath(busyPid, 'cpu');
    writeFileSync(path.join(dir, 'busy.pid'), String(busyPid));
    writeFileSync(path.join(dir, 'init.pid'), '1');
    writeFileSync(path.join(dir, 'self.pid'), String(process.pid));
    writeFileSync(path.join(dir, 'data.txt'), 'payload\n');
    const readLoop = `while :; do if read -r line < ${path.join(dir, 'data.txt')}; then echo "ok $line"; else echo "err"; fi; sleep 0.05; done`;
    agent = await startAgent({
      config: {
        resources: [
          resourceSchema.parse({
            name: 'busy',
            type: 'worker',
            process: { pidFile: path.join(dir, 'busy.pid') },
          }),
          resourceSchema.parse({ name: 'sleeper', type: 'worker', process: { command: ['sleep', '1000'] } }),
          resourceSchema.parse({
            name: 'reader',
            type: 'worker',
            process: { command: ['bash', '-c', readLoop], underFiu: true },
          }),
          resourceSchema.parse({ name: 'volume', type: 'storage', disk: { path: dir } }),
          resourceSchema.parse({
            name: 'init',
            type: 'worker',
            process: { pidFile: path.join(dir, 'init.pid') },
          }),
          resourceSchema.parse({
            name: 'self',
            type: 'worker',
            process: { pidFile: path.join(dir, 'self.pid') },
          }),
        ],
      },
      listen: '127.0.0.1:0',
      stateDir: path.join(dir, 'state'),
      cgroupPrefix: `hosttest-${process.pid}`,
    });
    client = new AgentClient({ url: agent.url, token: agent.token });
  });

  after(async () => {
    await agent?.stop();
    if (busy) await stopChild(busy);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function assertClean(): Promise<void> {
    assert.equal(agent.core.activeCount(), 0, 'no fault is left applied');
    assert.deepEqual(agent.cgroups?.leftovers(), [], 'none of our cgroups is left');
    assert.equal(cgroupPath(busyPid, 'cpu'), originalCpuCgroup, 'the busy process is in its own cpu cgroup');
    const sleeperPid = agent.supervisors.get('sleeper')!.pid!;
    assert.notEqual(procState(sleeperPid), 'T', 'the supervised process is not stopped');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('.foreshock-fill')),
      [],
      'no fill file is left',
    );
  }

  it('cpu_throttle holds a busy process to about its quota, and lifts it on revert', async () => {
    const state = await client.apply({
      faultId: 'cpu-1',
      resource: 'busy',
      mode: 'cpu_throttle',
      params: { percent: 20, duration: '30s' },
      leaseSeconds: 30,
    });
    const cgroupDir = String(state.detail?.cgroup);
    assert.ok(existsSync(cgroupDir));
    assert.equal(readFileSync(path.join(cgroupDir, 'cpu.cfs_quota_us'), 'utf8').trim(), '20000');
    assert.notEqual(cgroupPath(busyPid, 'cpu'), originalCpuCgroup);
    const throttled = await cpuPercent(busyPid, 1500);
    assert.ok(throttled < 20 * 1.6, `throttled process used ${throttled.toFixed(1)}% of a core (quota 20%)`);

    await client.update('cpu-1', { percent: 60 });
    assert.equal(readFileSync(path.join(cgroupDir, 'cpu.cfs_quota_us'), 'utf8').trim(), '60000');

    const result = await client.revert('cpu-1');
    assert.equal(result.verified, true);
    assert.equal(existsSync(cgroupDir), false);
    const free = await cpuPercent(busyPid, 1000);
    assert.ok(
      free > Math.max(throttled * 1.5, 30),
      `after revert ${free.toFixed(1)}% (throttled ${throttled.toFixed(1)}%)`,
    );
    await assertClean();
  });

  it('process_pause stops the process (state T) and resumes it; the freezer method too', async () => {
    const pid = agent.supervisors.get('sleeper')!.pid!;
    await client.apply({
      faultId: 'pause-1',
      resource: 'sleeper',
      mode: 'process_pause',
      params: { duration: '10s' },
      leaseSeconds: 30,
    });
    assert.equal(procState(pid), 'T');
    assert.equal((await client.revert('pause-1')).verified, true);
    // a resumed or restarted process may be running (R) for a moment on a busy machine
    await waitUntil('the resumed process sleeps', async () => procState(pid) === 'S', {
      timeoutMs: 5_000,
      intervalMs: 50,
    }).catch(() => undefined);
    assert.equal(procState(pid), 'S');

    const frozen = await client.apply({
      faultId: 'pause-2',
      resource: 'sleeper',
      mode: 'process_pause',
      params: { method: 'freezer', duration: '10s' },
      leaseSeconds: 30,
    });
    const freezerDir = String(frozen.detail?.cgroup);
    assert.equal(readFileSync(path.join(freezerDir, 'freezer.state'), 'utf8').trim(), 'FROZEN');
    assert.ok(readFileSync(path.join(freezerDir, 'cgroup.procs'), 'utf8').includes(String(pid)));
    assert.equal((await client.revert('pause-2')).verified, true);
    assert.equal(existsSync(freezerDir), false);
    assert.equal(cgroupPath(pid, 'freezer'), '/');
    await assertClean();
  });

  it('process_crash kills the process and the revert verifies the agent restarted it', async () => {
    const supervisor = agent.supervisors.get('sleeper')!;
    const before = supervisor.pid!;
    const state = await client.apply({
      faultId: 'crash-1',
      resource: 'sleeper',
      mode: 'process_crash',
      params: { restart_timeout: '5s' },
      leaseSeconds: 30,
    });
    assert.deepEqual(state.detail?.killedPids, [before]);
    const result = await client.revert('crash-1');
    assert.equal(result.verified, true);
    const after = supervisor.pid!;
    assert.notEqual(after, before);
    // a resumed or restarted process may be running (R) for a moment on a busy machine
    await waitUntil('the restarted process sleeps', async () => procState(after) === 'S', {
      timeoutMs: 5_000,
      intervalMs: 50,
    }).catch(() => undefined);
    assert.equal(procState(after), 'S');
    assert.equal(existsSync(`/proc/${before}`), false);
    await assertClean();
  });

  it('disk_error makes reads fail in a process under fiu-run -x, and they recover on revert', async () => {
    const log = logOf('reader');
    await waitUntil(
      'the reader to read',
      async () => existsSync(log) && readFileSync(log, 'utf8').includes('ok payload'),
      { timeoutMs: 10_000 },
    );
    const mark = readFileSync(log, 'utf8').length;
    await client.apply({
      faultId: 'disk-1',
      resource: 'reader',
      mode: 'disk_error',
      params: { points: ['posix/io/rw/read'], duration: '10s' },
      leaseSeconds: 30,
    });
    await waitUntil('a read error', async () => readFileSync(log, 'utf8').slice(mark).includes('err'), {
      timeoutMs: 5000,
      intervalMs: 50,
    });
    assert.equal((await client.revert('disk-1')).verified, true);
    await new Promise((r) => setTimeout(r, 300));
    const settled = readFileSync(log, 'utf8').length;
    await new Promise((r) => setTimeout(r, 500));
    const tail = readFileSync(log, 'utf8').slice(settled).split('\n').filter(Boolean);
    assert.ok(tail.length >= 3, `the reader kept reading (${tail.length} lines)`);
    assert.ok(
      tail.every((line) => line === 'ok payload'),
      `reads succeed again: ${tail.join(' | ')}`,
    );
    await assertClean();
  });

  it('disk_fill allocates a file, leaves keep_free free, and deletes it on revert', async () => {
    const state = await client.apply({
      faultId: 'fill-1',
      resource: 'volume',
      mode: 'disk_fill',
      params: { size: '8MiB', keep_free: '64MiB', duration: '10s' },
      leaseSeconds: 30,
    });
    const file = String(state.detail?.file);
    assert.equal(readFileSync(file).length, 8 * 1024 ** 2);
    assert.equal((await client.revert('fill-1')).verified, true);
    assert.equal(existsSync(file), false);
    await assert.rejects(
      client.apply({
        faultId: 'fill-2',
        resource: 'volume',
        mode: 'disk_fill',
        params: { size: '8MiB', keep_free: '1TiB', duration: '10s' },
        leaseSeconds: 30,
      }),
      (err: unknown) =>
        err instanceof AgentApiError && err.status === 400 && err.body.field === 'params.keep_free',
    );
    await assertClean();
  });

  it('cpu_stress and memory_pressure run stress-ng inside bounded cgroups and stop it on revert', async () => {
    const cpu = await client.apply({
      faultId: 'stress-1',
      resource: 'volume',
      mode: 'cpu_stress',
      params: { workers: 1, load: 30, duration: '10s' },
      leaseSeconds: 30,
    });
    const cpuDir = (cpu.detail?.cgroups as { dir: string }[])[0]!.dir;
    assert.equal(readFileSync(path.join(cpuDir, 'cpu.cfs_quota_us'), 'utf8').trim(), '30000');
    await waitUntil(
      'stress-ng workers in the cgroup',
      async () => readFileSync(path.join(cpuDir, 'cgroup.procs'), 'utf8').trim().split('\n').length >= 2,
      { timeoutMs: 5000 },
    );
    const pids = readFileSync(path.join(cpuDir, 'cgroup.procs'), 'utf8').trim().split('\n').map(Number);
    assert.equal((await client.revert('stress-1')).verified, true);
    assert.ok(
      pids.every((pid) => !existsSync(`/proc/${pid}`) || procState(pid) === 'Z'),
      'every stressor is gone',
    );

    const mem = await client.apply({
      faultId: 'mem-1',
      resource: 'volume',
      mode: 'memory_pressure',
      params: { size: '16MiB', duration: '10s' },
      leaseSeconds: 30,
    });
    const memDir = (mem.detail?.cgroups as { dir: string }[])[0]!.dir;
    assert.equal(
      Number(readFileSync(path.join(memDir, 'memory.limit_in_bytes'), 'utf8')),
      16 * 1024 ** 2 + 64 * 1024 ** 2,
    );
    assert.equal((await client.revert('mem-1')).verified, true);
    assert.equal(existsSync(memDir), false);
    await assertClean();
  });

  it('refuses PID 1 and the agent itself, naming the field', async () => {
    for (const resource of ['init', 'self']) {
      await assert.rejects(
        client.apply({
          faultId: `unsafe-${resource}`,
          resource,
          mode: 'process_pause',
          params: { duration: '10s' },
          leaseSeconds: 30,
        }),
        (err: unknown) =>
          err instanceof AgentApiError && err.status === 403 && err.body.field === 'resource.process',
      );
    }
    assert.notEqual(procState(process.pid), 'T');
    await assertClean();
  });
});
