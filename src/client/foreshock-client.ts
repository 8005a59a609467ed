/**
 * ForeshockClient: what a pipeline needs — run a cycle, inject one scenario and wait for
 * its outcome, abort, status, halt everything, resume. Typed results, named errors.
 */
import {
  ApplicationFailure,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { FaultState } from '../inject/api';
import type { AgentClient } from '../inject/client';
import { routerOf, type AgentRouter, type AgentTarget } from '../inject/agent-router';
import type { ForeshockConfig } from '../config/schema';
import type { FailureScenario } from '../predict/types';
import { abortUpdate, statusQuery, WORKFLOW_TASK_TIMEOUT, WORKFLOW_TYPES } from '../workflows/messages';
import { injectionInputFor } from '../workflows/selection';
import { searchAttributeKeys } from '../workflows/search-attributes';
import {
  FAILURE_TYPES,
  type AbortAck,
  type InjectionInput,
  type InjectionOutcome,
  type InjectionStatus,
} from '../workflows/types';
import type { CycleSummary } from '../workflows/cycle-types';
import type { injectionWorkflow } from '../workflows/injection';
import type { chaosCycle } from '../workflows/cycle';
import {
  HaltIncompleteError,
  InjectionRejectedError,
  NoWorkerError,
  RunTimeoutError,
  WorkflowRunError,
} from './errors';
import { cycleConfigOf, listForeshockSchedules } from './schedules';

/**
 * temporal.api.enums.v1 values, as numbers: the package needs no runtime import of
 * @temporalio/proto (not one of its peers), and the wire format is the number.
 */
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

export interface ForeshockClientOptions {
  client: Client;
  taskQueue: string;
  /** The agent (or a router to one per host), for halt's check that every fault is gone. */
  agent?: AgentTarget;
  /** The config scenarios and cycles are resolved against. */
  config?: ForeshockConfig;
  /**
   * The config file as the workers see it: a cycle then carries this reference instead of the
   * config itself. @default the config inline
   */
  configPath?: string;
  /** @default 'default' */
  namespace?: string;
}

/** How long to wait for a result; on expiry the workflow is cancelled (it rolls back). */
export interface WaitOptions {
  /** @default no limit */
  timeoutMs?: number;
}

export interface HaltReport {
  pausedSchedules: string[];
  cancelledWorkflows: string[];
  /** Faults halt removed itself because their workflow had not yet done so. */
  revertedDirectly: string[];
  /** Milliseconds from the halt call until the agent held no foreshock fault. */
  faultsGoneAfterMs?: number;
}

const REJECTION_TYPES: string[] = Object.values(FAILURE_TYPES);
const RUNNING_INJECTIONS = `WorkflowType IN ('${WORKFLOW_TYPES.injection}', '${WORKFLOW_TYPES.cycle}') AND ExecutionStatus = 'Running'`;

export class ForeshockClient {
  readonly client: Client;
  readonly taskQueue: string;
  private readonly agents?: AgentRouter;
  private readonly config?: ForeshockConfig;
  private readonly configPath?: string;
  private readonly namespace: string;

  constructor(options: ForeshockClientOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue;
    this.agents = options.agent && routerOf(options.agent);
    this.config = options.config;
    this.configPath = options.configPath;
    this.namespace = options.namespace ?? options.client.options.namespace ?? 'default';
  }

  /**
   * Throws NoWorkerError unless some worker polls the task queue for workflow tasks
   * (DescribeTaskQueue): a pipeline fails fast instead of waiting for a worker that never comes.
   */
  async requireWorker(): Promise<void> {
    const answer = await this.client.workflowService.describeTaskQueue({
      namespace: this.namespace,
      taskQueue: { name: this.taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
    });
    if ((answer.pollers ?? []).length === 0) throw new NoWorkerError(this.taskQueue);
  }

  /** Runs one chaos cycle and waits for its summary. */
  async runCycle(
    options: { dryRun?: boolean; workflowId?: string; shardSize?: number } & WaitOptions = {},
  ): Promise<CycleSummary> {
    const workflowId = options.workflowId ?? `foreshock-cycle-manual-${Date.now()}`;
    const reference = this.configPath
      ? { configPath: this.configPath }
      : { config: cycleConfigOf(this.requireConfig('runCycle')) };
    const handle = await this.client.workflow.start<typeof chaosCycle>(WORKFLOW_TYPES.cycle, {
      taskQueue: this.taskQueue,
      workflowId,
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
      args: [
        {
          ...reference,
          ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}),
          ...(options.shardSize !== undefined ? { shardSize: options.shardSize } : {}),
        },
      ],
    });
    return this.resultOf(handle, options.timeoutMs);
  }

  /** Starts an injection (a predicted scenario, resolved against the config, or a full input). */
  async startInjection(
    scenario: FailureScenario | InjectionInput,
    options: { workflowId?: string; dryRun?: boolean } = {},
  ): Promise<WorkflowHandle<typeof injectionWorkflow>> {
    const input = isScenario(scenario)
      ? injectionInputFor(scenario, this.requireConfig('inject(scenario)'), { dryRun: options.dryRun })
      : { ...scenario, ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}) };
    return this.client.workflow.start<typeof injectionWorkflow>(WORKFLOW_TYPES.injection, {
      taskQueue: this.taskQueue,
      workflowId: options.workflowId ?? `foreshock-inject-${input.resource}-${input.mode}-${Date.now()}`,
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
      args: [input],
      typedSearchAttributes: [
        { key: searchAttributeKeys.resource, value: input.resource },
        { key: searchAttributeKeys.mode, value: input.mode },
        { key: searchAttributeKeys.severity, value: input.severity ?? 'medium' },
        { key: searchAttributeKeys.outcome, value: 'running' },
      ],
      ...(input.why ? { memo: { why: input.why.text, probability: input.why.probability } } : {}),
    });
  }

  /** Injects and waits for the outcome (the fault is gone when this resolves). */
  async inject(
    scenario: FailureScenario | InjectionInput,
    options: { workflowId?: string; dryRun?: boolean } & WaitOptions = {},
  ): Promise<InjectionOutcome> {
    return this.resultOf(await this.startInjection(scenario, options), options.timeoutMs);
  }

  async abort(workflowId: string, reason = 'aborted by ForeshockClient'): Promise<AbortAck> {
    return this.client.workflow.getHandle(workflowId).executeUpdate(abortUpdate, { args: [{ reason }] });
  }

  async status(workflowId: string): Promise<InjectionStatus> {
    return this.client.workflow.getHandle(workflowId).query(statusQuery);
  }

  /**
   * Pauses every foreshock schedule and cancels every running cycle and injection (each
   * rolls back), then checks at the agent that no foreshock fault is left — removing any
   * straggler itself shortly before the deadline. Throws HaltIncompleteError when the agent
   * still holds a fault at the deadline.
   */
  async halt(options: { reason?: string; timeoutMs?: number } = {}): Promise<HaltReport> {
    const startedAt = Date.now();
    const timeoutMs = options.timeoutMs ?? 2000;
    const note = `halted: ${options.reason ?? 'foreshock halt'}`;
    const pausedSchedules = await listForeshockSchedules(this.client);
    await Promise.all(pausedSchedules.map((id) => this.client.schedule.getHandle(id).pause(note)));
    const cancelledWorkflows: string[] = [];
    for await (const execution of this.client.workflow.list({ query: RUNNING_INJECTIONS })) {
      cancelledWorkflows.push(execution.workflowId);
    }
    await Promise.all(
      cancelledWorkflows.map((id) =>
        this.client.workflow
          .getHandle(id)
          .cancel()
          .catch(() => undefined),
      ),
    );
    const report: HaltReport = { pausedSchedules, cancelledWorkflows, revertedDirectly: [] };
    if (!this.agents) return report;
    const deadline = startedAt + timeoutMs;
    let remaining: { agent: AgentClient; fault: FaultState }[] = [];
    let unreachable: string | undefined;
    for (;;) {
      try {
        remaining = (await this.agents.listAll()).filter(
          ({ fault }) => fault.phase === 'applied' && fault.faultId.startsWith('fs-'),
        );
        unreachable = undefined;
      } catch (err) {
        unreachable = err instanceof Error ? err.message : String(err);
      }
      if (remaining.length === 0 && unreachable === undefined) {
        report.faultsGoneAfterMs = Date.now() - startedAt;
        return report;
      }
      if (Date.now() >= deadline) break;
      // The workflows remove their faults; halt only steps in for one that is late.
      if (Date.now() >= deadline - Math.min(600, timeoutMs / 3)) {
        for (const { agent, fault } of remaining) {
          await agent.revert(fault.faultId).catch(() => undefined);
          if (!report.revertedDirectly.includes(fault.faultId)) report.revertedDirectly.push(fault.faultId);
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (unreachable !== undefined) {
      throw new HaltIncompleteError(
        `halt: schedules paused and ${cancelledWorkflows.length} workflow(s) cancelled, but the agent could not be asked whether every fault is gone: ${unreachable}`,
        remaining.map(({ fault }) => fault),
      );
    }
    throw new HaltIncompleteError(
      `halt: the agents still hold ${remaining.length} fault(s) after ${timeoutMs}ms: ${remaining.map(({ fault }) => fault.faultId).join(', ')}`,
      remaining.map(({ fault }) => fault),
    );
  }

  /** Undoes halt's pause of the foreshock schedules. */
  async resume(reason = 'resumed by foreshock'): Promise<{ resumedSchedules: string[] }> {
    const ids = await listForeshockSchedules(this.client);
    await Promise.all(ids.map((id) => this.client.schedule.getHandle(id).unpause(reason)));
    return { resumedSchedules: ids };
  }

  private requireConfig(what: string): ForeshockConfig {
    if (!this.config) throw new Error(`ForeshockClient.${what} needs the config (options.config)`);
    return this.config;
  }

  private async resultOf<T>(handle: WorkflowHandle, timeoutMs?: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      if (timeoutMs !== undefined) timer = setTimeout(() => resolve('expired'), timeoutMs);
    });
    try {
      const result = handle.result() as Promise<T>;
      const first = await Promise.race([result, expired]);
      if (first === 'expired') {
        result.catch(() => undefined);
        await handle.cancel();
        throw new RunTimeoutError(handle.workflowId, timeoutMs!);
      }
      return first;
    } catch (err) {
      if (err instanceof RunTimeoutError) throw err;
      if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
        const failure = err.cause;
        if (failure.type && REJECTION_TYPES.includes(failure.type)) {
          const detail = (failure.details?.[0] ?? {}) as { field?: string; allowed?: string };
          throw new InjectionRejectedError(
            failure.message,
            handle.workflowId,
            failure.type,
            detail.field,
            detail.allowed,
          );
        }
      }
      throw new WorkflowRunError(
        `workflow ${handle.workflowId} did not complete: ${err instanceof Error ? err.message : String(err)}`,
        handle.workflowId,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

function isScenario(value: FailureScenario | InjectionInput): value is FailureScenario {
  return 'score' in value && 'rollback' in value;
}
