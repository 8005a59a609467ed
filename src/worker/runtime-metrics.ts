/**
 * Temporal SDK runtime metrics (task latencies, slots, poll results) served for Prometheus.
 * The Runtime is process-wide and can be installed once, before the first connection.
 */
import { Runtime } from '@temporalio/worker';

let installedAt: string | undefined;

/** Serves the SDK's metrics on `bindAddress` (host:port) under /metrics; idempotent per address. */
export function installRuntimeMetrics(bindAddress: string): void {
  if (installedAt === bindAddress) return;
  if (installedAt !== undefined) {
    throw new Error(
      `runtime metrics already served on ${installedAt}; the Temporal Runtime is installed once`,
    );
  }
  Runtime.install({
    telemetryOptions: {
      metrics: { metricPrefix: 'temporal_', prometheus: { bindAddress, countersTotalSuffix: true } },
    },
  });
  installedAt = bindAddress;
}
