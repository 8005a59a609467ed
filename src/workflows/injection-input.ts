/**
 * The injection workflow's input: type checks with bounds, defaults, and the fault id.
 * Pure and sandbox-safe; every rejection is a non-retryable ForeshockInvalidInput that names
 * the field and its allowed range, so a bad start fails at once instead of retrying forever.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { RollbackPolicy, Severity } from '../config/schema';
import { FAILURE_MODE_NAMES, ROLLBACK_POLICY_NAMES, SEVERITY_NAMES } from './constants';
import { FAILURE_TYPES, type GuardSpec, type InjectionInput } from './types';

/** An injection input with every default filled in. */
export interface InjectionSpec extends Required<Omit<InjectionInput, 'why'>> {
  why?: InjectionInput['why'];
}

export const MAX_DURATION_MS = 24 * 3_600_000;
export const MONITOR_INTERVAL_RANGE = { min: 100, max: 600_000 } as const;
const LEASE_MAX_MS = 3_600_000;
const HEARTBEAT_RANGE = { min: 1000, max: 3_600_000 } as const;
const MAX_GUARDS = 50;

function shown(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function invalid(field: string, allowed: string, got: unknown): never {
  throw ApplicationFailure.create({
    message: `invalid injection input: ${field} must be ${allowed} (got ${shown(got)})`,
    type: FAILURE_TYPES.invalidInput,
    nonRetryable: true,
    details: [{ field, allowed }],
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberIn(field: string, value: unknown, min: number, max: number, unit = ''): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    invalid(field, `a number ${min}..${max}${unit}`, value);
}

function optionalNumberIn(field: string, value: unknown, min: number, max: number): void {
  if (value !== undefined) numberIn(field, value, min, max, ' (milliseconds)');
}

function oneOf(field: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value)))
    invalid(field, allowed.join(' | '), value);
}

/**
 * The type and bound checks added in 0.2 (behind a patch: histories started before it
 * replay with the checks of their time).
 */
export function checkInjectionInputTypes(input: unknown): void {
  if (!isPlainObject(input)) invalid('input', 'one JSON object', input);
  if (typeof input.resource !== 'string' || input.resource === '' || input.resource.length > 200)
    invalid('resource', 'a resource name (1..200 characters)', input.resource);
  if (input.resourceType !== undefined && typeof input.resourceType !== 'string')
    invalid('resourceType', 'a string', input.resourceType);
  oneOf('mode', input.mode ?? null, FAILURE_MODE_NAMES);
  if (!isPlainObject(input.params)) invalid('params', 'an object of fault parameters', input.params);
  numberIn('durationMs', input.durationMs, 1000, MAX_DURATION_MS, ' (milliseconds)');
  optionalNumberIn(
    'monitorIntervalMs',
    input.monitorIntervalMs,
    MONITOR_INTERVAL_RANGE.min,
    MONITOR_INTERVAL_RANGE.max,
  );
  optionalNumberIn('leaseMs', input.leaseMs, 1000, LEASE_MAX_MS);
  optionalNumberIn('heartbeatTimeoutMs', input.heartbeatTimeoutMs, HEARTBEAT_RANGE.min, HEARTBEAT_RANGE.max);
  optionalNumberIn('queryTimeoutMs', input.queryTimeoutMs, 50, 60_000);
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean')
    invalid('dryRun', 'true or false', input.dryRun);
  oneOf('rollbackPolicy', input.rollbackPolicy, ROLLBACK_POLICY_NAMES);
  oneOf('severity', input.severity, SEVERITY_NAMES);
  if (input.why !== undefined && !isPlainObject(input.why)) invalid('why', 'an object', input.why);
  if (input.guards === undefined) return;
  if (!Array.isArray(input.guards) || input.guards.length > MAX_GUARDS)
    invalid('guards', `a list of at most ${MAX_GUARDS} guards`, input.guards);
  (input.guards as unknown[]).forEach((g, i) => {
    if (!isPlainObject(g) || typeof g.name !== 'string' || typeof g.expr !== 'string' || g.expr === '')
      invalid(`guards[${i}]`, '{ name, expr, forMs }', g);
    numberIn(`guards[${i}].forMs`, g.forMs, 0, MAX_DURATION_MS, ' (milliseconds)');
  });
}

/** The default query timeout: below the monitor interval, at most 10 s. */
export function defaultQueryTimeoutMs(monitorIntervalMs: number): number {
  return Math.min(10_000, Math.max(50, Math.floor(0.8 * monitorIntervalMs)));
}

