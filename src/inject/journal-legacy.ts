/**
 * A journal of an older agent (plain JSON lines, no journal.key beside it) is migrated once:
 * kept as journal.legacy (0600), its open records signed into journal.jsonl marked `migrated`
 * (recovery checks them against the config like any other), the rest reported. A file others
 * could have written is not taken over at all.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import path from 'node:path';
import {
  isRecord,
  KEY_BYTES,
  LINE,
  outstandingOf,
  signLine,
  type JournalRecord,
  type LegacyMigration,
  type RejectedLine,
} from './journal-format';
import { UnsafeStateError, writePrivateFile } from './state-dir';

const LEGACY_FILE = 'journal.legacy';

function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Migrates an older agent's journal (there is no key yet): the old file is kept as
 * journal.legacy, its open records are signed with a new key into journal.jsonl, and only then
 * does the key get its name, so an interrupted migration is done again on the next start.
 */
export function migrateLegacy(
  dir: string,
  keyFile: string,
): (LegacyMigration & { lines: string[] }) | undefined {
  const file = path.join(dir, 'journal.jsonl');
  const keyTmp = `${keyFile}.tmp`;
  if (existsSync(keyTmp)) {
    const first = existsSync(file) ? readFileSync(file, 'utf8').split('\n', 1)[0]! : '';
    // The journal was already rewritten with this key; only the key's rename was left to do.
    if (LINE.test(first)) {
      renameSync(keyTmp, keyFile);
      fsyncDir(dir);
      return undefined;
    }
    unlinkSync(keyTmp);
  }
  const legacy = readLegacy(file);
  if (!legacy) return undefined;
  const key = randomBytes(KEY_BYTES);
  writePrivateFile(keyTmp, key);
  writePrivateFile(path.join(dir, LEGACY_FILE), Buffer.from(legacy.text));
  const open = outstandingOf(legacy.records).map((r) => ({ ...r, migrated: true as const }));
  const signed = open.map((r) => signLine(key, r));
  writePrivateFile(`${file}.tmp`, Buffer.from(signed.join('')));
  renameSync(`${file}.tmp`, file);
  fsyncDir(dir);
  renameSync(keyTmp, keyFile);
  fsyncDir(dir);
  return { migrated: open.length, rejected: legacy.rejected, lines: legacy.text.split('\n') };
}

/**
 * The records of an older agent's journal (plain JSON lines) when only root or the agent's user
 * could have written it; every line is rejected when others could have.
 */
function readLegacy(
  file: string,
): { records: JournalRecord[]; rejected: RejectedLine[]; text: string } | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UnsafeStateError(`cannot open the older journal ${file}: ${(err as Error).message}`);
  }
  let text: string;
  let untrusted: string | undefined;
  try {
    const stat = fstatSync(fd);
    const uid = process.geteuid?.() ?? 0;
    if (!stat.isFile()) throw new UnsafeStateError(`${file} is not a regular file`);
    if ((stat.uid !== 0 && stat.uid !== uid) || (stat.mode & 0o022) !== 0) {
      untrusted = `older journal writable by others (uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)}): not migrated`;
    }
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const lines = text.split('\n');
  const records: JournalRecord[] = [];
  const rejected: RejectedLine[] = [];
  lines.forEach((line, index) => {
    if (!line) return;
    const fail = (reason: string) => rejected.push({ line: index + 1, reason, file: LEGACY_FILE });
    if (untrusted !== undefined) return fail(untrusted);
    if (LINE.test(line)) return fail('older journal: signed with a key that is gone');
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return fail(index === lines.length - 1 ? 'older journal: torn last line' : 'older journal: not JSON');
    }
    if (!isRecord(parsed) || (parsed.op !== 'apply' && parsed.op !== 'revert')) {
      return fail('older journal: not a journal record');
    }
    const { op, id, kind, resource, detail, at } = parsed;
    records.push({ op, id, kind, resource, detail, at: typeof at === 'string' ? at : '' });
  });
  return { records, rejected, text };
}
