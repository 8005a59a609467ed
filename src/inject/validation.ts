/**
 * Turns a control-API request into validated values, or into a refusal that names the field
 * and the allowed range. Parameter bounds come from FAULT_PARAM_SCHEMAS, the same schemas the
 * config loader uses.
 */
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { FAILURE_MODES, FAULT_PARAM_SCHEMAS, MODE_MECHANISM, type FailureMode } from '../config/fault-params';
import type { ResourceConfig } from '../config/schema';
import type { ApplyFaultRequest, FaultMode } from './api';
import { FaultConflictError, InvalidRequestError } from './errors';
import { MAX_LEASE_SECONDS, MIN_LEASE_SECONDS } from './leases';

const FAULT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/;
/** Fault ids the agent gives its failovers; an apply may not use them. */
export const FAILOVER_PREFIX = 'failover:';

/** The allowed range or set a zod issue implies, in words. */
export function allowedOf(issue: z.core.$ZodIssue, schema?: z.ZodType): string {
  const fromParams = (issue as { params?: { allowed?: unknown } }).params?.allowed;
  if (typeof fromParams === 'string') return fromParams;
  switch (issue.code) {
    case 'too_small':
      return `${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return issue.values.map(String).join(' | ');
    case 'unrecognized_keys': {
      const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
      return shape ? `known parameters: ${Object.keys(shape).join(', ')}` : 'no other keys';
    }
    case 'invalid_type':
      return `a ${issue.expected}`;
    default:
      return issue.message;
  }
}

export function parseParams(mode: FailureMode, params: unknown): Record<string, unknown> {
  const schema = FAULT_PARAM_SCHEMAS[mode];
  const result = schema.safeParse(params ?? {});
  if (result.success) return result.data as Record<string, unknown>;
  const issue = result.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const field = ['params', ...issue.path.map(String), ...keys.slice(0, 1)].join('.');
  throw new InvalidRequestError(`${field}: ${issue.message}`, field, allowedOf(issue, schema));
}

/** The modes a resource's declaration makes possible. */
export function possibleModes(resource: ResourceConfig): FailureMode[] {
  return FAILURE_MODES.filter((mode) => {
    switch (MODE_MECHANISM[mode]) {
      case 'proxy':
        return resource.proxy !== undefined;
      case 'http_proxy':
        return resource.proxy?.protocol === 'http';
      case 'process':
        return resource.process !== undefined;
      case 'disk':
        return resource.disk !== undefined;
      case 'host':
        // Host-wide load needs a host to stand for: a resource that is only a proxy has none here.
        return resource.process !== undefined || resource.disk !== undefined;
    }
  });
}

export function parseApplyRequest(
  body: unknown,
  resources: ReadonlyMap<string, ResourceConfig>,
): ApplyFaultRequest & { resourceConfig: ResourceConfig } {
  if (typeof body !== 'object' || body === null) {
    throw new InvalidRequestError(
      'the body must be a JSON object',
      'body',
      '{faultId, resource, mode, params, leaseSeconds}',
    );
  }
  const b = body as Record<string, unknown>;
  if (typeof b.faultId !== 'string' || !FAULT_ID.test(b.faultId) || b.faultId.startsWith(FAILOVER_PREFIX)) {
    throw new InvalidRequestError(
      'faultId is missing or malformed',
      'faultId',
      `1-200 characters matching ${FAULT_ID.source}, not starting with ${FAILOVER_PREFIX}`,
    );
  }
  const names = [...resources.keys()];
  const resourceConfig = typeof b.resource === 'string' ? resources.get(b.resource) : undefined;
  if (!resourceConfig) {
    throw new InvalidRequestError(
      `resource ${String(b.resource)} is not declared in this agent's config`,
      'resource',
      names.join(' | ') || '(no resources declared)',
    );
  }
  if (typeof b.mode !== 'string' || !(FAILURE_MODES as readonly string[]).includes(b.mode)) {
    throw new InvalidRequestError(`unknown mode ${String(b.mode)}`, 'mode', FAILURE_MODES.join(' | '));
  }
  const mode = b.mode as FailureMode;
  const possible = possibleModes(resourceConfig);
  if (!possible.includes(mode)) {
    throw new InvalidRequestError(
      `${mode} needs a ${MODE_MECHANISM[mode].replace('_', ' ')} declaration on resource ${resourceConfig.name}`,
      'mode',
      possible.join(' | '),
    );
  }
  const leaseSeconds = b.leaseSeconds;
  if (
    typeof leaseSeconds !== 'number' ||
    !(leaseSeconds >= MIN_LEASE_SECONDS && leaseSeconds <= MAX_LEASE_SECONDS)
  ) {
    throw new InvalidRequestError(
      `leaseSeconds must be a number of seconds`,
      'leaseSeconds',
      `${MIN_LEASE_SECONDS}..${MAX_LEASE_SECONDS}`,
    );
  }
  const params = parseParams(mode, b.params);
  return { faultId: b.faultId, resource: resourceConfig.name, mode, params, leaseSeconds, resourceConfig };
}

