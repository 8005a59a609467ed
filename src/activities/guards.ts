/**
 * Watching a live fault: one long-running activity per watch that, every monitor interval,
 * renews the fault's lease at the agent and evaluates the resource's guards in Prometheus.
 * Progress (red streaks, checks) travels in heartbeat details, so a retry on another worker
 * resumes the same streaks instead of starting over. One activity for the whole window keeps
 * a 10-minute injection at a few dozen history events.
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
  /** @default 8 */
  maxSteps?: number;
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
const MAX_FAILED_CHECKS = 5;

export function createGuardActivities({ prometheus, agent }: GuardActivityDeps) {
  const agents = routerOf(agent);
  async function readGuards(guards: GuardSpec[]): Promise<GuardReading[]> {
    return Promise.all(
      guards.map(async (guard): Promise<GuardReading> => {
        try {
          const samples = await prometheus.instantQuery(guard.expr);
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
        ? { ...saved, resumed: saved.resumed + 1 }
        : { streaks: {}, checks: 0, breaches: [], resumed: 0 };
      let failedChecks = 0;
      for (;;) {
        const now = Date.now();
        if (now >= input.endsAt) return { end: 'duration_end', ...result(progress) };
        if (input.faultId && !(await renew(input.faultId, input.leaseMs, input.resource))) {
          return { end: 'fault_lost', ...result(progress) };
        }
        const readings = await readGuards(input.guards);
        const checkedAt = Date.now();
        const observed = observeGuards(input.guards, progress.streaks, readings, checkedAt);
        progress.streaks = observed.streaks;
        progress.checks += 1;
        for (const breach of observed.breaches) {
          if (!progress.breaches.some((b) => b.guard === breach.guard && b.redSince === breach.redSince)) {
            progress.breaches.push(breach);
          }
        }
        failedChecks = readings.some((r) => r.red === undefined) ? failedChecks + 1 : 0;
        ctx.heartbeat(progress);
        if (observed.breaches.length > 0 && input.stopOnBreach) {
          return { end: 'breach', ...result(progress) };
        }
        if (failedChecks >= MAX_FAILED_CHECKS && input.stopOnBreach) {
          return { end: 'guards_unavailable', ...result(progress) };
        }
        const wait = Math.min(input.monitorIntervalMs, input.endsAt - Date.now());
        if (wait > 0) await ctx.sleep(wait);
      }
    },

    /** Weakens the fault one step per interval until every guard reads green, or no step is left. */
    async degradeFault(input: DegradeFaultInput): Promise<DegradeFaultResult> {
      const ctx = Context.current();
      const saved = ctx.info.heartbeatDetails as
        | { steps: number; params: Record<string, unknown> }
        | undefined;
      let params = saved?.params ?? input.params;
      let steps = saved?.steps ?? 0;
      const maxSteps = input.maxSteps ?? 8;
      for (;;) {
        const weaker = steps < maxSteps ? stepDownFault(input.mode, params) : undefined;
        if (!weaker) return { green: false, steps, params };
        try {
          await agents.forResource(input.resource).update(input.faultId, weaker);
        } catch (err) {
          throw toActivityFailure(err);
        }
        params = weaker;
        steps += 1;
        await renew(input.faultId, input.leaseMs, input.resource);
        ctx.heartbeat({ steps, params });
        await ctx.sleep(input.monitorIntervalMs);
        const readings = await readGuards(input.guards);
        if (readings.every((r) => r.red === false)) return { green: true, steps, params };
      }
    },

    /** Which of the given guards are red right now (a query error counts as red: unknown is unsafe). */
    async checkGuards(input: { guards: GuardSpec[] }): Promise<{ red: string[] }> {
      const readings = await readGuards(input.guards);
      return { red: readings.filter((r) => r.red !== false).map((r) => r.guard) };
    },
  };
}

function result(progress: WatchProgress): Omit<WatchFaultResult, 'end'> {
  return { breaches: progress.breaches, checks: progress.checks, resumed: progress.resumed };
}

export type GuardActivities = ReturnType<typeof createGuardActivities>;
