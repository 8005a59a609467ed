/**
 * ForeshockPlugin: adds foreshock's activities to any Temporal worker. Register the
 * workflows by re-exporting `foreshock/workflows` from your workflows module, or let the
 * plugin point the worker at them (`registerWorkflows: true`, for a foreshock-only worker).
 */
import { SimplePlugin } from '@temporalio/plugin';
import { AgentClient } from '../inject/client';
import { AgentRouter } from '../inject/agent-router';
import { PrometheusAdapter } from '../prometheus/adapter';
import { createForeshockActivities } from '../activities';

export interface ForeshockPluginOptions {
  /**
   * The injection agent's control API, or a router to one agent per resource host
   * (`AgentRouter.fromConfig(config, { token })`).
   */
  agent: AgentClient | AgentRouter | { url: string; token: string; timeoutMs?: number };
  prometheus: PrometheusAdapter | { url: string; timeoutMs?: number };
  /** JSONL file each finished injection appends its outcome to. */
  outcomesFile: string;
  /** More activities to register alongside (e.g. the Predictive Failure Engine's telemetry and predict). */
  extraActivities?: object;
  /**
   * Point the worker's `workflowsPath` at foreshock's workflows. Leave off when your own
   * workflows module re-exports `foreshock/workflows`.
   * @default false
   */
  registerWorkflows?: boolean;
}

/** Where the sandbox-safe workflow entry lives (`foreshock/workflows`). */
export const FORESHOCK_WORKFLOWS_PATH = require.resolve('../workflows/index');

export class ForeshockPlugin extends SimplePlugin {
  constructor(options: ForeshockPluginOptions) {
    const agent =
      options.agent instanceof AgentClient || options.agent instanceof AgentRouter
        ? options.agent
        : new AgentClient({ timeoutMs: 4000, ...options.agent });
    const prometheus =
      options.prometheus instanceof PrometheusAdapter
        ? options.prometheus
        : new PrometheusAdapter({ timeoutMs: 2000, ...options.prometheus });
    super({
      name: 'foreshock',
      activities: {
        ...createForeshockActivities({ agent, prometheus, outcomesFile: options.outcomesFile }),
        ...options.extraActivities,
      },
      ...(options.registerWorkflows ? { workflowsPath: FORESHOCK_WORKFLOWS_PATH } : {}),
    });
  }
}
