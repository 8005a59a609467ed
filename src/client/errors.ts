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

/** No worker polls the task queue: nothing would run the workflow (start one with `foreshock worker`). */
export class NoWorkerError extends ForeshockClientError {
  override name = 'NoWorkerError';
  constructor(readonly taskQueue: string) {
    super(
      `no worker polls task queue "${taskQueue}": start one (foreshock worker -c <config>) on the same Temporal address and namespace`,
    );
  }
}

/** The workflow did not finish within the caller's timeout; it was cancelled (its fault rolls back). */
export class RunTimeoutError extends ForeshockClientError {
  override name = 'RunTimeoutError';
  constructor(
    readonly workflowId: string,
    readonly timeoutMs: number,
  ) {
    super(`workflow ${workflowId} did not finish within ${timeoutMs}ms; it was cancelled and rolls back`);
  }
}
