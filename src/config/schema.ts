/**
 * The foreshock config: one zod schema that is the single source of truth for the
 * TypeScript types (`ForeshockConfig`), runtime validation (the loader) and the JSON Schema
 * file editors use (`config/foreshock.schema.json`, written by `npm run schema`).
 */
import { ROLLBACK_POLICY_NAMES, SEVERITY_NAMES } from '../workflows/constants';
import { z } from 'zod';
import { FAILURE_MODES, FAULT_PARAM_SCHEMAS, boundedDuration, boundedSize } from './fault-params';
import { DURATION_PATTERN } from './duration';

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, { message: 'expected host:port, e.g. 127.0.0.1:5432' })
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, { message: 'port must be at most 65535' });

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-_.]{0,62}$/, { message: 'expected a lowercase name: letters, digits, - _ .' });

export const temporalSchema = z.strictObject({
  address: hostPort.optional().describe('omit to let foreshock start an embedded dev server'),
  namespace: z.string().min(1).default('default'),
  taskQueue: z.string().min(1).default('foreshock'),
  tls: z
    .strictObject({
      serverNameOverride: z.string().optional(),
      serverRootCACertFile: z.string().optional(),
      clientCertFile: z.string().optional(),
      clientKeyFile: z.string().optional(),
    })
    .optional(),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .optional()
    .describe('name of the environment variable holding the API key (never the key itself)'),
  devServer: z
    .strictObject({
      port: z.number().int().min(1).max(65535).optional(),
      uiPort: z.number().int().min(1).max(65535).optional(),
      ui: z.boolean().default(false),
      dbFile: z.string().optional(),
    })
    .optional()
    .describe('settings of the embedded dev server, used only when address is omitted'),
});

export const prometheusSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  timeout: boundedDuration(100, 120_000).prefault('10s'),
  step: boundedDuration(1000, 3_600_000).prefault('15s').describe('query_range resolution for telemetry'),
  lookback: boundedDuration(60_000, 30 * 86_400_000)
    .prefault('1h')
    .describe('how far back telemetry reaches'),
});

export const proxySchema = z.strictObject({
  listen: hostPort,
  upstream: hostPort,
  protocol: z.enum(['tcp', 'http']).default('tcp'),
  failover: hostPort.optional(),
});