/** Validates the input and fills in defaults; throws a non-retryable ForeshockInvalidInput. */
export function normalizeInjectionInput(
  input: InjectionInput,
  options: { strict?: boolean } = { strict: true },
): InjectionSpec {
  if (options.strict) checkInjectionInputTypes(input);
  if (typeof input !== 'object' || input === null) invalid('input', 'one JSON object', input);
  if (typeof input.resource !== 'string' || input.resource === '')
    invalid('resource', 'a resource name', input.resource);
  if (!FAILURE_MODE_NAMES.includes(input.mode)) invalid('mode', FAILURE_MODE_NAMES.join(' | '), input.mode);
  if (typeof input.params !== 'object' || input.params === null)
    invalid('params', 'an object of fault parameters', input.params);
  if (typeof input.durationMs !== 'number' || input.durationMs < 1000 || input.durationMs > MAX_DURATION_MS)
    invalid('durationMs', `1000..${MAX_DURATION_MS}`, input.durationMs);
  const monitorIntervalMs = input.monitorIntervalMs ?? 1000;
  if (monitorIntervalMs < MONITOR_INTERVAL_RANGE.min || monitorIntervalMs > MONITOR_INTERVAL_RANGE.max)
    invalid('monitorIntervalMs', '100..600000', monitorIntervalMs);
  const leaseMs = input.leaseMs ?? 15_000;
  if (leaseMs < Math.max(1000, 2 * monitorIntervalMs) || leaseMs > LEASE_MAX_MS)
    invalid(
      'leaseMs',
      `${Math.max(1000, 2 * monitorIntervalMs)}..${LEASE_MAX_MS} (at least two monitor intervals)`,
      leaseMs,
    );
  const rollbackPolicy: RollbackPolicy = input.rollbackPolicy ?? 'immediate';
  if (!ROLLBACK_POLICY_NAMES.includes(rollbackPolicy))
    invalid('rollbackPolicy', ROLLBACK_POLICY_NAMES.join(' | '), rollbackPolicy);
  const severity: Severity = input.severity ?? 'medium';
  if (!SEVERITY_NAMES.includes(severity)) invalid('severity', SEVERITY_NAMES.join(' | '), severity);
  const guards: GuardSpec[] = input.guards ?? [];
  guards.forEach((g, i) => {
    if (typeof g?.name !== 'string' || typeof g.expr !== 'string' || g.expr === '')
      invalid(`guards[${i}]`, '{ name, expr, forMs }', g);
    if (typeof g.forMs !== 'number' || g.forMs < 0) invalid(`guards[${i}].forMs`, 'a number ≥ 0', g.forMs);
  });
  const queryTimeoutMs = input.queryTimeoutMs ?? defaultQueryTimeoutMs(monitorIntervalMs);
  if (options.strict && queryTimeoutMs >= monitorIntervalMs)
    invalid('queryTimeoutMs', `50..${monitorIntervalMs - 1} (below monitorIntervalMs)`, queryTimeoutMs);
  return {
    resource: input.resource,
    resourceType: input.resourceType ?? 'unknown',
    mode: input.mode,
    params: input.params,
    durationMs: input.durationMs,
    guards,
    rollbackPolicy,
    monitorIntervalMs,
    leaseMs,
    dryRun: input.dryRun ?? false,
    severity,
    queryTimeoutMs,
    heartbeatTimeoutMs: input.heartbeatTimeoutMs ?? Math.max(3000, 3 * monitorIntervalMs, 2 * queryTimeoutMs),
    why: input.why,
  };
}

/**
 * The fault id: the same for every retry and every worker of one execution chain. With the
 * first run id (0.2 on), a workflow id reused for a new run gets a fresh fault id. Characters
 * the agent does not accept in ids are replaced, and a hash of the original keeps replaced ids
 * distinct.
 */
export function faultIdFor(workflowId: string, firstRunId?: string): string {
  const safe = workflowId.replace(/[^A-Za-z0-9_.:@-]/g, '_');
  const run = firstRunId ? `.${firstRunId.replace(/[^A-Za-z0-9-]/g, '')}` : '';
  if (safe === workflowId && safe.length + run.length <= 190) return `fs-${safe}${run}`;
  return `fs-${safe.slice(0, 180 - run.length)}-${fnv1a(workflowId)}${run}`;
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
