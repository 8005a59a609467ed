// The agent on the unified cgroup v2 hierarchy, with a real busy process. Where the host
// mounts one (this machine is hybrid: v1 holds cpu and memory, v2 offers freezing to every
// cgroup), process_pause freezes through cgroup.freeze; cpu_throttle either holds the process
// to its quota through cpu.max (v2 offers cpu) or is refused cleanly (it does not). Each test
// ends with nothing left applied.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resourceSchema } from '../../../src/config/schema';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { AgentApiError, AgentClient } from '../../../src/inject/client';
import { cpuPercent, spawnBusy, stopChild } from './support';

function cgroup2Mount(): string | undefined {
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mountPoint, type] = line.split(' ');
    if (type === 'cgroup2' && mountPoint) return mountPoint;
  }
  return undefined;
}

/** The pid's path in the unified hierarchy (the `0::` line). */
function v2PathOf(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  return line?.slice(3) ?? '?';
}

const mount = cgroup2Mount();

describe(
  'inject: cgroup v2 hierarchy',
  { timeout: 60_000, skip: mount ? false : 'this host mounts no cgroup2 hierarchy' },
  () => {
    let agent: RunningAgent;
    let client: AgentClient;
    let dir: string;
    let busy: ChildProcess;
    let busyPid: number;
    let originalPath: string;
    const prefix = `v2test-${process.pid}`;

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-v2-test-'));
      busy = spawnBusy();
      busyPid = busy.pid!;
      originalPath = v2PathOf(busyPid);
      writeFileSync(path.join(dir, 'busy.pid'), String(busyPid));
      agent = await startAgent({
        config: {
          resources: [
            resourceSchema.parse({
              name: 'busy',
              type: 'worker',
              process: { pidFile: path.join(dir, 'busy.pid') },
            }),
          ],
          agent: { cgroupVersion: 2 },
        },
        listen: '127.0.0.1:0',
        stateDir: path.join(dir, 'state'),
        cgroupPrefix: prefix,
      });
      // The config's choice, on a hybrid host where auto would take v1.
      assert.deepEqual(agent.cgroups?.layout, {
        version: 2,
        mounts: { cpu: mount, freezer: mount, memory: mount },
      });
      client = new AgentClient({ url: agent.url, token: agent.token });
    });

    after(async () => {
      await agent?.stop();
      if (busy) await stopChild(busy);
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (mount && existsSync(path.join(mount, 'foreshock'))) {
        const ours = readdirSync(path.join(mount, 'foreshock')).filter((e) => e.startsWith(prefix));
        assert.deepEqual(ours, [], 'no cgroup of this test is left in the v2 hierarchy');
      }
    });

    async function assertClean(): Promise<void> {
      assert.equal(agent.core.activeCount(), 0, 'no fault is left applied');
      assert.deepEqual(agent.cgroups?.leftovers(), [], 'none of our cgroups is left');
      assert.equal(v2PathOf(busyPid), originalPath, 'the busy process is back in its own cgroup');
      const running = await cpuPercent(busyPid, 500);
      assert.ok(running > 30, `the busy process runs again (${running.toFixed(1)}% of a core)`);
    }

    it('process_pause by freezer freezes a real busy process through cgroup.freeze, and thaws it', async () => {
      const state = await client.apply({
        faultId: 'freeze-1',
        resource: 'busy',
        mode: 'process_pause',
        params: { method: 'freezer', duration: '20s' },
        leaseSeconds: 30,
      });
      const cgroupDir = String(state.detail?.cgroup);
      assert.ok(cgroupDir.startsWith(path.join(mount!, 'foreshock')), cgroupDir);
      assert.equal(v2PathOf(busyPid), cgroupDir.slice(mount!.length));
      assert.match(readFileSync(path.join(cgroupDir, 'cgroup.events'), 'utf8'), /frozen 1/);
      const frozen = await cpuPercent(busyPid, 600);
      assert.ok(frozen < 2, `a frozen process used ${frozen.toFixed(1)}% of a core`);

      const result = await client.revert('freeze-1');
      assert.equal(result.verified, true);
      assert.equal(existsSync(cgroupDir), false);
      await assertClean();
    });

    it('cpu_throttle holds the process to cpu.max where v2 offers cpu, else is refused with nothing half-applied', async () => {
      const offered = readFileSync(path.join(mount!, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
      const request = {
        faultId: 'throttle-1',
        resource: 'busy',
        mode: 'cpu_throttle' as const,
        params: { percent: 20, duration: '20s' },
        leaseSeconds: 30,
      };
      if (offered.includes('cpu')) {
        const state = await client.apply(request);
        const cgroupDir = String(state.detail?.cgroup);
        assert.equal(readFileSync(path.join(cgroupDir, 'cpu.max'), 'utf8').trim(), '20000 100000');
        const throttled = await cpuPercent(busyPid, 1500);
        assert.ok(throttled < 20 * 1.6, `throttled process used ${throttled.toFixed(1)}% (quota 20%)`);
        assert.equal((await client.revert('throttle-1')).verified, true);
      } else {
        await assert.rejects(client.apply(request), (err: unknown) => {
          assert.ok(err instanceof AgentApiError);
          assert.match(err.message, /cpu controller is not available in the cgroup v2 hierarchy/);
          return true;
        });
      }
      await assertClean();
    });
  },
);
