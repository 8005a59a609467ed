/** External tools (fallocate, fiu-ctrl…) run with a deadline: none may hold a resource's lock for ever. */
import { spawn, type StdioOptions } from 'node:child_process';
import { InjectionFailedError } from './errors';

/** @default timeouts of the tools the agent runs, in ms */
export const TOOL_TIMEOUT_MS = { fallocate: 60_000, fiuCtrl: 5000 } as const;

export function runTool(
  file: string,
  args: string[],
  options: { timeoutMs: number; stdio?: StdioOptions },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: options.stdio ?? ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.once('error', (err) => reject(new InjectionFailedError(`${file}: ${err.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      const why =
        signal === 'SIGKILL' ? `timed out after ${options.timeoutMs} ms` : `exited with ${code ?? signal}`;
      reject(new InjectionFailedError(`${file} ${args.join(' ')} ${why}: ${stderr.trim()}`));
    });
  });
}
