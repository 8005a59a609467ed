/**
 * The host journal: an append-only file of signed lines, fsync'd before a host-level change is
 * made (a cgroup quota, a stopped process, a fiu point, a fill file, a failover, a process the
 * agent started). On start the agent undoes every change the journal shows as still in effect,
 * so a crash of the agent itself leaves nothing behind.
 *
 *   <hmac-sha256 hex of the JSON, keyed by journal.key> <JSON record>\n
 *
 * An append is the whole line or nothing: a short write (ENOSPC) is cut back off, and if even
 * that fails the next record starts on a fresh line, so a torn line never swallows the next.
 * A line whose signature does not verify is never acted on; it is reported and set aside.
 *
 * A journal of an older agent (plain JSON lines, no journal.key yet) is migrated once: its open
 * records are signed into the new journal marked `migrated` (recovery then checks each against
 * the config like any other), the rest of it is reported; a file others could have written is
 * not migrated at all, only reported. The old file stays as journal.legacy (0600).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
} from 'node:fs';
import path from 'node:path';
import { AgentError } from './errors';
import {
  isRecord,
  KEY_BYTES,
  LINE,
  outstandingOf,
  signLine,
  writeAll,
  type JournalRecord,
  type LegacyMigration,
  type RejectedLine,
} from './journal-format';
import { migrateLegacy } from './journal-legacy';
import { openPrivate, readOrCreateSecret, secureStateDir } from './state-dir';

export type { JournalRecord, LegacyMigration, RejectedLine } from './journal-format';

/** The journal could not be written (disk full, I/O error); nothing was changed on the host. */
export class JournalWriteError extends AgentError {
  override name = 'JournalWriteError';
  constructor(message: string) {
    super(507, message, 'journal', 'a state directory with free space');
  }
}

export class Journal {
  private fd: number;
  private closed = false;
  /** A write failed and could not be cut back: the next record starts with a newline. */
  private tornTail: boolean;
  /** Revert records that could not be written yet; retried before every append. */
  private readonly unwritten: JournalRecord[] = [];
  /** Set when this open found an older agent's journal and migrated it. */
  legacy: LegacyMigration | undefined;

