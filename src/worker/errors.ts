/** What ForeshockPlugin refuses at worker start: one small, named hierarchy. */

export class ForeshockPluginError extends Error {
  override name = 'ForeshockPluginError';
}

/** The worker already has an activity under a name foreshock's workflows schedule. */
export class ActivityNameClashError extends ForeshockPluginError {
  override name = 'ActivityNameClashError';
  constructor(readonly names: string[]) {
    super(
      `activity name clash: ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} registered on this worker ` +
        `already, and foreshock's workflows schedule activities under ${names.length === 1 ? 'that name' : 'those names'}; ` +
        `rename yours, or run foreshock on its own task queue`,
    );
  }
}

/** `registerWorkflows: true` would replace the worker's own workflows. */
export class WorkflowsPathConflictError extends ForeshockPluginError {
  override name = 'WorkflowsPathConflictError';
}

/** The namespace lacks foreshock's search attributes; `commands` create them. */
export class MissingSearchAttributesError extends ForeshockPluginError {
  override name = 'MissingSearchAttributesError';
  constructor(
    readonly namespace: string,
    readonly missing: string[],
    readonly commands: string[],
  ) {
    super(
      `namespace "${namespace}" lacks foreshock's search attributes ${missing.join(', ')}; create them with:\n  ` +
        commands.join('\n  '),
    );
  }
}

/** The task queue does not fit the plugin's role. */
export class TaskQueueRoleError extends ForeshockPluginError {
  override name = 'TaskQueueRoleError';
}

/** No agent token was given and the config's `agent.tokenEnv` variable is empty. */
export class MissingAgentTokenError extends ForeshockPluginError {
  override name = 'MissingAgentTokenError';
}
