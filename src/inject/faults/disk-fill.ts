/**
 * disk_fill: a file of `size` bytes allocated (fallocate) on the resource's volume, cut short
 * so that at least `keep_free` (never under MIN_KEEP_FREE_BYTES) stays free. Revert empties
 * and deletes the file.
 *
 * The owner of `disk.path` need not be trusted: the path must have no symbolic link in it, the
 * directory is opened once and the file created inside that very directory with
 * O_CREAT|O_EXCL|O_NOFOLLOW (never an existing file or link), fallocate works on the open file,
 * and it must lie on the directory's filesystem. The file stays open while the fault is
 * applied, so a revert frees the space even when someone renamed the file.
 */
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  realpathSync,
  statfsSync,
  unlinkSync,
} from 'node:fs';
import path from 'node:path';
import type { ResourceConfig } from '../../config/schema';
import {
  InjectionFailedError,
  InvalidRequestError,
  RecoveryRefusedError,
  UnsafeTargetError,
} from '../errors';
import { runTool, toolTimeoutMs } from '../tools';
import { toolOf, wholeOrNothing } from './host-target';
import { registerFault } from './registry';

const MIN_FILL_BYTES = 1024 ** 2;
/** keep_free is at least this: a fill never takes a volume to its last bytes. */
export const MIN_KEEP_FREE_BYTES = 64 * 1024 ** 2;

export function fillFileName(faultId: string): string {
  return `.foreshock-fill-${faultId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

function diskDirOf(resource: ResourceConfig): string {
  const dir = resource.disk?.path;
  if (!dir)
    throw new InvalidRequestError(
      `resource ${resource.name} has no disk`,
      'resource',
      'a resource with disk: {path}',
    );
  return dir;
}

/** Opens the declared directory, refusing a relative path or one with a symbolic link in it. */
function openVerifiedDir(dir: string): number {
  const field = 'resource.disk.path';
  if (!path.isAbsolute(dir))
    throw new UnsafeTargetError(`${dir} is not absolute`, field, 'an absolute directory');
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    throw new InjectionFailedError(`${dir} does not exist`, field, 'an existing directory');
  }
  if (real !== path.resolve(dir)) {
    throw new UnsafeTargetError(
      `${dir} has a symbolic link in its path (it leads to ${real})`,
      field,
      'a path without symbolic links',
    );
  }
  const before = lstatSync(dir);
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  const opened = fstatSync(fd);
  if (opened.ino !== before.ino || opened.dev !== before.dev) {
    closeSync(fd);
    throw new UnsafeTargetError(
      `${dir} changed while it was being opened`,
      field,
      'a directory no one else replaces',
    );
  }
  return fd;
}

/** A path inside the directory held open as `dirFd` (the kernel resolves it from that directory). */
const inDir = (dirFd: number, name: string) => `/proc/self/fd/${dirFd}/${name}`;

function removeIfOurs(dirFd: number, name: string, ino: number): void {
  try {
    if (lstatSync(inDir(dirFd, name)).ino === ino) unlinkSync(inDir(dirFd, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

registerFault({
  mode: 'disk_fill',
  journaled: true,
  async apply(target, params, lease, host) {
    const dir = diskDirOf(target.resource);
    if (params.keep_free < MIN_KEEP_FREE_BYTES) {
      throw new InvalidRequestError(
        `keep_free ${params.keep_free} bytes would let the fill take the volume to its last bytes`,
        'params.keep_free',
        `≥ ${MIN_KEEP_FREE_BYTES} bytes (64MiB)`,
      );
    }
    const fallocate = toolOf(host, 'fallocate', 'util-linux');
    const dirFd = openVerifiedDir(dir);
    const name = fillFileName(lease.faultId);
    const file = path.join(dir, name);
    let fd: number | undefined;
    try {
      const fs = statfsSync(inDir(dirFd, '.'));
      const free = fs.bavail * fs.bsize;
      const bytes = Math.min(params.size, free - params.keep_free);
      if (bytes < MIN_FILL_BYTES) {
        throw new InvalidRequestError(
          `filling ${dir} would leave less than keep_free (${params.keep_free} bytes) free`,
          'params.keep_free',
          `at most ${Math.max(0, free - MIN_FILL_BYTES)} bytes with ${free} bytes free now`,
        );
      }
      const dev = fstatSync(dirFd).dev;
      host.journal.recordApply(lease.faultId, 'disk_fill', target.resource.name, { file });
      try {
        fd = openSync(
          inDir(dirFd, name),
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
      } catch (err) {
        host.journal.recordRevert(lease.faultId, 'disk_fill', target.resource.name);
        throw new UnsafeTargetError(
          `cannot create ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (something is already there)`,
          'resource.disk.path',
          'a directory where the fill file does not exist yet',
        );
      }
      const fileFd = fd;
      const ino = fstatSync(fileFd).ino;
      await wholeOrNothing(
        async () => {
          if (fstatSync(fileFd).dev !== dev) {
            throw new UnsafeTargetError(
              `${file} is not on the filesystem of ${dir}`,
              'resource.disk.path',
              'the declared filesystem',
            );
          }
          await runTool(fallocate, ['-l', String(bytes), '/dev/fd/3'], {
            timeoutMs: toolTimeoutMs('fallocate', host.toolTimeoutsMs),
            stdio: ['ignore', 'ignore', 'pipe', fileFd],
          });
          if (fstatSync(fileFd).size !== bytes)
            throw new InjectionFailedError(`the fill file ${file} has the wrong size`);
        },
        async () => {
          ftruncateSync(fileFd, 0);
          removeIfOurs(dirFd, name, ino);
          closeSync(fileFd);
          closeSync(dirFd);
        },
        () => host.journal.recordRevert(lease.faultId, 'disk_fill', target.resource.name),
      );
      let open = true;
      return {
        detail: { file, bytes, freeBefore: free },
        async revert() {
          if (!open) return;
          ftruncateSync(fileFd, 0);
          removeIfOurs(dirFd, name, ino);
          closeSync(fileFd);
          closeSync(dirFd);
          open = false;
        },
        async isPresent() {
          if (open) return true;
          try {
            return lstatSync(file).ino === ino;
          } catch {
            return false;
          }
        },
      };
    } catch (err) {
      if (fd === undefined) closeSync(dirFd);
      throw err;
    }
  },
  async recover(detail, _host, scope) {
    const dir = diskDirOf(scope.resource);
    const name = fillFileName(scope.faultId);
    if (detail.file !== path.join(dir, name)) {
      throw new RecoveryRefusedError(
        `the journal names ${String(detail.file)}, not ${path.join(dir, name)}`,
        'journal.detail.file',
      );
    }
    const dirFd = openVerifiedDir(dir);
    try {
      let stat;
      try {
        stat = lstatSync(inDir(dirFd, name));
      } catch {
        return;
      }
      if (!stat.isFile() || stat.dev !== fstatSync(dirFd).dev) {
        throw new RecoveryRefusedError(
          `${path.join(dir, name)} is not a regular file on ${dir}'s filesystem`,
          'journal.detail.file',
        );
      }
      const fd = openSync(inDir(dirFd, name), constants.O_WRONLY | constants.O_NOFOLLOW);
      try {
        ftruncateSync(fd, 0);
        removeIfOurs(dirFd, name, fstatSync(fd).ino);
      } finally {
        closeSync(fd);
      }
    } finally {
      closeSync(dirFd);
    }
  },
});
