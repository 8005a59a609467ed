import type { Command } from 'commander';
import { FAILURE_MODES, type FailureMode } from '../../config/fault-params';
import { parseDuration } from '../../config/duration';
import { InjectionRejectedError, NoWorkerError, RunTimeoutError } from '../../client/errors';
import { NoTemporalAddressError } from '../../client/connection';
import type { CycleSummary } from '../../workflows/cycle-types';
import type { Verdict } from '../../workflows/types';
import { printJson, withDevOption, withForeshock } from './support';

interface RunOptions {
  resource?: string;
  mode?: string;
  param: string[];
  duration?: string;
  dryRun?: boolean;
  failOnBreach?: boolean;
  timeout?: string;
  dev?: boolean;
}

/** `foreshock run` exit codes: what a pipeline branches on. */
export const RUN_EXIT = { pass: 0, error: 1, breach: 3, inconclusive: 4 } as const;

export function exitCodeOf(verdict: Verdict | undefined): number {
  if (verdict === 'breach') return RUN_EXIT.breach;
  if (verdict === 'pass') return RUN_EXIT.pass;
  return RUN_EXIT.inconclusive;
}

/** A cycle's verdict: breach if any injection breached, inconclusive if any did not conclude. */
export function cycleVerdict(summary: CycleSummary): Verdict {
  if (summary.injections.some((i) => i.breached || i.verdict === 'breach')) return 'breach';
  if (summary.injections.some((i) => i.error !== undefined || (i.verdict ?? 'pass') === 'inconclusive'))
    return 'inconclusive';
  return 'pass';
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function timeoutOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new Error(`--timeout must be a duration such as 90s or 10m (got ${text})`);
  return ms;
}

export function registerRun(program: Command): void {
  withDevOption(
    program
      .command('run <config>')
      .description(
        'run one chaos cycle now, or one injection with --resource and --mode; waits for the result. ' +
          'Exit code: 0 pass, 3 guard breach, 4 inconclusive (guards unreadable, fault lost, aborted, timed out), 1 error',
      ),
  )
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
    .option('--timeout <duration>', 'give up after this long (e.g. 10m): the workflow is cancelled, exit 4')
    .option('--fail-on-breach', 'kept for compatibility: a breach always exits 3')
    .action(async (configFile: string, opts: RunOptions) => {
      const timeoutMs = timeoutOf(opts.timeout);
      let code: number;
      try {
        code = await withForeshock(configFile, (context) => runOnce(configFile, opts, context, timeoutMs), {
          dev: opts.dev ?? false,
          requireWorker: true,
        });
      } catch (err) {
        if (err instanceof RunTimeoutError) {
          console.error(`foreshock run: ${err.message}`);
          code = RUN_EXIT.inconclusive;
        } else if (
          err instanceof NoWorkerError ||
          err instanceof NoTemporalAddressError ||
          err instanceof InjectionRejectedError
        ) {
          console.error(`foreshock run: ${err.message}`);
          code = RUN_EXIT.error;
        } else throw err;
      }
      process.exitCode = code;
    });
}

async function runOnce(
  configFile: string,
  opts: RunOptions,
  { foreshock, config }: Parameters<Parameters<typeof withForeshock>[1]>[0],
  timeoutMs: number | undefined,
): Promise<number> {
  const wait = timeoutMs !== undefined ? { timeoutMs } : {};
  if (!opts.resource) {
    const summary = await foreshock.runCycle({ ...(opts.dryRun ? { dryRun: true } : {}), ...wait });
    const verdict = cycleVerdict(summary);
    printJson({ ...summary, verdict });
    return exitCodeOf(verdict);
  }
  if (!opts.mode || !(FAILURE_MODES as readonly string[]).includes(opts.mode)) {
    throw new Error(`--mode must be one of ${FAILURE_MODES.join(', ')} (got ${opts.mode ?? 'nothing'})`);
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
  if (durationMs === undefined) throw new Error('--duration is required when the config gives no duration');
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
    wait,
  );
  printJson(outcome);
  return exitCodeOf(outcome.verdict ?? (outcome.breached ? 'breach' : 'pass'));
}
