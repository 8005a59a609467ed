import type { Command } from 'commander';
import Table from 'cli-table3';
import { loadConfig } from '../../config/loader';
import { trainFromConfig } from '../../activities/training';
import { prometheusOf } from './support';

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'train the forecaster models (LSTM and GRU, the better kept) from the telemetry in Prometheus',
    )
    .requiredOption('--config <file>', 'foreshock config file')
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: { config: string; json?: boolean }) => {
      const { config } = await loadConfig(opts.config);
      const prometheus = prometheusOf(config);
      const results = await trainFromConfig(config, prometheus);
      if (opts.json) {
        console.log(JSON.stringify({ models: results }));
      } else {
        const table = new Table({
          head: ['type/signal', 'kept', 'version', 'MAE', 'naive MAE', 'candidates', 'note'],
        });
        for (const r of results) {
          table.push([
            `${r.resourceType}/${r.signal}`,
            r.kind ?? '-',
            r.version ?? '-',
            r.mae?.toFixed(3) ?? '-',
            r.naiveMae?.toFixed(3) ?? '-',
            (r.candidates ?? [])
              .map((c) => `${c.kind} ${c.mae.toFixed(3)} (${Math.round(c.trainMs)}ms)`)
              .join(', '),
            r.error ?? r.path ?? r.promotion ?? '',
          ]);
        }
        console.log(table.toString());
      }
      if (results.length > 0 && results.every((r) => r.error !== undefined)) process.exitCode = 1;
    });
}
