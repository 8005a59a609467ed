/**
 * All foreshock activities, built from their dependencies. The telemetry and predict
 * activities come from the Predictive Failure Engine when its factories are passed in.
 */
import { createInjectActivities, type InjectActivityDeps } from './inject';
import { createGuardActivities, type GuardActivityDeps } from './guards';
import { createHistoryActivities, type HistoryActivityDeps } from './history';

export type ForeshockActivityDeps = InjectActivityDeps & GuardActivityDeps & HistoryActivityDeps;

export function createForeshockActivities(deps: ForeshockActivityDeps) {
  return {
    ...createInjectActivities(deps),
    ...createGuardActivities(deps),
    ...createHistoryActivities(deps),
  };
}

export type ForeshockActivities = ReturnType<typeof createForeshockActivities>;
export { createInjectActivities, createGuardActivities, createHistoryActivities };
export type { InjectActivities } from './inject';
export type { GuardActivities, WatchFaultResult } from './guards';
export type { HistoryActivities, RecentOutcome } from './history';
