/**
 * The journal's record format, shared by the journal and the migration of an older agent's:
 *
 *   <hmac-sha256 hex of the JSON, keyed by journal.key> <JSON record>\n
 */
import { createHmac } from 'node:crypto';
import { writeSync } from 'node:fs';

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
  /** Taken over from a journal of an older agent (unsigned): checked like any other, reported as such. */
  migrated?: true;
}

export interface RejectedLine {
  line: number;
  reason: string;
  /** The file the line was in, when not journal.jsonl. @default journal.jsonl */
  file?: string;
}

/** What became of an older agent's journal on the first start of this one. */
export interface LegacyMigration {
  /** Open records taken over (signed, marked migrated). */
  migrated: number;
  /** Lines not taken over, with why; never carried out. */
  rejected: RejectedLine[];
}

export const KEY_BYTES = 32;
export const LINE = /^([0-9a-f]{64}) (\{.*\})$/;
const OPS = new Set(['apply', 'revert', 'refuse']);

export function signLine(key: Buffer, record: JournalRecord): string {
  const json = JSON.stringify(record);
  return `${createHmac('sha256', key).update(json).digest('hex')} ${json}\n`;
}

/** Changes recorded as applied and never closed, in the order they were applied. */
export function outstandingOf(records: JournalRecord[]): JournalRecord[] {
  const open = new Map<string, JournalRecord>();
  for (const record of records) {
    if (record.op === 'apply') open.set(record.id, record);
    else open.delete(record.id);
  }
  return [...open.values()];
}

export function isRecord(value: unknown): value is JournalRecord {
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

export function writeAll(fd: number, data: Buffer): void {
  let written = 0;
  while (written < data.length) {
    const n = writeSync(fd, data, written, data.length - written);
    if (n <= 0) throw new Error('short write');
    written += n;
  }
}