export function parseLeaseSeconds(body: unknown): number {
  const value = (body as { leaseSeconds?: unknown } | null)?.leaseSeconds;
  if (typeof value !== 'number' || !(value >= MIN_LEASE_SECONDS && value <= MAX_LEASE_SECONDS)) {
    throw new InvalidRequestError(
      'leaseSeconds must be a number of seconds',
      'leaseSeconds',
      `${MIN_LEASE_SECONDS}..${MAX_LEASE_SECONDS}`,
    );
  }
  return value;
}

/** A repeated apply must name the same resource, mode and params as the first one. */
export function sameFault(
  request: ApplyFaultRequest,
  first: { resource: string; mode: FaultMode; appliedParams: Record<string, unknown> },
): void {
  const id = request.faultId;
  if (first.resource !== request.resource) {
    throw new FaultConflictError(
      `faultId ${id} is already used on resource ${first.resource}`,
      'resource',
      `${first.resource} (or a new faultId)`,
    );
  }
  if (first.mode !== request.mode) {
    throw new FaultConflictError(
      `faultId ${id} is already used for ${first.mode}`,
      'mode',
      `${first.mode} (or a new faultId)`,
    );
  }
  const keys = new Set([...Object.keys(first.appliedParams), ...Object.keys(request.params)]);
  for (const key of keys) {
    if (!isDeepStrictEqual(first.appliedParams[key], request.params[key])) {
      const was = JSON.stringify(first.appliedParams[key]) ?? 'unset';
      throw new FaultConflictError(
        `faultId ${id} was applied with params.${key} = ${was}`,
        `params.${key}`,
        `${was} (the first apply's value), or a new faultId`,
      );
    }
  }
}

export function parseFailoverBody(body: unknown): { active: boolean; leaseSeconds?: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('the body must be a JSON object', 'body', '{active, leaseSeconds?}');
  }
  const extra = Object.keys(body).find((k) => k !== 'active' && k !== 'leaseSeconds');
  if (extra !== undefined)
    throw new InvalidRequestError(`unknown field "${extra}"`, extra || 'body', 'active, leaseSeconds');
  const { active, leaseSeconds } = body as { active?: unknown; leaseSeconds?: unknown };
  if (typeof active !== 'boolean')
    throw new InvalidRequestError('active must be a boolean', 'active', 'true | false');
  if (
    leaseSeconds !== undefined &&
    (typeof leaseSeconds !== 'number' ||
      !(leaseSeconds >= MIN_LEASE_SECONDS && leaseSeconds <= MAX_LEASE_SECONDS))
  ) {
    throw new InvalidRequestError(
      'leaseSeconds must be a number of seconds',
      'leaseSeconds',
      `${MIN_LEASE_SECONDS}..${MAX_LEASE_SECONDS}`,
    );
  }
  return { active, ...(leaseSeconds !== undefined ? { leaseSeconds: leaseSeconds } : {}) };
}

/**
 * The params a PATCH of a live fault changes: only `live` ones; another param may come along
 * (a client sends the whole set) only with its current value. Refusals name the param.
 */
export function parsePatch(
  state: { mode: FaultMode; params: Record<string, unknown> },
  body: unknown,
  live: readonly string[],
): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('the body must be a JSON object', 'body', '{params}');
  }
  const extra = Object.keys(body).find((k) => k !== 'params');
  if (extra !== undefined)
    throw new InvalidRequestError(`unknown field "${extra}"`, extra || 'body', 'params');
  const patch = (body as { params?: unknown }).params;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new InvalidRequestError('params must be an object', 'params', `parameters of ${state.mode}`);
  }
  const dead = Object.keys(patch).filter((key) => !live.includes(key));
  const merged =
    state.mode === 'failover' || dead.length === 0
      ? undefined
      : parseParams(state.mode, { ...state.params, ...patch });
  for (const key of dead) {
    if (merged && isDeepStrictEqual(merged[key], state.params[key])) continue;
    throw new InvalidRequestError(
      `params.${key} of ${state.mode} cannot change while the fault is applied`,
      `params.${key}`,
      live.length
        ? `only ${live.join(', ')} change live (others only with their current value)`
        : `nothing: ${state.mode} has no live parameters`,
    );
  }
  return patch as Record<string, unknown>;
}
