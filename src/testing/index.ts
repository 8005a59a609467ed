/**
 * `foreshock/testing`: real servers for tests of a foreshock worker, the same ones foreshock's
 * own tests use. Needs the optional peer `@temporalio/testing`, the Temporal CLI and Prometheus
 * (found through `TEMPORAL_CLI_PATH`, `PROMETHEUS_BIN` or `PATH`).
 */
export { createLocalTestEnvironment, DevServer, type LocalTestEnvironmentOptions } from './temporal';
export { PrometheusServer, type PrometheusServerOptions, type ScrapeTarget } from './prometheus';
export { MetricsTarget } from './metrics-target';
export { freePort, waitForPort, waitUntil } from './ports';
export { CleanupStack } from './cleanup';
