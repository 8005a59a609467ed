// What the commands share: config → Temporal target, ForeshockClient, agent client, Prometheus.
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/loader';
import { connectTemporal, type TemporalTarget } from '../../client/connection';
import { ForeshockClient } from '../../client/foreshock-client';
import { AgentRouter } from '../../inject/agent-router';
import { Client } from '@temporalio/client';
import type { ForeshockConfig } from '../../config/schema';
import { PrometheusAdapter } from '../../prometheus/adapter';

export interface CommandContext {
  config: ForeshockConfig;
  target: TemporalTarget;
  foreshock: ForeshockClient;
  client: Client;
}

export interface CommandOptions {
  /** Allow starting an embedded dev server when no Temporal address is configured. @default false */
  dev?: boolean;
  /** Fail at once when no worker polls the task queue. @default false */
  requireWorker?: boolean;
}

/** Adds `--dev` to a non-interactive command. */
export function withDevOption(command: Command): Command {
  return command.option(
    '--dev',
    'start an embedded Temporal dev server when no address is configured (otherwise refused)',
  );
}

export async function withForeshock<T>(
  configFile: string,
  run: (context: CommandContext) => Promise<T>,
  options: CommandOptions = {},
): Promise<T> {
  const { config } = await loadConfig(configFile);
  const target = await connectTemporal(config, { allowDevServer: options.dev ?? false });
  try {
    const client = new Client({ connection: target.connection, namespace: target.namespace });
    const token = process.env[config.agent.tokenEnv];
    const foreshock = new ForeshockClient({
      client,
      taskQueue: target.taskQueue,
      namespace: target.namespace,
      config,
      configPath: path.resolve(configFile),
      ...(token ? { agent: AgentRouter.fromConfig(config, { token, timeoutMs: 1000 }) } : {}),
    });
    if (options.requireWorker) await foreshock.requireWorker();
    return await run({ config, target, foreshock, client });
  } finally {
    await target.close();
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** The config's Prometheus, with the config's query timeout. */
export function prometheusOf(config: Pick<ForeshockConfig, 'prometheus'>): PrometheusAdapter {
  return new PrometheusAdapter({ url: config.prometheus.url, timeoutMs: config.prometheus.timeout });
}
