import type { Command } from 'commander';
import {
  applySchedules,
  listForeshockSchedules,
  scheduleDefinitions,
  scheduleIds,
} from '../../client/schedules';
import { printJson, withForeshock } from './support';

export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Temporal Schedules for the chaos cycle (injection_frequency) and forecaster training');
  schedule
    .command('apply <config>')
    .description('create or update the schedules (overlap SKIP, catch-up window from the config)')
    .option('--training-cron <cron>', 'when the forecaster retrains', undefined)
    .action(async (configFile: string, opts: { trainingCron?: string }) => {
      await withForeshock(configFile, async ({ config, client, target }) => {
        const definitions = scheduleDefinitions(config, target.taskQueue, {
          configPath: configFile,
          ...(opts.trainingCron ? { trainingCron: opts.trainingCron } : {}),
        });
        printJson(await applySchedules(client, definitions));
      });
    });
  for (const [verb, what] of [
    ['pause', 'pause both schedules'],
    ['resume', 'resume both schedules'],
    ['trigger', 'start a chaos cycle now (the cycle schedule)'],
  ] as const) {
    schedule
      .command(`${verb} <config>`)
      .description(what)
      .action(async (configFile: string) => {
        await withForeshock(configFile, async ({ client, target }) => {
          const ids = scheduleIds(target.taskQueue);
          const targets = verb === 'trigger' ? [ids.cycle] : [ids.cycle, ids.training];
          for (const id of targets) {
            const handle = client.schedule.getHandle(id);
            if (verb === 'pause') await handle.pause('paused by foreshock schedule pause');
            else if (verb === 'resume') await handle.unpause('resumed by foreshock schedule resume');
            else await handle.trigger();
          }
          printJson({ [verb]: targets, foreshockSchedules: await listForeshockSchedules(client) });
        });
      });
  }
}
