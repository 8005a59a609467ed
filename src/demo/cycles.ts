/**
 * The demo's chaos cycles: bounded mode starts N cycles itself (so it knows when the N-th is
 * done); the interactive mode applies the config's schedule and follows what Temporal starts.
 * On a stop request the running cycles are halted (their injections roll back).
 */
import type { Client } from '@temporalio/client';
import type { ForeshockClient } from '../client/foreshock-client';
import { applySchedules, scheduleDefinitions } from '../client/schedules';
import type { ForeshockConfig } from '../config/schema';
import type { CycleConfig, CycleSummary } from '../workflows/cycle-types';
import { WORKFLOW_TYPES } from '../workflows/messages';
import type { DemoHandles } from './environment';
import type { ComponentLogger } from './log';
import type { ProgressState } from './progress';
import type { DemoEvents, DemoSummary } from './types';

export function describeCycle(i: number | string, s: CycleSummary): string {
  return `cycle ${i} done: ${s.considered} scenarios, ${s.injections.length} injected${s.injections
    .map((inj) => ` · ${inj.scenario} → ${inj.rollbackPath ?? '?'}${inj.breached ? ' (guard breached)' : ''}`)
    .join('')}`;
}

export interface CyclesOptions {
  temporal: Client;
  taskQueue: string;
  config: ForeshockConfig;
  cycleConfig: CycleConfig;
  runId: string;
  /** Bounded mode: this many cycles. */
  cycles?: number;
  handles: DemoHandles;
  state: ProgressState;
  summary: DemoSummary;
  events: DemoEvents;
  log: ComponentLogger;
  stopRequested: () => boolean;
  /** Resolves to 'stop' when the user asks to stop. */
  stopped: Promise<'stop'>;
}

/**
 * Runs the cycles until done (bounded) or until a stop request (interactive); resolves to the
 * cycles' result promises, each of which must settle before the connection closes.
 */
export async function runCycles(o: CyclesOptions): Promise<Promise<unknown>[]> {
  const { temporal, state, summary, events, handles } = o;
  const pendingResults: Promise<unknown>[] = [];
  if (o.cycles !== undefined) {
    for (let i = 1; i <= o.cycles && !o.stopRequested(); i++) {
      state.cycle = i;
      state.phase = 'cycle starting';
      const workflowId = `foreshock-demo-cycle-${o.runId}-${i}`;
      handles.currentCycle = await temporal.workflow.start('chaosCycle', {
        taskQueue: o.taskQueue,
        workflowId,
        args: [{ config: o.cycleConfig }],
      });
      events.event(`cycle ${i} started`, { workflowId });
      const result = handles.currentCycle.result() as Promise<CycleSummary>;
      pendingResults.push(result.catch(() => undefined));
      const done = result.then(
        () => 'done' as const,
        () => 'done' as const,
      );
      if ((await Promise.race([done, o.stopped])) === 'stop') break;
      try {
        const cycleSummary = await result;
        summary.cycles++;
        events.event(describeCycle(i, cycleSummary), { summary: cycleSummary });
      } catch (err) {
        summary.cycles++;
        events.event(`cycle ${i} failed: ${(err as Error).message}`);
      }
      handles.currentCycle = undefined;
    }
    return pendingResults;
  }
  const definitions = scheduleDefinitions(o.config, o.taskQueue);
  await applySchedules(temporal, definitions);
  events.event(
    `schedule ${definitions.cycle.scheduleId} applied: a cycle every ${o.config.failure_injection_profile.injection_frequency}`,
  );
  await temporal.schedule.getHandle(definitions.cycle.scheduleId).trigger();
  const followed = new Set<string>();
  const follow = async () => {
    const query = `WorkflowType = '${WORKFLOW_TYPES.cycle}' AND ExecutionStatus = 'Running'`;
    for await (const execution of temporal.workflow.list({ query })) {
      if (followed.has(execution.workflowId + execution.runId)) continue;
      followed.add(execution.workflowId + execution.runId);
      const handle = temporal.workflow.getHandle(execution.workflowId, execution.runId);
      handles.currentCycle = handle;
      state.cycle = followed.size;
      const n = followed.size;
      events.event(`cycle ${n} started by the schedule`, { workflowId: execution.workflowId });
      const result = (handle.result() as Promise<CycleSummary>).then(
        (cycleSummary) => {
          summary.cycles++;
          events.event(describeCycle(n, cycleSummary), { summary: cycleSummary });
        },
        (err: Error) => events.event(`cycle ${n} ended: ${err.message}`),
      );
      pendingResults.push(result);
    }
  };
  while (!o.stopRequested()) {
    await follow().catch((err: Error) => o.log.warn('listing cycles failed', { error: err.message }));
    await Promise.race([new Promise((r) => setTimeout(r, 1000)), o.stopped]);
  }
  return pendingResults;
}

/** Pauses the schedules and cancels the running cycles, then waits for them to record their outcomes. */
export async function haltCycles(
  foreshock: ForeshockClient,
  temporal: Client,
  events: DemoEvents,
): Promise<void> {
  events.event('halting: schedules paused, running cycles cancelled (their injections roll back)');
  const halt = await foreshock.halt({ reason: 'demo stopping', timeoutMs: 30_000 }).catch((err: Error) => {
    events.event(`halt incomplete: ${err.message}`);
    return undefined;
  });
  if (!halt) return;
  events.event(
    `halted: ${halt.cancelledWorkflows.length} workflow(s) cancelled, faults gone after ${halt.faultsGoneAfterMs ?? '?'} ms`,
  );
  // the fault is gone before a cancelled injection has recorded its outcome: wait for the
  // workflows to close so the summary counts them
  await Promise.race([
    Promise.allSettled(halt.cancelledWorkflows.map((id) => temporal.workflow.getHandle(id).result())),
    new Promise((r) => setTimeout(r, 20_000)),
  ]);
}
