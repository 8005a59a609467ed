// Small valid configs for unit tests.
import { configSchema, type ForeshockConfig } from '../../src/config/schema';

/**
 * One database resource `db` behind a proxy on loopback ports nothing listens on, with
 * network_latency allowed; `resource` adds to or replaces the resource's fields.
 */
export function databaseConfig(resource: Record<string, unknown> = {}): ForeshockConfig {
  return configSchema.parse({
    prometheus: { url: 'http://127.0.0.1:9' },
    resources: [
      {
        name: 'db',
        type: 'database',
        proxy: { listen: '127.0.0.1:1', upstream: '127.0.0.1:2' },
        ...resource,
      },
    ],
    failure_injection_profile: { injection_frequency: '1h' },
    resource_failure_modes: [{ resource_type: 'database', failure_modes: ['network_latency'] }],
  });
}
