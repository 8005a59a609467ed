/**
 * Graceful degradation: how to make a live fault weaker by one step. Pure, so the policy
 * is tested without an agent. `undefined` means the fault cannot be weakened any further
 * (or has no strength to turn down) and must be removed.
 */
import type { FailureMode } from '../config/fault-params';
import { parseDuration, parseSize } from '../config/duration';

const MIN_LATENCY_MS = 5;
const MIN_SHARE = 0.05;

function ms(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return parseDuration(value);
  return undefined;
}

function bytes(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return parseSize(value);
  return undefined;
}

function halveDuration(
  params: Record<string, unknown>,
  key: string,
  floor: number,
): Record<string, unknown> | undefined {
  const current = ms(params[key]);
  if (current === undefined || current / 2 < floor) return undefined;
  return { ...params, [key]: Math.round(current / 2) };
}

function halveShare(params: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const current = typeof params[key] === 'number' ? params[key] : 1;
  if (current / 2 < MIN_SHARE) return undefined;
  return { ...params, [key]: current / 2 };
}

export function stepDownFault(
  mode: FailureMode,
  params: Record<string, unknown>,
): Record<string, unknown> | undefined {
  switch (mode) {
    case 'network_latency': {
      const next = halveDuration(params, 'latency', MIN_LATENCY_MS);
      if (!next) return undefined;
      const jitter = ms(params.jitter);
      return jitter !== undefined ? { ...next, jitter: Math.round(jitter / 2) } : next;
    }
    case 'http_delay':
      return halveDuration(params, 'delay', MIN_LATENCY_MS);
    case 'bandwidth': {
      const rate = bytes(params.rate);
      if (rate === undefined || rate * 2 > 10 * 1024 ** 3) return undefined;
      return { ...params, rate: rate * 2 };
    }
    case 'connection_reset':
    case 'http_error':
      return halveShare(params, 'share');
    case 'disk_error':
      return halveShare(params, 'probability');
    case 'cpu_throttle': {
      // More quota is a weaker fault: halve the share of CPU taken away.
      const percent = typeof params.percent === 'number' ? params.percent : undefined;
      if (percent === undefined || percent >= 95) return undefined;
      return { ...params, percent: Math.min(99, Math.round(100 - (100 - percent) / 2)) };
    }
    case 'cpu_stress': {
      const load = typeof params.load === 'number' ? params.load : 100;
      if (load / 2 < 5) return undefined;
      return { ...params, load: Math.round(load / 2) };
    }
    case 'memory_pressure': {
      const size = bytes(params.size);
      if (size === undefined || size / 2 < 1024 ** 2) return undefined;
      return { ...params, size: Math.round(size / 2) };
    }
    case 'blackhole':
    case 'disk_fill':
    case 'process_crash':
    case 'process_pause':
      return undefined;
  }
}
