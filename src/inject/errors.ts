/**
 * The agent's errors, each tied to the HTTP status the control API answers with. Every
 * refusal names the field it is about and what would have been allowed.
 */
import type { ApiErrorBody } from './api';

export class AgentError extends Error {
  override name = 'AgentError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly allowed?: string,
  ) {
    super(message);
  }
  toBody(): ApiErrorBody {
    return {
      error: this.message,
      ...(this.field !== undefined ? { field: this.field } : {}),
      ...(this.allowed !== undefined ? { allowed: this.allowed } : {}),
    };
  }
}

/** A request the agent will not carry out as asked: bad value, unknown resource, bad mode. */
export class InvalidRequestError extends AgentError {
  override name = 'InvalidRequestError';
  constructor(message: string, field: string, allowed: string) {
    super(400, message, field, allowed);
  }
}

export class UnauthorizedError extends AgentError {
  override name = 'UnauthorizedError';
  constructor() {
    super(401, 'missing or wrong bearer token', 'authorization', 'Bearer <agent token>');
  }
}

/** A valid token without the scope the route needs (e.g. a read token on POST). */
export class ForbiddenScopeError extends AgentError {
  override name = 'ForbiddenScopeError';
  constructor(scope: string) {
    super(
      403,
      `this token may not do that: the route needs scope ${scope}`,
      'authorization',
      `a token with scope ${scope}`,
    );
  }
}

/** The target is not one the agent may touch (PID 1, the agent itself, an undeclared process). */
export class UnsafeTargetError extends AgentError {
  override name = 'UnsafeTargetError';
  constructor(message: string, field: string, allowed: string) {
    super(403, message, field, allowed);
  }
}

export class FaultNotFoundError extends AgentError {
  override name = 'FaultNotFoundError';
  constructor(faultId: string) {
    super(404, `no fault with id ${faultId}`, 'faultId', 'the id of an applied fault');
  }
}

/** The request conflicts with what is applied: fault limit reached, id reused for another fault. */
export class FaultConflictError extends AgentError {
  override name = 'FaultConflictError';
  constructor(message: string, field: string, allowed: string) {
    super(409, message, field, allowed);
  }
}

/** Journal recovery would not carry out a record: it names something that is not this agent's. */
export class RecoveryRefusedError extends AgentError {
  override name = 'RecoveryRefusedError';
  constructor(message: string, field = 'journal') {
    super(403, message, field, "the agent's own cgroups, fill files and processes of declared resources");
  }
}

/** The mechanism failed on the host (cgroup write refused, tool missing, process gone). */
export class InjectionFailedError extends AgentError {
  override name = 'InjectionFailedError';
  constructor(message: string, field?: string, allowed?: string) {
    super(500, message, field, allowed);
  }
}

/** An external tool (fallocate, fiu-ctrl…) ran past its deadline and was killed; nothing of it stays. */
export class ToolTimeoutError extends AgentError {
  override name = 'ToolTimeoutError';
  constructor(message: string, tool: string, timeoutMs: number) {
    super(504, message, `tools.${tool}`, `${tool} finishing within ${timeoutMs} ms`);
  }
}
