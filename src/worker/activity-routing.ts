/**
 * Workflow interceptor module (runs in the workflow sandbox): foreshock's workflows schedule
 * foreshock's activities on `foreshockActivityQueue(<their own task queue>)`, so that those
 * activities run on workers near the agents. Other workflows and activities are left alone.
 */
import { workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { FORESHOCK_ACTIVITY_NAMES, foreshockActivityQueue } from './activity-names';

const FORESHOCK_WORKFLOW_TYPES = new Set(['injectionWorkflow', 'chaosCycle', 'forecasterTraining']);
const ROUTED = new Set<string>(FORESHOCK_ACTIVITY_NAMES);

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      async scheduleActivity(input, next) {
        const info = workflowInfo();
        if (!FORESHOCK_WORKFLOW_TYPES.has(info.workflowType) || !ROUTED.has(input.activityType)) {
          return next(input);
        }
        return next({
          ...input,
          options: { ...input.options, taskQueue: foreshockActivityQueue(info.taskQueue) },
        });
      },
    },
  ],
});
