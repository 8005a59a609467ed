/**
 * ForeshockPlugin: adds foreshock's activities to any Temporal worker. Register the
 * workflows by re-exporting `foreshock/workflows` from your workflows module, or let the
 * plugin point the worker at them (`registerWorkflows: true`, for a foreshock-only worker).
 *
 * At `Worker.create` the plugin refuses, with a named error: an activity of yours under one of
 * foreshock's activity names, `registerWorkflows` over your own `workflowsPath`, a namespace
 * without foreshock's search attributes, and a task queue that does not fit its `role`.
 */
import { SimplePlugin } from '@temporalio/plugin';
import { Runtime } from '@temporalio/worker';
import type {
  BundleOptions,
  BundlerPlugin,
  ReplayWorkerOptions,
  Worker,
  WorkerOptions,
  WorkerPlugin,
} from '@temporalio/worker';
import type { ForeshockConfig } from '../config/schema';
import { AgentClient } from '../inject/client';
import { AgentRouter } from '../inject/agent-router';
import { PrometheusAdapter } from '../prometheus/adapter';
import { createForeshockActivities } from '../activities';
import { ACTIVITY_QUEUE_SUFFIX, FORESHOCK_ACTIVITY_NAMES } from './activity-names';
import { createConfigActivities, type ConfigActivityOptions } from './config-activities';
import { ActivityNameClashError, TaskQueueRoleError, WorkflowsPathConflictError } from './errors';
import { checkSearchAttributes } from './search-attribute-check';

/**
 * Which of foreshock's parts a worker runs.
 * - `'all'`: workflows and activities on one task queue.
 * - `'workflows'`: foreshock's workflows schedule foreshock's activities on
 *   `foreshockActivityQueue(<this queue>)`; this worker needs no agent token.
 * - `'activities'`: only the activities, on a queue named by `foreshockActivityQueue(...)`
 *   (workers near the agents, holding the token).
 */
export type ForeshockWorkerRole = 'all' | 'workflows' | 'activities';

export interface ForeshockPluginCommonOptions {
  /**
   * Point the worker's `workflowsPath` at foreshock's workflows. Leave off when your own
   * workflows module re-exports `foreshock/workflows`; refused when the worker has a
   * `workflowsPath` or `workflowBundle` of its own.
   * @default false
   */
  registerWorkflows?: boolean | undefined;
  /**
   * Check at `Worker.create` that the namespace has foreshock's search attributes (needs the
   * worker's `connection`; skipped for `role: 'activities'`).
   * @default true
   */
  checkSearchAttributes?: boolean | undefined;
  /** @default 'all' */
  role?: ForeshockWorkerRole | undefined;
}

export interface ForeshockPluginOptions extends ForeshockPluginCommonOptions {
  /**
   * The injection agent's control API, or a router to one agent per resource host
   * (`AgentRouter.fromConfig(config, { token })`).
   */
  agent: AgentClient | AgentRouter | { url: string; token: string; timeoutMs?: number | undefined };
  prometheus: PrometheusAdapter | { url: string; timeoutMs?: number | undefined };
  /** JSONL file each finished injection appends its outcome to. */
  outcomesFile: string;
  /** More activities to register alongside (e.g. `createTelemetryActivities`, `createPredictActivities`). */
  extraActivities?: object | undefined;
}

/** Activities built already (what `fromConfig` passes), or none for `role: 'workflows'`. */
export interface ForeshockPluginBuiltOptions extends ForeshockPluginCommonOptions {
  activities?: object | undefined;
}

export type ForeshockPluginConfigOptions = ForeshockPluginCommonOptions & ConfigActivityOptions;

/** Where the sandbox-safe workflow entry lives (`foreshock/workflows`). */
export const FORESHOCK_WORKFLOWS_PATH = require.resolve('../workflows/index');
/** The workflow interceptor module that routes foreshock's activities for `role: 'workflows'`. */
export const ACTIVITY_ROUTING_INTERCEPTOR_PATH = require.resolve('./activity-routing');

function activitiesOf(options: ForeshockPluginOptions | ForeshockPluginBuiltOptions): object | undefined {
  if (!('agent' in options)) return options.activities;
  const agent =
    options.agent instanceof AgentClient || options.agent instanceof AgentRouter
      ? options.agent
      : new AgentClient({ timeoutMs: 4000, ...options.agent });
  const prometheus =
    options.prometheus instanceof PrometheusAdapter
      ? options.prometheus
      : new PrometheusAdapter({ timeoutMs: 2000, ...options.prometheus });
  return {
    ...createForeshockActivities({ agent, prometheus, outcomesFile: options.outcomesFile }),
    ...options.extraActivities,
  };
}

