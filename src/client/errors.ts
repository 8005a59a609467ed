/** The errors ForeshockClient throws: one small, named hierarchy. */
import type { FaultState } from '../inject/api';

export class ForeshockClientError extends Error {
  override name = 'ForeshockClientError';
}

/** A workflow refused its input or its target (non-retryable): `field` and `allowed` say why. */
export class InjectionRejectedError extends ForeshockClientError {
  override name = 'InjectionRejectedError';
  constructor(
    message: string,
    readonly workflowId: string,
    readonly failureType: string,
    readonly field?: string,
    readonly allowed?: string,
  ) {
    super(message);
  }
}

/** A workflow ended in failure for another reason (see `cause`). */
export class WorkflowRunError extends ForeshockClientError {
  override name = 'WorkflowRunError';
  constructor(
    message: string,
    readonly workflowId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Halt could not confirm that every fault is gone in time; `remaining` lists what the agent still holds. */
export class HaltIncompleteError extends ForeshockClientError {
  override name = 'HaltIncompleteError';
  constructor(
    message: string,
    readonly remaining: FaultState[],
  ) {
    super(message);
  }
}
