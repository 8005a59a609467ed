/**
 * Reading a NAB-layout corpus: `<data>/<folder>/<file>.csv` (`timestamp,value`) plus a windows
 * JSON (`{ "<folder>/<file>.csv": [[start, end], …] }`). `realKnownCause` is held out for
 * independent evaluation and is never read, whatever path is given.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RowWindow } from './nab-score';

export const HELD_OUT_FOLDER = 'realKnownCause';

export interface NabFile {
  /** `<folder>/<file>.csv`, the key used by NAB's label files. */
  key: string;
  /** Unix ms per row, in file order (NAB's timestamps are UTC wall-clock strings). */
  timestamps: number[];
  values: number[];
  /** Windows as row indices. */
  windows: RowWindow[];
  /** Labelled anomaly points (Unix ms), when a labels file was given. */
  labels: number[];
}

/** `2014-02-14 14:30:00` or `2014-02-14 14:30:00.000000` → Unix ms (UTC). */
export function parseNabTime(text: string): number {
  const t = Date.parse(
    `${text
      .trim()
      .replace(' ', 'T')
      .replace(/\.\d+$/, '')}Z`,
  );
  if (Number.isNaN(t)) throw new Error(`not a NAB timestamp: "${text}"`);
  return t;
}

export function parseNabCsv(text: string, source: string): { timestamps: number[]; values: number[] } {
  const timestamps: number[] = [];
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    if (!line) continue;
    const comma = line.indexOf(',');
    if (comma < 0) throw new Error(`${source}:${n + 1}: expected "timestamp,value"`);
    timestamps.push(parseNabTime(line.slice(0, comma)));
    values.push(Number(line.slice(comma + 1)));
  }
  return { timestamps, values };
}

/**
 * Window [start, end] (times) → row indices: first row at or after start, last row at or before
 * end, scanning in file order so a backwards step does not pull rows from elsewhere into it.
 */
export function windowRows(timestamps: readonly number[], start: number, end: number): RowWindow | undefined {
  let first = -1;
  let last = -1;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i] ?? NaN;
    if (first < 0) {
      if (t >= start && t <= end) first = last = i;
    } else if (t <= end) last = i;
    else break;
  }
  return first < 0 ? undefined : { first, last };
}

export interface LoadCorpusOptions {
  dataDir: string;
  windowsFile: string;
  labelsFile?: string;
  /** Only files whose key starts with one of these (e.g. `realAWSCloudwatch/`). */
  only?: string[];
}

export function loadNabCorpus(options: LoadCorpusOptions): NabFile[] {
  const windowsJson = JSON.parse(readFileSync(options.windowsFile, 'utf8')) as Record<
    string,
    [string, string][]
  >;
  const labelsJson = options.labelsFile
    ? (JSON.parse(readFileSync(options.labelsFile, 'utf8')) as Record<string, string[]>)
    : {};
  const files: NabFile[] = [];
  for (const folder of readdirSync(options.dataDir).sort()) {
    if (folder === HELD_OUT_FOLDER) continue;
    const folderPath = path.join(options.dataDir, folder);
    if (!statSync(folderPath).isDirectory()) continue;
    for (const name of readdirSync(folderPath).sort()) {
      if (!name.endsWith('.csv')) continue;
      const key = `${folder}/${name}`;
      if (options.only && !options.only.some((prefix) => key.startsWith(prefix))) continue;
      const rawWindows = windowsJson[key];
      if (rawWindows === undefined) continue; // not a labelled NAB file
      const { timestamps, values } = parseNabCsv(readFileSync(path.join(folderPath, name), 'utf8'), key);
      const windows: RowWindow[] = [];
      for (const [start, end] of rawWindows) {
        const rows = windowRows(timestamps, parseNabTime(start), parseNabTime(end));
        if (rows) windows.push(rows);
      }
      files.push({ key, timestamps, values, windows, labels: (labelsJson[key] ?? []).map(parseNabTime) });
    }
  }
  return files;
}
