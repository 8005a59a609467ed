/**
 * disk_fill: a file of `size` bytes allocated (fallocate) on the resource's volume, cut short
 * so that at least `keep_free` stays free. Revert deletes the file.
 */
import { execFile } from 'node:child_process';
import { existsSync, statfsSync, unlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { InjectionFailedError, InvalidRequestError } from '../errors';
import { toolOf, wholeOrNothing } from './host-target';
import { registerFault } from './registry';

const run = promisify(execFile);
const MIN_FILL_BYTES = 1024 ** 2;

function removeFile(file: string): void {
  if (existsSync(file)) unlinkSync(file);
}

registerFault({
  mode: 'disk_fill',
  journaled: true,
  async apply(target, params, lease, host) {
    const dir = target.resource.disk?.path;
    if (!dir)
      throw new InvalidRequestError(
        `resource ${target.resource.name} has no disk`,
        'resource',
        'a resource with disk: {path}',
      );
    const fallocate = toolOf(host, 'fallocate', 'util-linux');
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    const bytes = Math.min(params.size, free - params.keep_free);
    if (bytes < MIN_FILL_BYTES) {
      throw new InvalidRequestError(
        `filling ${dir} would leave less than keep_free (${params.keep_free} bytes) free`,
        'params.keep_free',
        `at most ${Math.max(0, free - MIN_FILL_BYTES)} bytes with ${free} bytes free now`,
      );
    }
    const file = path.join(dir, `.foreshock-fill-${lease.faultId.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
    host.journal.recordApply(lease.faultId, 'disk_fill', target.resource.name, { file });
    await wholeOrNothing(
      async () => {
        await run(fallocate, ['-l', String(bytes), file]);
        if (statSync(file).size !== bytes)
          throw new InjectionFailedError(`the fill file ${file} has the wrong size`);
      },
      async () => removeFile(file),
    );
    return {
      detail: { file, bytes, freeBefore: free },
      async revert() {
        removeFile(file);
      },
      async isPresent() {
        return existsSync(file);
      },
    };
  },
  async recover(detail) {
    removeFile(String(detail.file));
  },
});
