/**
 * JSON Lines files: the outcomes history and the stored predictions. Reading skips lines
 * that do not parse and says which, so one torn line never hides the rest of the history.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface JsonlRead<T> {
  records: T[];
  /** "file:line: reason" for each line that was skipped. */
  skipped: string[];
}

export function readJsonl<T>(file: string, accept: (value: unknown) => value is T): JsonlRead<T> {
  if (!existsSync(file)) return { records: [], skipped: [] };
  const records: T[] = [];
  const skipped: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        const value: unknown = JSON.parse(line);
        if (accept(value)) records.push(value);
        else skipped.push(`${file}:${index + 1}: not the expected shape`);
      } catch (err) {
        skipped.push(`${file}:${index + 1}: ${(err as Error).message}`);
      }
    });
  return { records, skipped };
}

export function appendJsonl(file: string, record: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, JSON.stringify(record) + '\n');
}
