/**
 * process_crash: SIGKILL the resource's process. Its supervisor (the agent, for a
 * `process.command`; something else for a `pidFile`) brings it back; revert waits for and
 * verifies a live replacement within `restart_timeout`.
 */
import { readFileSync } from 'node:fs';
import { isAlive, pollUntil } from '../proc';
import { registerFault } from './registry';
import type { FaultTarget } from './types';

function pidFromFile(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function replacementOf(target: FaultTarget, killed: number[]): number | undefined {
  const pid = target.supervisor
    ? target.supervisor.pid
    : target.resource.process?.pidFile
      ? pidFromFile(target.resource.process.pidFile)
      : undefined;
  return pid !== undefined && !killed.includes(pid) && isAlive(pid) ? pid : undefined;
}

registerFault({
  mode: 'process_crash',
  journaled: false,
  async apply(target, params) {
    const killed = target.processPids();
    for (const pid of killed) process.kill(pid, 'SIGKILL');
    const detail: Record<string, unknown> = {
      killedPids: killed,
      supervised: target.supervisor !== undefined,
    };
    return {
      detail,
      async revert() {
        let found: number | undefined;
        await pollUntil(
          () => (found = replacementOf(target, killed)) !== undefined,
          params.restart_timeout,
          25,
        );
        if (found !== undefined) detail.replacementPid = found;
      },
      async isPresent() {
        return replacementOf(target, killed) === undefined;
      },
    };
  },
});
