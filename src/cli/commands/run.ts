import type { Command } from 'commander';
import { FAILURE_MODES, type FailureMode } from '../../config/fault-params';
import { parseDuration } from '../../config/duration';
import { printJson, withForeshock } from './support';

interface RunOptions {
  resource?: string;
  mode?: string;
  param: string[];
  duration?: string;
  dryRun?: boolean;
  failOnBreach?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerRun(program: Command): void {
  program
    .command('run <config>')
    .description('run one chaos cycle now, or one injection with --resource and --mode; waits for the result')
    .option('--resource <name>', 'inject into this resource (instead of a predicted cycle)')
    .option('--mode <mode>', `failure mode: ${FAILURE_MODES.join(', ')}`)
    .option(
      '--param <key=value>',
      'fault parameter (repeatable); defaults from injection_parameters',
      collect,
      [],
    )
    .option('--duration <duration>', 'how long the fault stays, e.g. 30s')
    .option('--dry-run', 'decide and record, inject nothing')
    .option('--fail-on-breach', 'exit 3 when a guard breached (for CI)')
    .action(async (configFile: string, opts: RunOptions) => {
      const code = await withForeshock(configFile, async ({ foreshock, config }) => {
        if (!opts.resource) {
          const summary = await foreshock.runCycle(opts.dryRun ? { dryRun: true } : {});
          printJson(summary);
          return opts.failOnBreach && summary.injections.some((i) => i.breached) ? 3 : 0;
        }
        if (!opts.mode || !(FAILURE_MODES as readonly string[]).includes(opts.mode)) {
          throw new Error(
            `--mode must be one of ${FAILURE_MODES.join(', ')} (got ${opts.mode ?? 'nothing'})`,
          );
        }
        const mode = opts.mode as FailureMode;
        const resource = config.resources.find((r) => r.name === opts.resource);
        if (!resource) {
          throw new Error(
            `--resource ${opts.resource} is not in ${configFile}; known: ${config.resources.map((r) => r.name).join(', ')}`,
          );
        }
        const defaults =
          config.resource_failure_modes.find((m) => m.resource_type === resource.type)?.injection_parameters[
            mode
          ] ?? {};
        const params: Record<string, unknown> = { ...defaults };
        for (const pair of opts.param) {
          const eq = pair.indexOf('=');
          if (eq <= 0) throw new Error(`--param expects key=value (got ${pair})`);
          const raw = pair.slice(eq + 1);
          params[pair.slice(0, eq)] = raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
        }
        if (opts.duration) params.duration = opts.duration;
        const durationMs =
          typeof params.duration === 'number'
            ? params.duration
            : typeof params.duration === 'string'
              ? parseDuration(params.duration)
              : undefined;
        if (durationMs === undefined)
          throw new Error('--duration is required when the config gives no duration');
        const profile = config.failure_injection_profile;
        const outcome = await foreshock.inject(
          {
            resource: resource.name,
            resourceType: resource.type,
            mode,
            params,
            durationMs,
            guards: resource.guards.map((g) => ({ name: g.name, expr: g.expr, forMs: g.for })),
            rollbackPolicy: profile.rollback_policy,
            monitorIntervalMs: profile.monitor_interval,
            leaseMs: Math.max(profile.lease, 2 * profile.monitor_interval),
            dryRun: opts.dryRun ?? profile.dry_run,
          },
          {},
        );
        printJson(outcome);
        return opts.failOnBreach && outcome.breached ? 3 : 0;
      });
      process.exitCode = code;
    });
}
