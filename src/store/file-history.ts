/**
 * The embedded history store: JSON Lines files, as foreshock has always written them. Writes
 * from one process are serialized, so the de-duplication check and the append cannot interleave;
 * several processes need the PostgreSQL store.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseIncidents } from '../predict/history';
import type { HistoryStore, Incident, InjectionOutcome, PredictionResult } from './types';

export interface FileHistoryFiles {
  outcomes: string;
  incidents: string;
  predictions: string;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

function jsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a torn last line (crash mid-append) must not hide the rest
    }
  }
  return out;
}

async function append(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, JSON.stringify(value) + '\n');
}

export function createFileHistoryStore(files: FileHistoryFiles): HistoryStore {
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(job: () => Promise<T>): Promise<T> => {
    const next = queue.then(job, job);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    appendOutcome: (outcome) =>
      serialized(async () => {
        const existing = jsonLines<InjectionOutcome>(await readText(files.outcomes));
        if (existing.some((o) => o.faultId === outcome.faultId)) return { written: false };
        await append(files.outcomes, outcome);
        return { written: true };
      }),
    async outcomesSince(sinceMs) {
      return jsonLines<InjectionOutcome>(await readText(files.outcomes))
        .filter((o) => Date.parse(o.endedAt) >= sinceMs)
        .sort((a, b) => Date.parse(a.endedAt) - Date.parse(b.endedAt));
    },
    appendIncident: (incident) => serialized(() => append(files.incidents, incident)),
    async incidentsSince(sinceMs) {
      const { items } = parseIncidents(await readText(files.incidents), files.incidents);
      return items.filter((i: Incident) => i.at >= sinceMs).sort((a, b) => a.at - b.at);
    },
    appendPrediction: (prediction) => serialized(() => append(files.predictions, prediction)),
    async recentPredictions(limit) {
      return jsonLines<PredictionResult>(await readText(files.predictions)).slice(-limit);
    },
    async close() {
      await queue;
    },
  };
}
