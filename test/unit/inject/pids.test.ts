// PidPins decides on live processes of this test: the pinned record is what the agent saw when it
// first validated the resource; here it is set to what a recycled pid looks like from /proc.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { UnsafeTargetError } from '../../../src/inject/errors';
import { cmdlineOf, executableOf, PidPins } from '../../../src/inject/pids';
import { readProcStat } from '../../../src/inject/proc';

describe('PidPins', () => {
  it('pins the first process seen, refuses a recycled pid, believes a restart of the same program', async () => {
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    try {
      const pid = child.pid!;
      await new Promise((r) => setTimeout(r, 50));
      const pins = new PidPins();
      pins.check('svc', pid);
      const pinned = pins.get('svc')!;
      assert.equal(pinned.startTime, readProcStat(pid)!.startTime);
      assert.deepEqual(pinned.cmdline, ['sleep', '1000']);
      pins.check('svc', pid);

      // Same pid, another start time and another program: the pid was recycled.
      pins.pin('svc', { ...pinned, startTime: pinned.startTime - 1, executable: '/usr/bin/python3' });
      assert.throws(
        () => pins.check('svc', pid),
        (err: unknown) =>
          err instanceof UnsafeTargetError &&
          err.field === 'resource.process.pidFile' &&
          /was recycled/.test(err.message),
      );
      // Same pid, another start time, same program: the service restarted onto the same pid.
      pins.pin('svc', { ...pinned, startTime: pinned.startTime - 1 });
      pins.check('svc', pid);
      assert.equal(pins.get('svc')!.startTime, pinned.startTime, 'pinned afresh');
      assert.equal(executableOf(pid), pinned.executable);
      assert.deepEqual(cmdlineOf(pid), pinned.cmdline);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
