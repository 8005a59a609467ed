/**
 * Watching a live fault: one long-running activity per watch that, every monitor interval,
 * renews the fault's lease at the agent and evaluates the resource's guards in Prometheus.
 * Progress (red streaks, checks, consecutive failed checks) travels in heartbeat details, so a
 * retry on another worker resumes the same streaks and the same failed-check count instead of
 * starting over. Heartbeats go out on a timer while a check runs, and every guard query has a
 * timeout below the monitor interval: a Prometheus that hangs makes failed checks, never a
 * silent activity. One activity for the whole window keeps a 10-minute injection at a few dozen
 * history events.
 */
import { Context } from '@temporalio/activity';
import { AgentApiError } from '../inject/client';
import { routerOf, type AgentTarget } from '../inject/agent-router';
import type { PrometheusAdapter } from '../prometheus/adapter';
import type { FailureMode } from '../config/fault-params';
import type { GuardBreach, GuardSpec } from '../workflows/types';
import { observeGuards, type GuardReading, type RedStreaks } from './guard-state';
import { stepDownFault } from './degrade';
import { leaseSeconds, toActivityFailure } from './inject';

export interface WatchFaultInput {
  /** Omitted in a dry run: nothing to renew. */
  faultId?: string;
  /** Whose agent holds the fault (routing by host); histories from before it lack it. */
  resource?: string;
  guards: GuardSpec[];
  monitorIntervalMs: number;
  leaseMs: number;
  /** Per guard query; below the monitor interval. @default min(10 s, 0.8 × monitorIntervalMs) */
  queryTimeoutMs?: number;
  /** Unix ms at which the fault's window ends. */
  endsAt: number;
  /** false: keep watching (and renewing) through breaches, e.g. while failed over. */
  stopOnBreach: boolean;
}

export type WatchEnd = 'duration_end' | 'breach' | 'fault_lost' | 'guards_unavailable';

export interface WatchFaultResult {
  end: WatchEnd;
  breaches: GuardBreach[];
  checks: number;
  /** How many times this watch was resumed from a heartbeat (worker crash, timeout). */
  resumed: number;
}

interface WatchProgress {
  streaks: RedStreaks;
  checks: number;
  breaches: GuardBreach[];
  resumed: number;
  /** Consecutive checks in which some guard could not be read (absent before 0.2). */
  failedChecks?: number;
}

export interface DegradeFaultInput {
  faultId: string;
  /** Whose agent holds the fault (routing by host); histories from before it lack it. */
  resource?: string;
  mode: FailureMode;
  params: Record<string, unknown>;
  guards: GuardSpec[];
  monitorIntervalMs: number;
  leaseMs: number;
  /** @default min(10 s, 0.8 × monitorIntervalMs) */
  queryTimeoutMs?: number;
  /** @default 8 */
  maxSteps?: number;
}

interface DegradeProgress {
  steps: number;
  params: Record<string, unknown>;
  failedChecks?: number;
}

export interface DegradeFaultResult {
  /** true: the guards went green while the fault was weakened; false: ran out of steps. */
  green: boolean;
  steps: number;
  params: Record<string, unknown>;
}

export interface GuardActivityDeps {
  prometheus: PrometheusAdapter;
  /** The one agent, or a router to the agent of each resource's host. */
  agent: AgentTarget;
}

/** Consecutive failed guard evaluations after which the watch gives up (the fault goes). */
export const MAX_FAILED_CHECKS = 5;

function queryTimeoutOf(input: { queryTimeoutMs?: number; monitorIntervalMs: number }): number {
  return input.queryTimeoutMs ?? Math.min(10_000, Math.max(50, Math.floor(0.8 * input.monitorIntervalMs)));
}