export const processSchema = z
  .strictObject({
    pidFile: z.string().min(1).optional(),
    command: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('agent-supervised: the agent starts and restarts it'),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    underFiu: z
      .boolean()
      .default(false)
      .describe('start the supervised command under fiu-run -x (disk_error)'),
    executable: z
      .string()
      .regex(/^\//, { message: 'expected an absolute path' })
      .optional()
      .describe('absolute path the process behind pidFile must run (/proc/<pid>/exe); others are refused'),
  })
  .refine((p) => p.pidFile !== undefined || p.command !== undefined, {
    message: 'a process needs pidFile or command',
  });

export const guardSchema = z.strictObject({
  name,
  expr: z.string().min(1).describe('PromQL; the guard is red while it returns any sample'),
  for: boundedDuration(0, 3_600_000).prefault('0s'),
});

/** The host of resources that declare none: the agent at agent.url. */
export const LOCAL_HOST = 'local';

export const resourceSchema = z.strictObject({
  name,
  type: name.describe('resource type, matched by resource_failure_modes.resource_type'),
  host: z.string().default(LOCAL_HOST).describe('which agent runs its faults'),
  proxy: proxySchema.optional(),
  process: processSchema.optional(),
  disk: z.strictObject({ path: z.string().min(1) }).optional(),
  impact: z
    .number()
    .min(0)
    .max(10)
    .default(1)
    .describe('weight of a failure of this resource in the ranking'),
  telemetry: z
    .record(name, z.string().min(1))
    .default({})
    .describe('PromQL per signal, used by the forecaster'),
  thresholds: z
    .record(name, z.number())
    .default({})
    .describe('failure threshold per telemetry signal (crossing it counts as failure)'),
  guards: z.array(guardSchema).default([]),
});

const templated = z
  .string()
  .min(1)
  .describe('may contain {{label}}: the value of that label of the discovered series');

export const resourceTemplateSchema = resourceSchema.extend({
  name: templated.describe('rendered, then lowercased with other characters turned into -'),
  host: templated.default(LOCAL_HOST).describe('which agent runs its faults; may contain {{label}}'),
  proxy: z
    .strictObject({
      listen: templated,
      upstream: templated,
      protocol: z.enum(['tcp', 'http']).default('tcp'),
      failover: templated.optional(),
    })
    .optional(),
  telemetry: z
    .record(name, templated)
    .default({})
    .describe('PromQL per signal; {{label}} values are escaped'),
});

export const discoverySchema = z.strictObject({
  name,
  query: z
    .string()
    .min(1)
    .describe('PromQL instant query; one resource per distinct value of `label` among its series'),
  label: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { message: 'expected a Prometheus label name' })
    .default('instance'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(10_000)
    .describe('refuse to discover more resources than this'),
  resource: resourceTemplateSchema,
  agent_url: templated
    .optional()
    .describe(
      'control API URL of the agent on the rendered host, e.g. http://{{ip}}:7070 (adds to agent.hosts)',
    ),
  signals: z
    .record(name, z.string().min(1))
    .default({})
    .describe(
      'one PromQL per signal across every discovered resource, split by `label`; replaces resource.telemetry for it',
    ),
});

export const SEVERITIES = SEVERITY_NAMES;
export const ROLLBACK_POLICIES = ROLLBACK_POLICY_NAMES;

export const profileSchema = z.strictObject({
  enabled: z.boolean().default(true),
  injection_frequency: z
    .string()
    .min(1)
    .describe(`a duration (${DURATION_PATTERN}) or a 5-field cron expression`),
  severity_threshold: z.enum(SEVERITIES).default('medium'),
  rollback_policy: z.enum(ROLLBACK_POLICIES).default('immediate'),
  max_concurrent: z.number().int().min(1).max(100).default(1),
  dry_run: z.boolean().default(false),
  monitor_interval: boundedDuration(250, 600_000).prefault('1s'),
  lease: boundedDuration(1000, 3_600_000)
    .prefault('15s')
    .describe('fault lease at the agent, renewed while watched'),
  cooldown: boundedDuration(0, 30 * 86_400_000)
    .prefault('10m')
    .describe('minimum time between faults on one resource'),
  catchup_window: boundedDuration(0, 86_400_000).prefault('1m'),
  thresholds: z
    .strictObject({ medium: z.number().min(0).max(1), high: z.number().min(0).max(1) })
    .optional()
    .describe('probability cut-offs for medium and high (low is below medium)'),
});

export const resourceFailureModesSchema = z.strictObject({
  resource_type: name,
  failure_modes: z.array(z.enum(FAILURE_MODES)).min(1),
  injection_parameters: z
    .strictObject(
      Object.fromEntries(FAILURE_MODES.map((m) => [m, FAULT_PARAM_SCHEMAS[m].optional()])) as {
        [M in (typeof FAILURE_MODES)[number]]: z.ZodOptional<(typeof FAULT_PARAM_SCHEMAS)[M]>;
      },
    )
    .default({}),
});

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'expected an environment variable name' });
const agentUrl = z.url({ protocol: /^https?$/ });

/** TLS between workers and agents: the agent's side (cert/key, CA for client certificates) and the worker's. */
export const agentTlsSchema = z.strictObject({
  certFile: z.string().min(1).optional().describe('agent: its certificate chain (PEM)'),
  keyFile: z.string().min(1).optional().describe('agent: its private key (PEM)'),
  caFile: z
    .string()
    .min(1)
    .optional()
    .describe(
      "CA (PEM) that signed the agents' certificates (workers trust it) and the client certificates (agents check them)",
    ),
  requireClientCert: z
    .boolean()
    .default(false)
    .describe('agent: refuse clients without a certificate signed by caFile (mTLS)'),
  clientCertFile: z.string().min(1).optional().describe('worker: its client certificate (PEM), for mTLS'),
  clientKeyFile: z.string().min(1).optional().describe('worker: its client key (PEM), for mTLS'),
  serverName: z
    .string()
    .min(1)
    .optional()
    .describe('worker: the name the agent certificate must carry, when not the URL host'),
});

/** An agent on one host: its URL, or its URL and the variable holding that agent's own token. */
export const agentHostSchema = z.union([
  agentUrl,
  z.strictObject({
    url: agentUrl,
    tokenEnv: envName.optional().describe("this host's agent token (default: agent.tokenEnv)"),
  }),
]);

