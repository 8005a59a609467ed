/**
 * Temporal Schedules for a config: the chaos cycle at `injection_frequency` (an interval or
 * a 5-field cron) and the forecaster training, both with overlap SKIP and an explicit
 * catch-up window. Applying twice updates in place, paused state included. The cycle's action
 * carries a reference to the config (its path, read on the worker), never the config itself.
 */
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleSpec,
} from '@temporalio/client';
import type { ForeshockConfig } from '../config/schema';
import { parseInjectionFrequency } from '../config/semantic';
import { WORKFLOW_TASK_TIMEOUT, WORKFLOW_TYPES } from '../workflows/messages';
import type { CycleConfig } from '../workflows/cycle-types';

/** Every foreshock schedule id starts with this; halt pauses them all by it. */
export const SCHEDULE_PREFIX = 'foreshock-';

export function scheduleIds(taskQueue: string) {
  return {
    cycle: `${SCHEDULE_PREFIX}cycle-${taskQueue}`,
    training: `${SCHEDULE_PREFIX}training-${taskQueue}`,
  };
}

/** How often the forecaster retrains. @default daily at 03:17 */
export const TRAINING_CRON = '17 3 * * *';

export function cycleConfigOf(config: ForeshockConfig): CycleConfig {
  return {
    resources: config.resources,
    resource_failure_modes: config.resource_failure_modes,
    failure_injection_profile: config.failure_injection_profile,
    prometheus: config.prometheus,
  };
}

export function frequencySpec(frequency: string): ScheduleSpec {
  const parsed = parseInjectionFrequency(frequency);
  if ('error' in parsed) throw new Error(`failure_injection_profile.injection_frequency: ${parsed.error}`);
  return parsed.kind === 'interval'
    ? { intervals: [{ every: parsed.ms }] }
    : { cronExpressions: [parsed.expression] };
}

export interface ScheduleDefinitions {
  cycle: ScheduleOptions;
  training: ScheduleOptions;
}

/** The schedules a config asks for (pure: what `apply` creates or updates). */
export function scheduleDefinitions(
  config: ForeshockConfig,
  taskQueue: string,
  options: { configPath?: string; trainingCron?: string } = {},
): ScheduleDefinitions {
  const ids = scheduleIds(taskQueue);
  const policies = {
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindow: Math.max(1000, config.failure_injection_profile.catchup_window),
  };
  return {
    cycle: {
      scheduleId: ids.cycle,
      spec: frequencySpec(config.failure_injection_profile.injection_frequency),
      action: {
        type: 'startWorkflow',
        workflowType: WORKFLOW_TYPES.cycle,
        workflowId: ids.cycle,
        taskQueue,
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
        // A reference the worker resolves; the whole config only when no path is known (demo).
        args: [options.configPath ? { configPath: options.configPath } : { config: cycleConfigOf(config) }],
      },
      policies,
      state: {
        paused: !config.failure_injection_profile.enabled,
        note: 'applied by foreshock schedule apply',
      },
    },
    training: {
      scheduleId: ids.training,
      spec: { cronExpressions: [options.trainingCron ?? TRAINING_CRON] },
      action: {
        type: 'startWorkflow',
        workflowType: WORKFLOW_TYPES.training,
        workflowId: ids.training,
        taskQueue,
        args: [{ ...(options.configPath ? { configPath: options.configPath } : {}), reason: 'scheduled' }],
      },
      policies,
      state: { note: 'applied by foreshock schedule apply' },
    },
  };
}

/**
 * Creates or updates both schedules; returns their ids, whether each was created, and whether
 * it is paused now. An existing schedule takes the paused state the definition asks for (the
 * cycle's follows `failure_injection_profile.enabled`).
 */
export async function applySchedules(
  client: Client,
  definitions: ScheduleDefinitions,
): Promise<{ scheduleId: string; created: boolean; paused: boolean }[]> {
  const results: { scheduleId: string; created: boolean; paused: boolean }[] = [];
  for (const definition of [definitions.cycle, definitions.training]) {
    const handle = client.schedule.getHandle(definition.scheduleId);
    try {
      const current = await handle.describe();
      const paused = definition.state?.paused ?? current.state.paused;
      await handle.update((previous) => ({
        ...previous,
        spec: definition.spec,
        action: definition.action as typeof previous.action,
        policies: { ...previous.policies, ...definition.policies },
        // the update carries the paused state too, so it can never undo the pause below
        state: { ...previous.state, paused },
      }));
      if (current.state.paused !== paused) {
        const note = `${paused ? 'paused' : 'resumed'} by foreshock schedule apply`;
        await (paused ? handle.pause(note) : handle.unpause(note));
      }
      results.push({ scheduleId: definition.scheduleId, created: false, paused });
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await client.schedule.create(definition);
      results.push({
        scheduleId: definition.scheduleId,
        created: true,
        paused: definition.state?.paused ?? false,
      });
    }
  }
  return results;
}

/** Ids of every foreshock schedule on the namespace. */
export async function listForeshockSchedules(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const summary of client.schedule.list()) {
    if (summary.scheduleId.startsWith(SCHEDULE_PREFIX)) ids.push(summary.scheduleId);
  }
  return ids;
}
