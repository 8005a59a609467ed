import type { Command } from 'commander';
import { loadConfig } from '../../config/loader';
import { connectTemporal } from '../../client/connection';
import { createConfigWorker } from '../../worker/main';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description("run a worker with foreshock's workflows and activities on the config's task queue")
    .requiredOption('-c, --config <file>', 'foreshock config (YAML)')
    .option('--metrics <host:port>', 'serve Temporal SDK runtime metrics for Prometheus here')
    .action(async (opts: { config: string; metrics?: string }) => {
      const { config } = await loadConfig(opts.config);
      const target = await connectTemporal(config);
      const worker = await createConfigWorker({
        config,
        configPath: opts.config,
        target,
        ...(opts.metrics ? { metricsBindAddress: opts.metrics } : {}),
      });
      console.error(
        `foreshock worker on ${target.address}, namespace ${target.namespace}, task queue ${target.taskQueue}` +
          (opts.metrics ? `; SDK metrics on http://${opts.metrics}/metrics` : ''),
      );
      await worker.run();
      await target.close();
    });
}
