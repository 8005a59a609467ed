import path from 'node:path';
import type { Command } from 'commander';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import {
  applySchedules,
  listForeshockSchedules,
  scheduleDefinitions,
  scheduleIds,
} from '../../client/schedules';
import { printJson, withDevOption, withForeshock } from './support';

export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('Temporal Schedules for the chaos cycle (injection_frequency) and forecaster training');
  withDevOption(
    schedule
      .command('apply <config>')
      .description(
        'create or update the schedules (overlap SKIP, catch-up window from the config, the cycle paused unless failure_injection_profile.enabled); the cycle carries the config path, read on the worker',
      ),
  )
    .option('--training-cron <cron>', 'when the forecaster retrains', undefined)
    .action(async (configFile: string, opts: { trainingCron?: string; dev?: boolean }) => {
      await withForeshock(
        configFile,
        async ({ config, client, target }) => {
          const definitions = scheduleDefinitions(config, target.taskQueue, {
            configPath: path.resolve(configFile),
            ...(opts.trainingCron ? { trainingCron: opts.trainingCron } : {}),
          });
          printJson(await applySchedules(client, definitions));
        },
        { dev: opts.dev ?? false },
      );
    });
  for (const [verb, what] of [
    ['pause', 'pause both schedules'],
    ['resume', 'resume both schedules'],
    [
      'trigger',
      'start a chaos cycle now (overlap SKIP: nothing starts while a cycle runs; running injections count against max_concurrent)',
    ],
  ] as const) {
    withDevOption(schedule.command(`${verb} <config>`).description(what)).action(
      async (configFile: string, opts: { dev?: boolean }) => {
        await withForeshock(
          configFile,
          async ({ client, target }) => {
            const ids = scheduleIds(target.taskQueue);
            const targets = verb === 'trigger' ? [ids.cycle] : [ids.cycle, ids.training];
            for (const id of targets) {
              const handle = client.schedule.getHandle(id);
              if (verb === 'pause') await handle.pause('paused by foreshock schedule pause');
              else if (verb === 'resume') await handle.unpause('resumed by foreshock schedule resume');
              else await handle.trigger(ScheduleOverlapPolicy.SKIP);
            }
            printJson({ [verb]: targets, foreshockSchedules: await listForeshockSchedules(client) });
          },
          { dev: opts.dev ?? false, requireWorker: verb === 'trigger' },
        );
      },
    );
  }
}
