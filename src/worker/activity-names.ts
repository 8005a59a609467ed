/**
 * The names foreshock's activities register under, and the task queue they move to when a
 * deployment runs them apart from the workflows. Constants only: the workflow sandbox imports
 * this file (the routing interceptor).
 */

/** Every activity ForeshockPlugin registers, by the name workflows schedule it under. */
export const FORESHOCK_ACTIVITY_NAMES = [
  'injectFault',
  'setFailover',
  'rollbackFault',
  'watchFault',
  'degradeFault',
  'checkGuards',
  'recordOutcome',
  'recentOutcomes',
  'collectTelemetry',
  'predictFailures',
  'planCycle',
  'collectAndPredict',
  'runningInjections',
  'trainModels',
] as const;

export type ForeshockActivityName = (typeof FORESHOCK_ACTIVITY_NAMES)[number];

/** Appended to the workflows' task queue to name the queue foreshock's activities run on. */
export const ACTIVITY_QUEUE_SUFFIX = '-foreshock-activities';

/**
 * The task queue foreshock's activities run on when the workflows' worker has
 * `role: 'workflows'`: the workers near the agents (holding the agent token) poll it with
 * `role: 'activities'`.
 */
export function foreshockActivityQueue(workflowTaskQueue: string): string {
  return `${workflowTaskQueue}${ACTIVITY_QUEUE_SUFFIX}`;
}