  private constructor(
    readonly dir: string,
    private readonly key: Buffer,
  ) {
    this.fd = openPrivate(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
    const size = fstatSync(this.fd).size;
    this.tornTail =
      size > 0 &&
      !readFileSync(this.file)
        .subarray(size - 1)
        .equals(Buffer.from('\n'));
  }

  /** Opens (creating it 0700) the state directory `dir`, its key and its journal. */
  static open(dir: string): Journal {
    secureStateDir(dir);
    const keyFile = path.join(dir, 'journal.key');
    const legacy = existsSync(keyFile) ? undefined : migrateLegacy(dir, keyFile);
    const journal = new Journal(dir, readOrCreateSecret(keyFile, KEY_BYTES));
    if (legacy) {
      if (legacy.rejected.length) journal.setAsideLines(legacy.rejected, legacy.lines);
      journal.legacy = { migrated: legacy.migrated, rejected: legacy.rejected };
    }
    return journal;
  }

  get file(): string {
    return path.join(this.dir, 'journal.jsonl');
  }

  /** Revert records still waiting to be written. */
  get pendingWrites(): number {
    return this.unwritten.length;
  }

  private sign(json: string): string {
    return createHmac('sha256', this.key).update(json).digest('hex');
  }

  private line(record: JournalRecord): string {
    return signLine(this.key, record);
  }

  /** Every verified record in order, and the lines that did not verify (never acted on). */
  read(): { records: JournalRecord[]; rejected: RejectedLine[] } {
    const records: JournalRecord[] = [];
    const rejected: RejectedLine[] = [];
    if (!existsSync(this.file)) return { records, rejected };
    const fd = openPrivate(this.file, constants.O_RDONLY);
    let text: string;
    try {
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
    const lines = text.split('\n');
    lines.forEach((line, index) => {
      if (!line) return;
      const match = LINE.exec(line);
      const fail = (reason: string) => rejected.push({ line: index + 1, reason });
      if (!match) return fail(index === lines.length - 1 ? 'torn last line' : 'not a signed record');
      const [, mac, json] = match;
      if (!timingSafeEqual(Buffer.from(mac!, 'hex'), Buffer.from(this.sign(json!), 'hex'))) {
        return fail('signature does not verify');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(json!);
      } catch {
        return fail('not JSON');
      }
      if (!isRecord(parsed)) return fail('not a journal record');
      records.push(parsed);
    });
    return { records, rejected };
  }

  /** Changes recorded as applied and never closed, in the order they were applied. */
  static outstanding(records: JournalRecord[]): JournalRecord[] {
    return outstandingOf(records);
  }

  outstanding(): JournalRecord[] {
    return Journal.outstanding([...this.read().records, ...this.unwritten]);
  }

  /** Durable before it returns: the host change may follow. Throws JournalWriteError. */
  recordApply(id: string, kind: string, resource: string, detail: Record<string, unknown>): void {
    this.append({ op: 'apply', id, kind, resource, detail, at: new Date().toISOString() });
  }

  /**
   * Throws JournalWriteError when the record cannot be written now; it is kept and written
   * before the next record (the change itself is undone either way).
   */
  recordRevert(id: string, kind: string, resource: string): void {
    const record: JournalRecord = {
      op: 'revert',
      id,
      kind,
      resource,
      detail: {},
      at: new Date().toISOString(),
    };
    this.unwritten.push(record);
    this.append();
  }

  /** Closes a record that recovery refused to carry out, with the reason. */
  recordRefused(record: JournalRecord, reason: string): void {
    this.append({ ...record, op: 'refuse', detail: { reason }, at: new Date().toISOString() });
  }

  /**
   * Rewrites the file with only the outstanding records (atomically, by rename); lines that did
   * not verify go to journal.rejected. Best effort: on failure the old file stays.
   */
  compact(): boolean {
    if (this.closed) return false;
    const { records, rejected } = this.read();
    const keep = Journal.outstanding([...records, ...this.unwritten]);
    const tmp = `${this.file}.tmp`;
    try {
      if (rejected.some((r) => r.reason !== 'torn last line')) this.setAside(rejected);
      const fd = openSync(
        tmp,
        constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        writeAll(fd, Buffer.from(keep.map((r) => this.line(r)).join('')));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      const dirFd = openSync(this.dir, constants.O_RDONLY);
      fsyncSync(dirFd);
      closeSync(dirFd);
    } catch {
      return false;
    }
    this.unwritten.length = 0;
    this.tornTail = false;
    closeSync(this.fd);
    this.fd = openPrivate(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
    return true;
  }

  close(): void {
    if (this.closed) return;
    try {
      this.append();
    } catch {
      // Left for recovery: an unwritten revert only makes the next start undo it again.
    }
    this.closed = true;
    closeSync(this.fd);
  }

  private setAside(rejected: RejectedLine[]): void {
    this.setAsideLines(rejected, readFileSync(this.file, 'utf8').split('\n'));
  }

  private setAsideLines(rejected: RejectedLine[], text: string[]): void {
    const fd = openPrivate(
      path.join(this.dir, 'journal.rejected'),
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
    );
    try {
      const lines = rejected.map(
        (r) =>
          `${new Date().toISOString()} ${r.file ? `${r.file}:${r.line} ` : ''}${r.reason}: ${text[r.line - 1] ?? ''}\n`,
      );
      writeAll(fd, Buffer.from(lines.join('')));
    } finally {
      closeSync(fd);
    }
  }

  private append(record?: JournalRecord): void {
    // After close only late exit notices of stopped processes arrive; nothing is left to undo.
    if (this.closed) return;
    const records = [...this.unwritten, ...(record ? [record] : [])];
    if (records.length === 0) return;
    const data = Buffer.from((this.tornTail ? '\n' : '') + records.map((r) => this.line(r)).join(''));
    const size = fstatSync(this.fd).size;
    try {
      writeAll(this.fd, data);
      fsyncSync(this.fd);
    } catch (err) {
      try {
        ftruncateSync(this.fd, size);
        fsyncSync(this.fd);
      } catch {
        this.tornTail = true;
      }
      throw new JournalWriteError(`cannot write the journal ${this.file}: ${(err as Error).message}`);
    }
    this.tornTail = false;
    this.unwritten.length = 0;
  }
}
