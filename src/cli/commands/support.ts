// What the workflow commands share: config → Temporal target, ForeshockClient, agent client.
import { loadConfig } from '../../config/loader';
import { connectTemporal, type TemporalTarget } from '../../client/connection';
import { ForeshockClient } from '../../client/foreshock-client';
import { AgentRouter } from '../../inject/agent-router';
import { Client } from '@temporalio/client';
import type { ForeshockConfig } from '../../config/schema';

export interface CommandContext {
  config: ForeshockConfig;
  target: TemporalTarget;
  foreshock: ForeshockClient;
  client: Client;
}

export async function withForeshock<T>(
  configFile: string,
  run: (context: CommandContext) => Promise<T>,
): Promise<T> {
  const { config } = await loadConfig(configFile);
  const target = await connectTemporal(config);
  try {
    const client = new Client({ connection: target.connection, namespace: target.namespace });
    const token = process.env[config.agent.tokenEnv];
    const foreshock = new ForeshockClient({
      client,
      taskQueue: target.taskQueue,
      config,
      ...(token ? { agent: AgentRouter.fromConfig(config, { token, timeoutMs: 1000 }) } : {}),
    });
    return await run({ config, target, foreshock, client });
  } finally {
    await target.close();
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
