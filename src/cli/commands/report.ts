import type { Command } from 'commander';
import path from 'node:path';
import { parseDuration } from '../../config/duration';
import { PrometheusAdapter } from '../../prometheus/adapter';
import { DEFAULT_PREDICTIONS_FILE, writeReport } from '../../report';
import { loadConfig } from '../../config/loader';

interface ReportOptions {
  since: string;
  out: string;
  config: string;
  prometheus?: string;
  outcomes?: string;
  predictions: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML report: telemetry, forecasts, injections, scenarios, cycles')
    .option('--since <duration>', 'how far back the report reaches', '1h')
    .option('--out <file>', 'where the HTML goes', path.join('.foreshock', 'report.html'))
    .option('--config <file>', 'foreshock config', path.join('config', 'foreshock.yaml'))
    .option('--prometheus <url>', "Prometheus to query (default: the config's prometheus.url)")
    .option('--outcomes <file>', "outcomes JSONL (default: the config's history.outcomes)")
    .option('--predictions <file>', 'stored predictions JSONL', DEFAULT_PREDICTIONS_FILE)
    .action(async (opts: ReportOptions) => {
      const sinceMs = parseDuration(opts.since);
      if (sinceMs === undefined)
        throw new Error(`--since: expected a duration such as 30m or 2h, got "${opts.since}"`);
      const { config } = await loadConfig(opts.config);
      const untilMs = Date.now();
      const data = await writeReport({
        prometheus: new PrometheusAdapter({
          url: opts.prometheus ?? config.prometheus.url,
          timeoutMs: 10_000,
        }),
        resources: config.resources,
        outcomesFile: opts.outcomes ?? config.history.outcomes,
        predictionsFile: opts.predictions,
        sinceMs: untilMs - sinceMs,
        untilMs,
        outFile: opts.out,
      });
      for (const warning of data.warnings) console.error(`warning: ${warning}`);
      console.log(
        `report written to ${path.resolve(opts.out)} (${data.resources.length} resources, ${data.outcomes.length} injections, ${data.cycles.length} cycles)`,
      );
    });
}
