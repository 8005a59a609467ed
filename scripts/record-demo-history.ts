/**
 * Records the demo's history: runs the real demo (stack, drift, chaos cycles injecting real
 * faults through the agent) for a while, then exports its telemetry from Prometheus as
 * OpenMetrics (gzip) plus a sidecar JSON, which `npm run demo` backfills before it starts.
 *
 *   npx tsx scripts/record-demo-history.ts [--minutes 60] [--archive-every 5] [--out config/demo/history.om.gz]
 *
 * Beside the load's steady growth of the orders table, a maintenance job archives (empties) the
 * table every --archive-every minutes, and once more at the end: so the history holds several
 * rounds of "the per-customer scan slows down past its threshold, then recovers", and the demo
 * that replays it starts, like the recording ended, just after an archive.
 */
import { parseArgs } from 'node:util';
import { readFileSync, statSync } from 'node:fs';
import { Client } from 'pg';
import { runDemo } from '../src/demo/run';
import { DEMO_HISTORY_FILE, exportHistory, writeHistory, type HistoryMeta } from '../src/demo/history';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    out: { type: 'string', default: DEMO_HISTORY_FILE },
    'archive-every': { type: 'string', default: '5' },
  },
});
const archiveEvery = Number(values['archive-every']);
if (!(Number.isFinite(archiveEvery) && archiveEvery >= 1))
  throw new Error(`--archive-every: expected minutes >= 1, got "${values['archive-every']}"`);
const minutes = Number(values.minutes);
if (!(Number.isFinite(minutes) && minutes >= 1 && minutes <= 24 * 60))
  throw new Error(`--minutes: expected a number from 1 to 1440, got "${values.minutes}"`);
const out = values.out ?? DEMO_HISTORY_FILE;

let stop: () => void = () => undefined;
const stopSignal = new Promise<void>((resolve) => (stop = resolve));
const timer = setTimeout(stop, minutes * 60_000);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
const say = (line: string) => process.stderr.write(`record-demo-history: ${line}\n`);
say(`recording ${minutes} min of the demo into ${out}`);

async function withDb<T>(postgresUrl: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const ordersRows = (postgresUrl: string) =>
  withDb(postgresUrl, async (c) =>
    Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM orders')).rows[0]?.n ?? 0),
  );

const archive = (postgresUrl: string) =>
  withDb(postgresUrl, async (c) => {
    await c.query('TRUNCATE orders');
    say('archive job: orders table emptied');
  });

let archiveTimer: NodeJS.Timeout | undefined;

function injections(outcomesFile: string): NonNullable<HistoryMeta['injections']> {
  let text = '';
  try {
    text = readFileSync(outcomesFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((o) => o.dryRun !== true && o.rollbackPath !== 'inject_failed')
    .map((o) => ({
      resource: String(o.resource),
      mode: String(o.mode),
      startMs: Date.parse(String(o.startedAt)),
      endMs: Date.parse(String(o.endedAt)),
      breached: o.breached === true,
    }));
}

async function main(): Promise<void> {
  const summary = await runDemo({
    ui: false,
    history: false,
    stopSignal,
    say,
    async afterStart(ctx) {
      archiveTimer = setInterval(
        () => void archive(ctx.postgresUrl).catch((err: Error) => say(`archive failed: ${err.message}`)),
        archiveEvery * 60_000,
      );
    },
    async beforeStop(ctx) {
      clearInterval(archiveTimer);
      // the recording ends, as the replaying demo starts, just after an archive
      await archive(ctx.postgresUrl);
      await new Promise((r) => setTimeout(r, 30_000));
      const toMs = Date.now();
      const fromMs = ctx.startedMs;
      const series = await exportHistory(ctx.prometheusUrl, fromMs, toMs);
      const meta: HistoryMeta = {
        format: 1,
        recordedAt: new Date(toMs).toISOString(),
        fromMs,
        toMs,
        series: series.length,
        samples: series.reduce((n, s) => n + s.timestamps.length, 0),
        ordersRows: await ordersRows(ctx.postgresUrl),
        injections: injections(ctx.outcomesFile),
      };
      writeHistory(out, series, meta);
      say(
        `wrote ${out}: ${meta.series} series, ${meta.samples} samples, ${(statSync(out).size / 1024).toFixed(0)} KiB, ${meta.injections?.length ?? 0} injections, orders ${meta.ordersRows}`,
      );
    },
  });
  clearTimeout(timer);
  console.log(JSON.stringify(summary));
}

main().catch((err: unknown) => {
  say(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
