/**
 * The demo's recorded history: telemetry of a real demo run, exported from its Prometheus as
 * OpenMetrics text (gzip), and replayed into a fresh demo's Prometheus before it starts:
 *
 *   record: Prometheus ── raw samples of the demo's signals ──▶ history.om.gz + history.json
 *   replay: history.om.gz ── shift to end just before now, instance → this run's targets ──▶
 *           promtool tsdb create-blocks-from openmetrics ──▶ <prometheus data dir>
 *
 * The sidecar JSON says what was recorded (span, samples, the orders table's size at the end),
 * so the replaying demo can continue where the recording stopped.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../tools';

const run = promisify(execFile);

/** The recording shipped in the repo (regenerate with scripts/record-demo-history.ts). */
export const DEMO_HISTORY_FILE = path.join(PROJECT_ROOT, 'config', 'demo', 'history.om.gz');

/** Metric names the demo's signals, guards and rules read (raw and recorded). */
export const HISTORY_SELECTOR =
  '{__name__=~"nginx_http_requests_total|loadgen_requests_total|loadgen_request_duration_seconds_bucket|process_cpu_seconds_total|http_requests_total|http_request_duration_seconds_bucket|db_query_seconds_bucket|pg_stat_database_numbackends|postgresql_.+_total|api_access_.+_total|up|ALERTS|job:.+|api:.+"}';

export interface HistoryMeta {
  format: 1;
  recordedAt: string;
  fromMs: number;
  toMs: number;
  series: number;
  samples: number;
  /** Rows in the orders table when the recording ended. */
  ordersRows?: number;
  /** Faults the recording's chaos cycles injected, with whether a guard breached. */
  injections?: { resource: string; mode: string; startMs: number; endMs: number; breached: boolean }[];
  /** When the recorder's maintenance job emptied the orders table. */
  archives?: number[];
}

export interface RecordedSeries {
  labels: Record<string, string>;
  /** Unix ms, ascending. */
  timestamps: number[];
  values: number[];
}

export function metaFileFor(historyFile: string): string {
  return historyFile.replace(/\.om\.gz$/, '') + '.json';
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * OpenMetrics text of the series, each series' samples together and in time order, families
 * together (what promtool's parser requires), timestamps shifted by `shiftMs`.
 */
export function toOpenMetrics(series: readonly RecordedSeries[], shiftMs = 0): string {
  const sorted = [...series].sort((a, b) => (a.labels.__name__ ?? '').localeCompare(b.labels.__name__ ?? ''));
  const out: string[] = [];
  for (const s of sorted) {
    const name = s.labels.__name__;
    if (!name) continue;
    const labels = Object.entries(s.labels)
      .filter(([k]) => k !== '__name__')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    const head = labels ? `${name}{${labels}}` : name;
    s.timestamps.forEach((t, i) => {
      out.push(`${head} ${formatValue(s.values[i] ?? NaN)} ${((t + shiftMs) / 1000).toFixed(3)}`);
    });
  }
  out.push('# EOF');
  return out.join('\n') + '\n';
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+) (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Reads back what toOpenMetrics wrote (the subset of OpenMetrics it uses). */
export function parseOpenMetrics(text: string): RecordedSeries[] {
  const byKey = new Map<string, RecordedSeries>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`history: unreadable line: ${line.slice(0, 120)}`);
    const labels: Record<string, string> = { __name__: m[1]! };
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    const key = `${m[1]}{${m[2] ?? ''}}`;
    const s = byKey.get(key) ?? { labels, timestamps: [], values: [] };
    s.timestamps.push(Math.round(Number(m[4]) * 1000));
    s.values.push(m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]));
    byKey.set(key, s);
  }
  return [...byKey.values()];
}

/** Raw samples of every series matching `selector` in [fromMs, toMs], via a range-vector query. */
export async function exportHistory(
  prometheusUrl: string,
  fromMs: number,
  toMs: number,
  selector = HISTORY_SELECTOR,
): Promise<RecordedSeries[]> {
  const seconds = Math.ceil((toMs - fromMs) / 1000);
  const url = new URL('/api/v1/query', prometheusUrl);
  url.searchParams.set('query', `${selector}[${seconds}s]`);
  url.searchParams.set('time', (toMs / 1000).toFixed(3));
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  if (body.status !== 'success' || !body.data)
    throw new Error(`history export: Prometheus said ${body.error ?? res.status}`);
  return body.data.result.map((r) => ({
    labels: r.metric,
    timestamps: r.values.map(([t]) => Math.round(t * 1000)),
    values: r.values.map(([, v]) => Number(v)),
  }));
}

export function writeHistory(file: string, series: RecordedSeries[], meta: HistoryMeta): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, gzipSync(toOpenMetrics(series), { level: 9 }));
  writeFileSync(metaFileFor(file), JSON.stringify(meta, null, 2) + '\n');
}

export function readHistoryMeta(file: string): HistoryMeta | undefined {
  const meta = metaFileFor(file);
  return existsSync(meta) ? (JSON.parse(readFileSync(meta, 'utf8')) as HistoryMeta) : undefined;
}

export interface BackfillOptions {
  historyFile: string;
  /** Prometheus's TSDB directory (its --storage.tsdb.path), before Prometheus starts. */
  tsdbDir: string;
  /** The recording's last sample lands here. */
  endMs: number;
  /** Scrape job → this run's target (host:port): recorded `instance` labels are rewritten to it. */
  instances: Record<string, string>;
  promtool: string;
}

export interface BackfillResult {
  series: number;
  samples: number;
  shiftMs: number;
  fromMs: number;
  toMs: number;
}

/** Shifts the recording to end at `endMs`, relabels it to this run's targets, writes TSDB blocks. */
export async function backfillHistory(options: BackfillOptions): Promise<BackfillResult> {
  const series = parseOpenMetrics(gunzipSync(readFileSync(options.historyFile)).toString('utf8'));
  const last = Math.max(...series.map((s) => s.timestamps.at(-1) ?? -Infinity));
  const first = Math.min(...series.map((s) => s.timestamps[0] ?? Infinity));
  if (!Number.isFinite(last)) throw new Error(`${options.historyFile}: no samples`);
  const shiftMs = options.endMs - last;
  for (const s of series) {
    const job = s.labels.job;
    if (job && s.labels.instance !== undefined && options.instances[job])
      s.labels.instance = options.instances[job];
  }
  mkdirSync(options.tsdbDir, { recursive: true });
  const text = path.join(options.tsdbDir, '..', 'history.om');
  writeFileSync(text, toOpenMetrics(series, shiftMs));
  try {
    await run(options.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', text, options.tsdbDir], {
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    rmSync(text, { force: true });
  }
  return {
    series: series.length,
    samples: series.reduce((n, s) => n + s.timestamps.length, 0),
    shiftMs,
    fromMs: first + shiftMs,
    toMs: last + shiftMs,
  };
}

/** promtool beside the Prometheus binary, else on PATH. */
export function promtoolPath(prometheusBinary: string): string {
  const beside = path.join(path.dirname(prometheusBinary), 'promtool');
  return existsSync(beside) ? beside : 'promtool';
}
