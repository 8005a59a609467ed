export { ForeshockClient, type ForeshockClientOptions, type HaltReport } from './foreshock-client';
export * from './errors';
export {
  applySchedules,
  scheduleDefinitions,
  scheduleIds,
  listForeshockSchedules,
  cycleConfigOf,
  frequencySpec,
  SCHEDULE_PREFIX,
  TRAINING_CRON,
} from './schedules';
export { connectTemporal, type TemporalTarget } from './connection';
