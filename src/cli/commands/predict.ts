import type { Command } from 'commander';
import Table from 'cli-table3';
import { loadConfig } from '../../config/loader';
import { createTelemetryActivities } from '../../activities/telemetry';
import { createPredictActivities } from '../../activities/predict';
import type { PredictionResult } from '../../predict/types';
import { prometheusOf } from './support';

export function predictionTable(result: PredictionResult): string {
  const table = new Table({
    head: ['#', 'target', 'mode', 'p', 'severity', 'impact', 'score', 'duration', 'why'],
    wordWrap: true,
    colWidths: [4, 14, 18, 6, 9, 8, 7, 10, 60],
  });
  result.scenarios.forEach((s, i) => {
    table.push([
      i + 1,
      s.resource,
      s.mode,
      s.probability.toFixed(2),
      s.severity,
      s.impact.toFixed(1),
      s.score.toFixed(2),
      `${Math.round(s.durationMs / 1000)}s`,
      s.why.text,
    ]);
  });
  return table.toString();
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('forecast failures from live telemetry and print the ranked injection scenarios')
    .requiredOption('--config <file>', 'foreshock config file')
    .option('--json', 'print the prediction as one JSON object')
    .action(async (opts: { config: string; json?: boolean }) => {
      const { config } = await loadConfig(opts.config);
      const prometheus = prometheusOf(config);
      const snapshot = await createTelemetryActivities({ prometheus }).collectTelemetry({
        resources: config.resources,
        lookbackMs: config.prometheus.lookback,
        stepMs: config.prometheus.step,
      });
      const result = await createPredictActivities({
        modelsDir: config.models.dir,
        historyFiles: config.history,
      }).predictFailures({ snapshot, config });
      if (opts.json) {
        console.log(JSON.stringify(result));
        return;
      }
      for (const s of snapshot.signals)
        if (s.error) console.log(`note: ${s.resource}/${s.signal}: ${s.error}`);
      console.log(
        `models: ${Object.entries(result.modelKinds ?? {})
          .map(([signal, kind]) => `${signal}=${kind}`)
          .join(
            ' ',
          )}${result.model.version ? ` (newest net ${result.model.version})` : ''}, horizon ${Math.round(result.horizonMs / 60_000)}m`,
      );
      console.log(predictionTable(result));
    });
}
