/**
 * The agent's state directory: journal, journal key, logs, a generated token. Everything in it
 * is root power on the next start, so it must be absolute and writable by the agent's user
 * alone: the directory 0700, its files 0600, owned by the agent's uid, no symlinks.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentError, InvalidRequestError } from './errors';
import { writeAll } from './journal-format';

/** The state directory or one of its files is not safe to trust. */
export class UnsafeStateError extends AgentError {
  override name = 'UnsafeStateError';
  constructor(message: string, field = 'stateDir') {
    super(500, message, field, 'an absolute directory owned by the agent user, mode 0700, files 0600');
  }
}

const euid = () => process.geteuid?.() ?? 0;

/** The state directory of an agent whose config names none. */
export const ROOT_STATE_DIR = '/var/lib/foreshock/agent';

/**
 * Where the agent keeps its state when the config names no `agent.stateDir`: ROOT_STATE_DIR
 * for root, else `$XDG_STATE_HOME/foreshock/agent` (`~/.local/state` when unset or relative).
 * Never relative: the working directory has no say.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, uid = euid()): string {
  if (uid === 0) return ROOT_STATE_DIR;
  const xdg = env.XDG_STATE_HOME;
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'foreshock', 'agent');
}

/** The state directory the agent was given, or the default; a relative one is refused, naming `field`. */
export function stateDirOf(given: string | undefined, field = 'stateDir'): string {
  if (given === undefined) return defaultStateDir();
  if (!path.isAbsolute(given)) {
    throw new InvalidRequestError(
      `the state directory ${given} is relative: it would depend on the working directory`,
      field,
      `an absolute directory (default ${defaultStateDir()})`,
    );
  }
  return path.normalize(given);
}

/**
 * Creates the directory 0700 (and missing parents 0755) or checks an existing one: a real
 * directory (not a link), owned by the agent's uid, no access for group or others (tightened
 * to 0700 when the agent owns it).
 */
export function secureStateDir(dir: string): string {
  if (!path.isAbsolute(dir)) throw new UnsafeStateError(`the state directory ${dir} is not absolute`);
  mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const stat = lstatSync(dir);
  if (!stat.isDirectory())
    throw new UnsafeStateError(`the state directory ${dir} is not a directory (or is a link)`);
  if (stat.uid !== euid()) {
    throw new UnsafeStateError(
      `the state directory ${dir} is owned by uid ${stat.uid}, not the agent's ${euid()}`,
    );
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/** Opens `file` without following a link; refuses one that others may write or read. */
export function openPrivate(file: string, flags: number): number {
  const fd = openSync(file, flags | constants.O_NOFOLLOW, 0o600);
  const stat = fstatSync(fd);
  if (!stat.isFile() || stat.uid !== euid() || (stat.mode & 0o077) !== 0) {
    closeSync(fd);
    throw new UnsafeStateError(
      `${file} must be a regular file owned by uid ${euid()} with mode 0600 (is ${(stat.mode & 0o777).toString(8)}, uid ${stat.uid})`,
      'stateDir',
    );
  }
  return fd;
}

/** The secret in `file` (created with `bytes` random bytes, 0600, when absent). */
export function readOrCreateSecret(file: string, bytes: number): Buffer {
  try {
    const fd = openSync(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    const secret = randomBytes(bytes);
    writeSync(fd, secret);
    closeSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const fd = openPrivate(file, constants.O_RDONLY);
  try {
    const secret = Buffer.alloc(bytes);
    const read = readSync(fd, secret, 0, bytes, 0);
    if (read !== bytes) throw new UnsafeStateError(`${file} holds ${read} bytes, not ${bytes}`);
    return secret;
  } finally {
    closeSync(fd);
  }
}

/** Writes `file` whole (created or truncated, no link followed, 0600) and syncs it. */
export function writePrivateFile(file: string, data: Buffer): void {
  const fd = openSync(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    fchmodSync(fd, 0o600);
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
