/**
 * The host journal: an append-only JSONL file, fsync'd before a host-level change is made
 * (a cgroup quota, a stopped process, a fiu point, a fill file, a process the agent started).
 * On start the agent undoes every change the journal shows as still in effect, so a crash
 * of the agent itself leaves nothing behind.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

export interface JournalRecord {
  op: 'apply' | 'revert';
  /** The fault id, or `process:<resource>:<pid>` for an agent-started process. */
  id: string;
  /** The fault mode, or `supervised_process`. */
  kind: string;
  resource: string;
  /** Everything needed to undo the change without the agent's memory. */
  detail: Record<string, unknown>;
  at: string;
}

export class Journal {
  private fd: number;
  private closed = false;

  private constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, 'a');
  }

  static open(file: string): Journal {
    return new Journal(file);
  }

  /** Every record, in order; a torn last line (crash mid-write) is ignored. */
  static read(file: string): JournalRecord[] {
    if (!existsSync(file)) return [];
    const records: JournalRecord[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as JournalRecord);
      } catch {
        // Only the line being written when the agent died can be torn; it was never acted on.
      }
    }
    return records;
  }

  /** Changes recorded as applied and never reverted, in the order they were applied. */
  static outstanding(records: JournalRecord[]): JournalRecord[] {
    const open = new Map<string, JournalRecord>();
    for (const record of records) {
      if (record.op === 'apply') open.set(record.id, record);
      else open.delete(record.id);
    }
    return [...open.values()];
  }

  outstanding(): JournalRecord[] {
    return Journal.outstanding(Journal.read(this.file));
  }

  /** Durable before it returns: the host change may follow. */
  recordApply(id: string, kind: string, resource: string, detail: Record<string, unknown>): void {
    this.append({ op: 'apply', id, kind, resource, detail, at: new Date().toISOString() });
  }

  recordRevert(id: string, kind: string, resource: string): void {
    this.append({ op: 'revert', id, kind, resource, detail: {}, at: new Date().toISOString() });
  }

  /** Rewrites the file with only the outstanding records (atomically, by rename). */
  compact(): void {
    const keep = this.outstanding();
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    for (const record of keep) writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
  }

  close(): void {
    this.closed = true;
    closeSync(this.fd);
  }

  private append(record: JournalRecord): void {
    // After close only late exit notices of stopped processes arrive; nothing is left to undo.
    if (this.closed) return;
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
  }
}