class QueryTimeoutError extends Error {
  override name = 'QueryTimeoutError';
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueryTimeoutError(`no answer within ${ms}ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Heartbeats `details()` on a timer until stopped, so the activity stays visibly alive while a
 * check or an agent call is slow; the details are always the latest progress.
 */
function heartbeatTimer(ctx: Context, details: () => unknown): () => void {
  const everyMs = Math.max(50, Math.min(1000, (ctx.info.heartbeatTimeoutMs ?? 3000) / 3));
  ctx.heartbeat(details());
  const timer = setInterval(() => ctx.heartbeat(details()), everyMs);
  return () => clearInterval(timer);
}

export function createGuardActivities({ prometheus, agent }: GuardActivityDeps) {
  const agents = routerOf(agent);
  async function readGuards(guards: GuardSpec[], timeoutMs: number): Promise<GuardReading[]> {
    return Promise.all(
      guards.map(async (guard): Promise<GuardReading> => {
        try {
          const samples = await withTimeout(prometheus.instantQuery(guard.expr), timeoutMs);
          return { guard: guard.name, red: samples.length > 0, value: samples[0]?.value };
        } catch {
          return { guard: guard.name, red: undefined };
        }
      }),
    );
  }

  /** Renews the lease; false when the agent no longer knows the fault (it expired or was removed). */
  async function renew(faultId: string, leaseMs: number, resource: string | undefined): Promise<boolean> {
    try {
      const state = await agents.forResource(resource).renew(faultId, leaseSeconds(leaseMs));
      return state.phase === 'applied';
    } catch (err) {
      // 404: unknown; 409: no longer applied (expired or reverted). Either way nothing is left to watch.
      if (err instanceof AgentApiError && (err.status === 404 || err.status === 409)) return false;
      // The lease is several intervals long: one missed renewal is survivable, so keep watching.
      return true;
    }
  }

  return {
    async watchFault(input: WatchFaultInput): Promise<WatchFaultResult> {
      const ctx = Context.current();
      const saved = ctx.info.heartbeatDetails as WatchProgress | undefined;
      const progress: WatchProgress = saved
        ? { ...saved, resumed: saved.resumed + 1, failedChecks: saved.failedChecks ?? 0 }
        : { streaks: {}, checks: 0, breaches: [], resumed: 0, failedChecks: 0 };
      const queryTimeoutMs = queryTimeoutOf(input);
      const stopBeating = heartbeatTimer(ctx, () => progress);
      try {
        for (;;) {
          const now = Date.now();
          if (now >= input.endsAt) return { end: 'duration_end', ...result(progress) };
          if (input.faultId && !(await renew(input.faultId, input.leaseMs, input.resource))) {
            return { end: 'fault_lost', ...result(progress) };
          }
          const readings = await readGuards(input.guards, queryTimeoutMs);
          const checkedAt = Date.now();
          const observed = observeGuards(input.guards, progress.streaks, readings, checkedAt);
          progress.streaks = observed.streaks;
          progress.checks += 1;
          for (const breach of observed.breaches) {
            if (!progress.breaches.some((b) => b.guard === breach.guard && b.redSince === breach.redSince)) {
              progress.breaches.push(breach);
            }
          }
          progress.failedChecks = readings.some((r) => r.red === undefined)
            ? (progress.failedChecks ?? 0) + 1
            : 0;
          ctx.heartbeat(progress);
          if (observed.breaches.length > 0 && input.stopOnBreach) {
            return { end: 'breach', ...result(progress) };
          }
          if (progress.failedChecks >= MAX_FAILED_CHECKS && input.stopOnBreach) {
            return { end: 'guards_unavailable', ...result(progress) };
          }
          const wait = Math.min(input.monitorIntervalMs, input.endsAt - Date.now());
          if (wait > 0) await ctx.sleep(wait);
        }
      } finally {
        stopBeating();
      }
    },

    /** Weakens the fault one step per interval until every guard reads green, or no step is left. */
    /**
     * Weakens the fault one step per interval until every guard reads green, or no step is
     * left, or the guards stay unreadable for MAX_FAILED_CHECKS checks (the fault then goes).
     */
    async degradeFault(input: DegradeFaultInput): Promise<DegradeFaultResult> {
      const ctx = Context.current();
      const saved = ctx.info.heartbeatDetails as DegradeProgress | undefined;
      const progress: DegradeProgress = {
        steps: saved?.steps ?? 0,
        params: saved?.params ?? input.params,
        failedChecks: saved?.failedChecks ?? 0,
      };
      const maxSteps = input.maxSteps ?? 8;
      const queryTimeoutMs = queryTimeoutOf(input);
      const stopBeating = heartbeatTimer(ctx, () => progress);
      const done = (green: boolean): DegradeFaultResult => ({
        green,
        steps: progress.steps,
        params: progress.params,
      });
      try {
        for (;;) {
          const weaker = progress.steps < maxSteps ? stepDownFault(input.mode, progress.params) : undefined;
          if (!weaker) return done(false);
          try {
            await agents.forResource(input.resource).update(input.faultId, weaker);
          } catch (err) {
            throw toActivityFailure(err);
          }
          progress.params = weaker;
          progress.steps += 1;
          await renew(input.faultId, input.leaseMs, input.resource);
          ctx.heartbeat(progress);
          await ctx.sleep(input.monitorIntervalMs);
          const readings = await readGuards(input.guards, queryTimeoutMs);
          if (readings.every((r) => r.red === false)) return done(true);
          progress.failedChecks = readings.some((r) => r.red === undefined)
            ? (progress.failedChecks ?? 0) + 1
            : 0;
          ctx.heartbeat(progress);
          if (progress.failedChecks >= MAX_FAILED_CHECKS) return done(false);
        }
      } finally {
        stopBeating();
      }
    },

    /** Which of the given guards are red right now (a query error counts as red: unknown is unsafe). */
    async checkGuards(input: { guards: GuardSpec[]; queryTimeoutMs?: number }): Promise<{ red: string[] }> {
      const readings = await readGuards(input.guards, input.queryTimeoutMs ?? 10_000);
      return { red: readings.filter((r) => r.red !== false).map((r) => r.guard) };
    },
  };
}

function result(progress: WatchProgress): Omit<WatchFaultResult, 'end'> {
  return { breaches: progress.breaches, checks: progress.checks, resumed: progress.resumed };
}

export type GuardActivities = ReturnType<typeof createGuardActivities>;