export class ForeshockPlugin implements WorkerPlugin, BundlerPlugin {
  readonly name = 'foreshock';
  private readonly simple: SimplePlugin;
  private readonly role: ForeshockWorkerRole;
  private readonly registersWorkflows: boolean;
  private readonly checksSearchAttributes: boolean;

  constructor(options: ForeshockPluginOptions | ForeshockPluginBuiltOptions) {
    const role = options.role ?? 'all';
    const registersWorkflows = options.registerWorkflows ?? false;
    if (role === 'activities' && registersWorkflows) {
      throw new TaskQueueRoleError("role 'activities' runs no workflows: drop registerWorkflows");
    }
    const activities = role === 'workflows' ? undefined : activitiesOf(options);
    if (role !== 'workflows' && !activities) {
      throw new TaskQueueRoleError(
        `role '${role}' runs foreshock's activities: give agent, prometheus and outcomesFile`,
      );
    }
    this.simple = new SimplePlugin({
      name: 'foreshock',
      ...(activities ? { activities } : {}),
      ...(registersWorkflows ? { workflowsPath: FORESHOCK_WORKFLOWS_PATH } : {}),
      ...(role === 'workflows'
        ? { workerInterceptors: { workflowModules: [ACTIVITY_ROUTING_INTERCEPTOR_PATH] } }
        : {}),
    });
    this.role = role;
    this.registersWorkflows = registersWorkflows;
    this.checksSearchAttributes = options.checkSearchAttributes ?? true;
  }

  /**
   * Every foreshock activity (agent, guards, history, telemetry, predict, training) built from
   * a parsed config, as the `foreshock worker` command runs them.
   */
  static fromConfig(config: ForeshockConfig, options: ForeshockPluginConfigOptions = {}): ForeshockPlugin {
    const { registerWorkflows, checkSearchAttributes, role, ...activityOptions } = options;
    return new ForeshockPlugin({
      registerWorkflows,
      checkSearchAttributes,
      role,
      ...(role === 'workflows' ? {} : { activities: createConfigActivities(config, activityOptions) }),
    });
  }

  async configureWorker(options: WorkerOptions): Promise<WorkerOptions> {
    this.refuseConflicts(options);
    if (this.checksSearchAttributes && this.role !== 'activities' && options.connection) {
      const warn = (reason: string): void => {
        Runtime.instance().logger.warn(
          `foreshock: ${reason}; make sure the Foreshock* search attributes exist`,
        );
      };
      await checkSearchAttributes(options.connection, options.namespace ?? 'default', warn);
    }
    return this.simple.configureWorker(options);
  }

  configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return this.simple.configureReplayWorker(options);
  }

  configureBundler(options: BundleOptions): BundleOptions {
    return this.simple.configureBundler(options);
  }

  runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    return this.simple.runWorker(worker, next);
  }

  private refuseConflicts(options: WorkerOptions): void {
    if (this.role !== 'workflows') {
      const mine = new Set<string>(FORESHOCK_ACTIVITY_NAMES);
      const clashes = Object.keys(options.activities ?? {}).filter((name) => mine.has(name));
      if (clashes.length > 0) throw new ActivityNameClashError(clashes);
    }
    if (this.registersWorkflows && (options.workflowsPath || options.workflowBundle)) {
      throw new WorkflowsPathConflictError(
        `registerWorkflows would replace this worker's ${options.workflowsPath ? `workflowsPath (${options.workflowsPath})` : 'workflowBundle'}; ` +
          "drop registerWorkflows and add `export * from 'foreshock/workflows'` to your workflows module",
      );
    }
    const onActivityQueue = options.taskQueue.endsWith(ACTIVITY_QUEUE_SUFFIX);
    if (this.role === 'activities' && !onActivityQueue) {
      throw new TaskQueueRoleError(
        `role 'activities' polls foreshock's activity queue: set taskQueue to foreshockActivityQueue('${options.taskQueue}') ` +
          `('${options.taskQueue}${ACTIVITY_QUEUE_SUFFIX}')`,
      );
    }
    if (this.role !== 'activities' && onActivityQueue) {
      throw new TaskQueueRoleError(
        `task queue '${options.taskQueue}' is foreshock's activity queue: use role 'activities' there`,
      );
    }
  }
}