export const agentBudgetSchema = z.strictObject({
  cpuPercent: z
    .number()
    .min(1)
    .max(10_000)
    .optional()
    .describe('CPU, in percent of one core, that all cpu_stress faults of this host may use together'),
  memory: boundedSize(1024 ** 2, 1024 ** 5)
    .optional()
    .describe('memory all memory_pressure faults of this host may hold together (default: half the host)'),
  disk: boundedSize(1024 ** 2, 1024 ** 5)
    .optional()
    .describe('bytes all disk_fill faults of this host may allocate together'),
});

export const agentSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:7070'),
  tokenEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .default('FORESHOCK_AGENT_TOKEN'),
  stateDir: z
    .string()
    .regex(/^\//, {
      message:
        'expected an absolute path (the journal in it is carried out as root; a relative one would depend on the working directory)',
    })
    .optional()
    .describe(
      'journal, its key and logs of the agent, an absolute directory kept 0700 (default: /var/lib/foreshock/agent as root, else $XDG_STATE_HOME/foreshock/agent, $XDG_STATE_HOME defaulting to ~/.local/state)',
    ),
  maxFaultsPerResource: z.number().int().min(1).max(16).default(1),
  readTokenEnv: envName
    .optional()
    .describe(
      'variable holding a token that may only read faults (GET /v1/faults…); the control token may do all',
    ),
  metricsTokenEnv: envName.optional().describe('variable holding a token that may only read /metrics'),
  tls: agentTlsSchema
    .optional()
    .describe('TLS for the control API; required when an agent listens beyond loopback'),
  budget: agentBudgetSchema.optional().describe('host-wide ceilings across all active faults of one agent'),
  hosts: z
    .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/), agentHostSchema)
    .default({})
    .describe(
      'control API URL of the agent on each resource host; resources on host "local" (the default) use agent.url',
    ),
  cgroupVersion: z
    .union([z.literal('auto'), z.literal(1), z.literal(2)])
    .default('auto')
    .describe('cgroup hierarchy for host faults; auto: v1 where its cpu controller is mounted, else v2'),
});

export const STORE_KINDS = ['file', 'postgres'] as const;

export const storeSchema = z
  .strictObject({
    kind: z
      .enum(STORE_KINDS)
      .default('file')
      .describe(
        "file: history and models on this worker's disk (one worker); postgres: shared by every worker",
      ),
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'expected a postgres:// URL' })
      .optional()
      .describe(
        'postgres://user@host:port/db (a password may come from PGPASSWORD); required for kind postgres',
      ),
  })
  .refine((s) => s.kind !== 'postgres' || s.url !== undefined, {
    message: 'store.url is required when store.kind is postgres',
    path: ['url'],
  });

export const configSchema = z.strictObject({
  temporal: temporalSchema.prefault({}),
  prometheus: prometheusSchema,
  agent: agentSchema.prefault({}),
  resources: z.array(resourceSchema).default([]),
  failure_injection_profile: profileSchema,
  resource_failure_modes: z.array(resourceFailureModesSchema).default([]),
  history: z
    .strictObject({
      incidents: z.string().default('./history/incidents.jsonl'),
      outcomes: z.string().default('./history/outcomes.jsonl'),
    })
    .prefault({}),
  models: z.strictObject({ dir: z.string().default('.foreshock/models') }).prefault({}),
  store: storeSchema.prefault({}),
  resource_discovery: z.array(discoverySchema).default([]),
});

export type ForeshockConfig = z.output<typeof configSchema>;
export type ForeshockConfigInput = z.input<typeof configSchema>;
export type ResourceConfig = ForeshockConfig['resources'][number];
export type GuardConfig = ResourceConfig['guards'][number];
export type ProxyConfig = NonNullable<ResourceConfig['proxy']>;
export type ProcessConfig = NonNullable<ResourceConfig['process']>;
export type ProfileConfig = ForeshockConfig['failure_injection_profile'];
export type StoreConfig = ForeshockConfig['store'];
export type DiscoveryConfig = ForeshockConfig['resource_discovery'][number];
export type Severity = (typeof SEVERITIES)[number];
export type RollbackPolicy = (typeof ROLLBACK_POLICIES)[number];
