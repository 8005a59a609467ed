/**
 * Activities that change a fault at the agent: inject, fail over, roll back. Each is
 * idempotent (the agent keys faults by faultId), so a retry after a crash is safe.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { AgentApiError } from '../inject/client';
import { routerOf, type AgentTarget } from '../inject/agent-router';
import type { FailureMode } from '../config/fault-params';
import { FAILURE_TYPES } from '../workflows/types';

export interface InjectFaultInput {
  faultId: string;
  resource: string;
  mode: FailureMode;
  params: Record<string, unknown>;
  leaseMs: number;
}

export interface InjectedFault {
  faultId: string;
  appliedAt: string;
  leaseExpiresAt: string;
}

export interface RollbackFaultInput {
  faultId: string;
  resource: string;
  /** Point the resource's proxy back at its primary upstream first. */
  restoreFailover: boolean;
}

export interface RollbackFaultResult {
  faultId: string;
  verified: boolean;
  wasActive: boolean;
}

export interface InjectActivityDeps {
  /** The one agent, or a router to the agent of each resource's host. */
  agent: AgentTarget;
}

/** A permanent agent refusal becomes a non-retryable ApplicationFailure with its field and range. */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof AgentApiError) || !err.permanent) return err;
  const type =
    err.status === 400 || err.status === 422 ? FAILURE_TYPES.invalidFaultParams : FAILURE_TYPES.unsafeTarget;
  return ApplicationFailure.create({
    message: err.message,
    type,
    nonRetryable: true,
    details: [{ status: err.status, field: err.body.field, allowed: err.body.allowed }],
  });
}

/**
 * Runs `work` while heartbeating every 500 ms, so a short heartbeat timeout spots a dead
 * worker quickly without cutting off a slow but live agent call.
 */
async function withHeartbeats<T>(work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), 500);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function leaseSeconds(leaseMs: number): number {
  return Math.max(1, Math.ceil(leaseMs / 1000));
}

export function createInjectActivities(deps: InjectActivityDeps) {
  const agents = routerOf(deps.agent);
  return {
    async injectFault(input: InjectFaultInput): Promise<InjectedFault> {
      try {
        const state = await withHeartbeats(() =>
          agents.forResource(input.resource).apply({
            faultId: input.faultId,
            resource: input.resource,
            mode: input.mode,
            params: input.params,
            leaseSeconds: leaseSeconds(input.leaseMs),
          }),
        );
        if (state.phase !== 'applied') {
          // A fault that already ran out (an earlier attempt, lease expired) must not come back.
          throw ApplicationFailure.create({
            message: `fault ${input.faultId} is ${state.phase} at the agent, not applied`,
            type: 'ForeshockFaultNotApplied',
            nonRetryable: true,
          });
        }
        return { faultId: state.faultId, appliedAt: state.appliedAt, leaseExpiresAt: state.leaseExpiresAt };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    async setFailover(input: { resource: string; active: boolean }): Promise<{ upstream: string }> {
      try {
        const result = await agents.forResource(input.resource).failover(input.resource, input.active);
        return { upstream: result.upstream };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /** Removes the fault and reads back that it is gone; throws (and is retried) until it is. */
    async rollbackFault(input: RollbackFaultInput): Promise<RollbackFaultResult> {
      return withHeartbeats(() => rollback(input));
    },
  };

  async function rollback(input: RollbackFaultInput): Promise<RollbackFaultResult> {
    const agent = agents.forResource(input.resource);
    if (input.restoreFailover) {
      try {
        await agent.failover(input.resource, false);
      } catch (err) {
        // A refusal means there is no failover to undo (e.g. none configured); the fault still goes.
        if (!(err instanceof AgentApiError && err.permanent)) throw err;
      }
    }
    let result: RollbackFaultResult;
    try {
      result = await agent.revert(input.faultId);
    } catch (err) {
      if (!(err instanceof AgentApiError) || err.status !== 404) throw err;
      result = { faultId: input.faultId, verified: true, wasActive: false };
    }
    if (!result.verified) {
      throw new Error(`agent could not verify that fault ${input.faultId} is gone; retrying`);
    }
    const after = await agent.get(input.faultId);
    if (after && after.phase === 'applied') {
      throw new Error(`fault ${input.faultId} still reads as applied after revert; retrying`);
    }
    return result;
  }
}

export type InjectActivities = ReturnType<typeof createInjectActivities>;
