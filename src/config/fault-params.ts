/**
 * Failure modes and the bounds of their parameters. The config loader, the agent's control
 * API and the scenario builder all validate against these schemas, so a value that passes
 * one passes all three.
 */
import { z } from 'zod';
import { FAILURE_MODE_NAMES } from '../workflows/constants';
import { DURATION_PATTERN, SIZE_PATTERN, formatDuration, parseDuration, parseSize } from './duration';

export const FAILURE_MODES = FAILURE_MODE_NAMES;
export type FailureMode = (typeof FAILURE_MODES)[number];

/** What a resource must declare for a mode to be possible on it. */
export const MODE_MECHANISM: Record<FailureMode, 'proxy' | 'http_proxy' | 'process' | 'host' | 'disk'> = {
  network_latency: 'proxy',
  bandwidth: 'proxy',
  connection_reset: 'proxy',
  blackhole: 'proxy',
  http_error: 'http_proxy',
  http_delay: 'http_proxy',
  cpu_throttle: 'process',
  process_pause: 'process',
  process_crash: 'process',
  disk_error: 'process',
  cpu_stress: 'host',
  memory_pressure: 'host',
  disk_fill: 'disk',
};

/** A duration string bounded to [minMs, maxMs]; parses to milliseconds. */
export function boundedDuration(minMs: number, maxMs: number) {
  // Numbers are milliseconds, so parsed values validate again unchanged.
  return z
    .union([
      z.number().nonnegative(),
      z
        .string()
        .regex(new RegExp(DURATION_PATTERN), { message: 'expected a duration such as 200ms, 5s, 2m or 1h' }),
    ])
    .transform((value, ctx) => {
      const ms = typeof value === 'number' ? value : parseDuration(value)!;
      if (ms < minMs || ms > maxMs) {
        ctx.addIssue({
          code: 'custom',
          message: `must be between ${formatDuration(minMs)} and ${formatDuration(maxMs)} (got ${String(value)})`,
          params: { allowed: `${formatDuration(minMs)}..${formatDuration(maxMs)}` },
        });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ description: `duration between ${formatDuration(minMs)} and ${formatDuration(maxMs)}` });
}

export function boundedSize(minBytes: number, maxBytes: number) {
  // Numbers are bytes, so parsed values validate again unchanged.
  return z
    .union([
      z.number().nonnegative(),
      z.string().regex(new RegExp(SIZE_PATTERN), { message: 'expected a size such as 512KiB, 64MiB or 1GB' }),
    ])
    .transform((value, ctx) => {
      const bytes = typeof value === 'number' ? value : parseSize(value)!;
      if (bytes < minBytes || bytes > maxBytes) {
        ctx.addIssue({
          code: 'custom',
          message: `must be between ${minBytes} and ${maxBytes} bytes (got ${String(value)})`,
          params: { allowed: `${minBytes}..${maxBytes} bytes` },
        });
        return z.NEVER;
      }
      return bytes;
    });
}

const MAX_FAULT_DURATION_MS = 24 * 3_600_000;
const faultDuration = boundedDuration(1000, MAX_FAULT_DURATION_MS).describe(
  'how long the fault stays applied',
);
const direction = z
  .enum(['upstream', 'downstream', 'both'])
  .default('both')
  .describe('upstream: client→server bytes; downstream: server→client bytes');
const share = z.number().min(0).max(1);

export const FAULT_PARAM_SCHEMAS = {
  network_latency: z.strictObject({
    latency: boundedDuration(1, 60_000),
    jitter: boundedDuration(0, 60_000).optional(),
    direction,
    duration: faultDuration,
  }),
  bandwidth: z.strictObject({
    rate: boundedSize(64, 10 * 1024 ** 3).describe('bytes per second'),
    direction,
    duration: faultDuration,
  }),
  connection_reset: z.strictObject({
    share: share.default(1).describe('share of connections reset'),
    duration: faultDuration,
  }),
  blackhole: z.strictObject({ direction, duration: faultDuration }),
  http_error: z.strictObject({
    status: z.number().int().min(400).max(599).default(503),
    share: share.default(1).describe('share of requests answered with the status'),
    duration: faultDuration,
  }),
  http_delay: z.strictObject({
    delay: boundedDuration(1, 60_000),
    share: share.default(1),
    duration: faultDuration,
  }),
  cpu_throttle: z.strictObject({
    percent: z.number().min(1).max(99).describe('CPU quota, in percent of one core'),
    duration: faultDuration,
  }),
  cpu_stress: z.strictObject({
    workers: z.number().int().min(1).max(64).default(1),
    load: z.number().int().min(1).max(100).default(100).describe('percent load per worker'),
    duration: faultDuration,
  }),
  memory_pressure: z.strictObject({
    size: boundedSize(1024 ** 2, 64 * 1024 ** 3).describe('memory held by the stressor'),
    duration: faultDuration,
  }),
  disk_error: z.strictObject({
    points: z
      .array(z.string().regex(/^[a-z0-9_/*]+$/))
      .min(1)
      .default(['posix/io/rw/read']),
    probability: share.default(1),
    duration: faultDuration,
  }),
  disk_fill: z.strictObject({
    size: boundedSize(1024 ** 2, 1024 ** 4),
    keep_free: boundedSize(0, 1024 ** 4)
      .prefault('512MiB')
      .describe('the fill stops short of leaving less than this free'),
    duration: faultDuration,
  }),
  process_crash: z.strictObject({
    restart_timeout: boundedDuration(100, 600_000)
      .prefault('30s')
      .describe('how long to wait for the process to be back'),
    duration: faultDuration.optional(),
  }),
  process_pause: z.strictObject({
    method: z.enum(['signal', 'freezer']).default('signal'),
    duration: faultDuration,
  }),
} satisfies Record<FailureMode, z.ZodType>;

export type FaultParams<M extends FailureMode> = z.output<(typeof FAULT_PARAM_SCHEMAS)[M]>;
export type FaultParamsInput<M extends FailureMode> = z.input<(typeof FAULT_PARAM_SCHEMAS)[M]>;
