/**
 * Failure history: past incidents (JSONL `{ resource, mode?, at, severity? }`) and the recorded
 * outcomes of foreshock's own injections (JSONL, one per injection). Parsing is lenient line by
 * line — a bad line is reported, never fatal — because history files are appended by hand and
 * by other processes.
 */
import type { FailureMode } from '../config/fault-params';

export interface Incident {
  resource: string;
  mode?: string;
  at: number;
  severity?: string;
}

export interface InjectionOutcome {
  resource: string;
  resourceType: string;
  mode: string;
  startedAt: number;
  endedAt: number;
  breached: boolean;
  breaches: number;
  rollbackPath: string;
  dryRun: boolean;
}

export interface ParsedLines<T> {
  items: T[];
  /** `source:line: why` per rejected line. */
  problems: string[];
}

function toMs(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v);
  return NaN;
}

function parseLines<T>(
  text: string,
  source: string,
  read: (o: Record<string, unknown>) => T | string,
): ParsedLines<T> {
  const items: T[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    if (!line.trim()) return;
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== 'object' || value === null) throw new Error('not an object');
      const item = read(value as Record<string, unknown>);
      if (typeof item === 'string') problems.push(`${source}:${n + 1}: ${item}`);
      else items.push(item);
    } catch (err) {
      problems.push(`${source}:${n + 1}: ${(err as Error).message}`);
    }
  });
  return { items, problems };
}

export function parseIncidents(text: string, source = 'incidents'): ParsedLines<Incident> {
  return parseLines(text, source, (o) => {
    const at = toMs(o.at);
    if (typeof o.resource !== 'string') return 'resource: expected a string';
    if (!Number.isFinite(at)) return 'at: expected an ISO time';
    return {
      resource: o.resource,
      at,
      ...(typeof o.mode === 'string' ? { mode: o.mode } : {}),
      ...(typeof o.severity === 'string' ? { severity: o.severity } : {}),
    };
  });
}

export function parseOutcomes(text: string, source = 'outcomes'): ParsedLines<InjectionOutcome> {
  return parseLines(text, source, (o) => {
    if (typeof o.resource !== 'string') return 'resource: expected a string';
    if (typeof o.mode !== 'string') return 'mode: expected a string';
    if (typeof o.breached !== 'boolean') return 'breached: expected true or false';
    return {
      resource: o.resource,
      resourceType: typeof o.resourceType === 'string' ? o.resourceType : '',
      mode: o.mode,
      startedAt: toMs(o.startedAt),
      endedAt: toMs(o.endedAt),
      breached: o.breached,
      breaches: typeof o.breaches === 'number' ? o.breaches : o.breached ? 1 : 0,
      rollbackPath: typeof o.rollbackPath === 'string' ? o.rollbackPath : '',
      dryRun: o.dryRun === true,
    };
  });
}

export interface ModeRecord {
  runs: number;
  breached: number;
  breaches: number;
}

export interface HistorySummary {
  /** Incidents per resource within the lookback. */
  incidents: Map<string, Incident[]>;
  /** Real (non-dry-run) injections per `${resource}:${mode}`. */
  outcomes: Map<string, ModeRecord>;
  spanMs: number;
}

export function summarizeHistory(
  incidents: readonly Incident[],
  outcomes: readonly InjectionOutcome[],
  now: number,
  spanMs = 30 * 86_400_000,
): HistorySummary {
  const byResource = new Map<string, Incident[]>();
  for (const i of incidents) {
    if (i.at > now || i.at < now - spanMs) continue;
    byResource.set(i.resource, [...(byResource.get(i.resource) ?? []), i]);
  }
  const byMode = new Map<string, ModeRecord>();
  for (const o of outcomes) {
    if (o.dryRun) continue;
    const key = `${o.resource}:${o.mode}`;
    const r = byMode.get(key) ?? { runs: 0, breached: 0, breaches: 0 };
    r.runs++;
    if (o.breached) r.breached++;
    r.breaches += o.breaches;
    byMode.set(key, r);
  }
  return { incidents: byResource, outcomes: byMode, spanMs };
}

/**
 * How much a guard breach is to be expected from this mode on this resource: the posterior mean
 * of its breach rate under a Beta(1, 1) prior — 0.5 with no runs, toward the observed rate after.
 */
export function modeWeakness(summary: HistorySummary, resource: string, mode: FailureMode): number {
  const r = summary.outcomes.get(`${resource}:${mode}`);
  return ((r?.breached ?? 0) + 1) / ((r?.runs ?? 0) + 2);
}
