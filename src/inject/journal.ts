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
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { AgentError } from './errors';
import { openPrivate, readOrCreateSecret, secureStateDir } from './state-dir';

export interface JournalRecord {
  /** apply opens a change; revert closes it; refuse closes one recovery would not carry out. */
  op: 'apply' | 'revert' | 'refuse';
  /** The fault id, or `process:<resource>:<pid>` for an agent-started process. */
  id: string;
  /** The fault mode, `failover`, or `supervised_process`. */
  kind: string;
  resource: string;
  /** Everything needed to undo the change without the agent's memory. */
  detail: Record<string, unknown>;
  at: string;
}

export interface RejectedLine {
  line: number;
  reason: string;
}

/** The journal could not be written (disk full, I/O error); nothing was changed on the host. */
export class JournalWriteError extends AgentError {
  override name = 'JournalWriteError';
  constructor(message: string) {
    super(507, message, 'journal', 'a state directory with free space');
  }
}

const KEY_BYTES = 32;
const LINE = /^([0-9a-f]{64}) (\{.*\})$/;
const OPS = new Set(['apply', 'revert', 'refuse']);

function isRecord(value: unknown): value is JournalRecord {
  const r = value as Partial<JournalRecord> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    OPS.has(r.op as string) &&
    typeof r.id === 'string' &&
    typeof r.kind === 'string' &&
    typeof r.resource === 'string' &&
    typeof r.detail === 'object' &&
    r.detail !== null &&
    !Array.isArray(r.detail)
  );
}

export class Journal {
  private fd: number;
  private closed = false;
  /** A write failed and could not be cut back: the next record starts with a newline. */
  private tornTail: boolean;
  /** Revert records that could not be written yet; retried before every append. */
  private readonly unwritten: JournalRecord[] = [];

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
    return new Journal(dir, readOrCreateSecret(path.join(dir, 'journal.key'), KEY_BYTES));
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
    const json = JSON.stringify(record);
    return `${this.sign(json)} ${json}\n`;
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
    const open = new Map<string, JournalRecord>();
    for (const record of records) {
      if (record.op === 'apply') open.set(record.id, record);
      else open.delete(record.id);
    }
    return [...open.values()];
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
    const text = readFileSync(this.file, 'utf8').split('\n');
    const fd = openPrivate(
      path.join(this.dir, 'journal.rejected'),
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
    );
    try {
      const lines = rejected.map(
        (r) => `${new Date().toISOString()} ${r.reason}: ${text[r.line - 1] ?? ''}\n`,
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

function writeAll(fd: number, data: Buffer): void {
  let written = 0;
  while (written < data.length) {
    const n = writeSync(fd, data, written, data.length - written);
    if (n <= 0) throw new Error('short write');
    written += n;
  }
}
