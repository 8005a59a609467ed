/** External tools (fallocate, fiu-ctrl…) run with a deadline: none may hold a resource's lock for ever. */
import { spawn, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import { InjectionFailedError, ToolTimeoutError } from './errors';

/** @default timeouts of the tools the agent runs, in ms */
export const TOOL_TIMEOUT_MS = { fallocate: 60_000, fiuCtrl: 5000 } as const;

export type ToolTimeouts = { [tool in keyof typeof TOOL_TIMEOUT_MS]: number };

/** The deadline of `tool`: the agent's setting, else TOOL_TIMEOUT_MS. */
export function toolTimeoutMs(
  tool: keyof typeof TOOL_TIMEOUT_MS,
  configured: Partial<ToolTimeouts> | undefined,
): number {
  return configured?.[tool] ?? TOOL_TIMEOUT_MS[tool];
}

/**
 * Runs `file` in a process group of its own and waits for it to exit. Past `timeoutMs` the whole
 * group is SIGKILLed (helpers it forked included) and the call fails with ToolTimeoutError.
 */
export function runTool(
  file: string,
  args: string[],
  options: { timeoutMs: number; stdio?: StdioOptions },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: options.stdio ?? ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new InjectionFailedError(`${file}: ${err.message}`));
    });
    // 'exit', not 'close': a helper left holding stderr must not keep the caller waiting.
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      killGroup(child.pid);
      child.stderr?.destroy();
      if (code === 0 && !timedOut) return resolve();
      if (timedOut) {
        const name = path.basename(file);
        return reject(
          new ToolTimeoutError(
            `${name} ${args.join(' ')} did not finish within ${options.timeoutMs} ms and was killed`,
            name,
            options.timeoutMs,
          ),
        );
      }
      reject(
        new InjectionFailedError(`${file} ${args.join(' ')} exited with ${code ?? signal}: ${stderr.trim()}`),
      );
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}
