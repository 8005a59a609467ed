/**
 * Checks the schema cannot express: relations between sections (a mode needs a mechanism its
 * resources have), uniqueness, clashing ports, schedules, files and variables that must exist.
 *
 * They run on a lenient view of the document, so they also report when the schema failed
 * elsewhere: one run of `foreshock validate` shows every problem. Pure: the environment and
 * the file system come in as arguments.
 */
import { CronExpressionParser } from 'cron-parser';
import { FAILURE_MODES, MODE_MECHANISM, type FailureMode } from './fault-params';
import { parseDuration } from './duration';
import type { ConfigPath, ConfigSeverity } from './errors';
import type { PrometheusAdapter } from '../prometheus/adapter';
import { LOCAL_HOST } from './schema';

/** A problem found by a semantic check, positioned later by the loader. */
export interface SemanticIssue {
  path: ConfigPath;
  message: string;
  expected?: string;
  severity: ConfigSeverity;
  /** Point at the map key at `path` rather than at its value. */
  atKey?: boolean;
}

/** The parts of a config the semantic checks read; every field may be absent or ill-typed. */
export interface ConfigView {
  temporal: {
    apiKeyEnv?: string;
    tls: { serverRootCACertFile?: string; clientCertFile?: string; clientKeyFile?: string };
  };
  resources: ResourceView[];
  /** Host names that have an agent URL under agent.hosts. */
  agentHosts: string[];
  /** How many resource_discovery entries there are. */
  discoveryEntries?: number;
  injectionFrequency?: string;
  resourceFailureModes: {
    resourceType?: string;
    /** Strings only; other entries are undefined, indices kept. */
    failureModes: (string | undefined)[];
    parameterModes: string[];
  }[];
}

export interface ResourceView {
  name?: string;
  type?: string;
  host?: string;
  proxy?: { listen?: string; upstream?: string; protocol: string };
  hasProcess: boolean;
  hasDisk: boolean;
  signals: string[];
  thresholdSignals: string[];
  guardNames: (string | undefined)[];
}

export interface SemanticContext {
  env: NodeJS.ProcessEnv;
  fileExists: (file: string) => boolean;
}

type Loose = Record<string, unknown>;

function asMap(value: unknown): Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {};
}
function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Reads whatever is usable from a parsed or raw document; never throws. */
export function configViewOf(document: unknown): ConfigView {
  const root = asMap(document);
  const temporal = asMap(root.temporal);
  const tls = asMap(temporal.tls);
  return {
    temporal: {
      apiKeyEnv: asString(temporal.apiKeyEnv),
      tls: {
        serverRootCACertFile: asString(tls.serverRootCACertFile),
        clientCertFile: asString(tls.clientCertFile),
        clientKeyFile: asString(tls.clientKeyFile),
      },
    },
    resources: asList(root.resources).map((raw) => {
      const resource = asMap(raw);
      const proxy = resource.proxy === undefined ? undefined : asMap(resource.proxy);
      return {
        name: asString(resource.name),
        type: asString(resource.type),
        host: asString(resource.host),
        proxy: proxy && {
          listen: asString(proxy.listen),
          upstream: asString(proxy.upstream),
          protocol: asString(proxy.protocol) ?? 'tcp',
        },
        hasProcess: resource.process !== undefined && resource.process !== null,
        hasDisk: resource.disk !== undefined && resource.disk !== null,
        signals: Object.keys(asMap(resource.telemetry)),
        thresholdSignals: Object.keys(asMap(resource.thresholds)),
        guardNames: asList(resource.guards).map((guard) => asString(asMap(guard).name)),
      };
    }),
    agentHosts: Object.keys(asMap(asMap(root.agent).hosts)),
    discoveryEntries: asList(root.resource_discovery).length,
    injectionFrequency: asString(asMap(root.failure_injection_profile).injection_frequency),
    resourceFailureModes: asList(root.resource_failure_modes).map((raw) => {
      const entry = asMap(raw);
      return {
        resourceType: asString(entry.resource_type),
        failureModes: asList(entry.failure_modes).map(asString),
        parameterModes: Object.keys(asMap(entry.injection_parameters)),
      };
    }),
  };
}

function isFailureMode(text: string): text is FailureMode {
  return (FAILURE_MODES as readonly string[]).includes(text);
}

/** Levenshtein distance, for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest of `known` to `text`, when it is close enough to be a likely typo. */
export function closestName(text: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(text.toLowerCase(), name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(text.length / 3)) ? best.name : undefined;
}

/** The message for a failure mode foreshock does not know. */
export function unknownModeMessage(value: unknown): { message: string; expected: string } {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const hint = typeof value === 'string' ? closestName(value, FAILURE_MODES) : undefined;
  return {
    message: `unknown failure mode ${JSON.stringify(text)}${hint ? ` (did you mean ${hint}?)` : ''}`,
    expected: `one of ${FAILURE_MODES.join(', ')}`,
  };
}

export type InjectionFrequency = { kind: 'interval'; ms: number } | { kind: 'cron'; expression: string };

const MIN_INTERVAL_MS = 1000;

/** A duration of at least 1s, or a 5-field cron expression; an error message otherwise. */
export function parseInjectionFrequency(text: string): InjectionFrequency | { error: string } {
  const trimmed = text.trim();
  const ms = parseDuration(trimmed);
  if (ms !== undefined) {
    return ms >= MIN_INTERVAL_MS ? { kind: 'interval', ms } : { error: `interval ${trimmed} is below 1s` };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) {
    return {
      error: `${JSON.stringify(text)} is neither a duration nor a 5-field cron expression (it has ${fields.length} field${fields.length === 1 ? '' : 's'})`,
    };
  }
  try {
    CronExpressionParser.parse(trimmed);
    return { kind: 'cron', expression: trimmed };
  } catch (err) {
    return { error: `invalid cron expression ${JSON.stringify(text)}: ${(err as Error).message}` };
  }
}

const MECHANISM_NEED: Record<(typeof MODE_MECHANISM)[FailureMode], string> = {
  proxy: 'a proxy',
  http_proxy: 'an HTTP proxy (proxy.protocol: http)',
  process: 'a process',
  disk: 'a disk',
  host: 'nothing',
};

function lacksMechanism(resource: ResourceView, mode: FailureMode): string | undefined {
  const name = resource.name ?? '(unnamed)';
  switch (MODE_MECHANISM[mode]) {
    case 'proxy':
      return resource.proxy ? undefined : `resource ${JSON.stringify(name)} has no proxy`;
    case 'http_proxy':
      if (!resource.proxy) return `resource ${JSON.stringify(name)} has no proxy`;
      return resource.proxy.protocol === 'http'
        ? undefined
        : `resource ${JSON.stringify(name)} has a ${resource.proxy.protocol} proxy`;
    case 'process':
      return resource.hasProcess ? undefined : `resource ${JSON.stringify(name)} has no process`;
    case 'disk':
      return resource.hasDisk ? undefined : `resource ${JSON.stringify(name)} has no disk`;
    case 'host':
      return undefined;
  }
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

function splitHostPort(address: string): { host: string; port: string } | undefined {
  const colon = address.lastIndexOf(':');
  if (colon < 0) return undefined;
  return { host: address.slice(0, colon), port: address.slice(colon + 1) };
}

function listenersClash(a: string, b: string): boolean {
  const x = splitHostPort(a);
  const y = splitHostPort(b);
  if (!x || !y || Number(x.port) !== Number(y.port)) return false;
  return x.host === y.host || WILDCARD_HOSTS.has(x.host) || WILDCARD_HOSTS.has(y.host);
}

function checkResources(view: ConfigView, issues: SemanticIssue[]): void {
  const firstByName = new Map<string, number>();
  const listeners: { index: number; listen: string }[] = [];
  view.resources.forEach((resource, index) => {
    if (resource.name !== undefined) {
      const first = firstByName.get(resource.name);
      if (first === undefined) firstByName.set(resource.name, index);
      else
        issues.push({
          path: ['resources', index, 'name'],
          message: `duplicate resource name ${JSON.stringify(resource.name)} (also resources[${first}])`,
          expected: 'a name used once',
          severity: 'error',
        });
    }
    const guardSeen = new Map<string, number>();
    resource.guardNames.forEach((guard, guardIndex) => {
      if (guard === undefined) return;
      const first = guardSeen.get(guard);
      if (first === undefined) guardSeen.set(guard, guardIndex);
      else
        issues.push({
          path: ['resources', index, 'guards', guardIndex, 'name'],
          message: `duplicate guard name ${JSON.stringify(guard)} (also guards[${first}])`,
          expected: 'a name used once per resource',
          severity: 'error',
        });
    });
    for (const signal of resource.thresholdSignals) {
      if (!resource.signals.includes(signal))
        issues.push({
          path: ['resources', index, 'thresholds', signal],
          atKey: true,
          message: `threshold for unknown signal ${JSON.stringify(signal)}`,
          expected:
            resource.signals.length > 0
              ? `a signal of telemetry: ${resource.signals.join(', ')}`
              : 'a signal defined under telemetry',
          severity: 'error',
        });
    }
    // With agents listed per host, a resource on an unlisted host would have no agent to reach.
    const host = resource.host;
    if (
      host !== undefined &&
      host !== LOCAL_HOST &&
      view.agentHosts.length > 0 &&
      !view.agentHosts.includes(host)
    )
      issues.push({
        path: ['resources', index, 'host'],
        message: `no agent for host ${JSON.stringify(host)}`,
        expected: `"${LOCAL_HOST}" (agent.url) or a host of agent.hosts: ${view.agentHosts.join(', ')}`,
        severity: 'error',
      });
    const listen = resource.proxy?.listen;
    if (listen === undefined) return;
    const clash = listeners.find((other) => listenersClash(other.listen, listen));
    if (clash)
      issues.push({
        path: ['resources', index, 'proxy', 'listen'],
        message: `listen address ${listen} clashes with resources[${clash.index}].proxy.listen (${clash.listen})`,
        expected: 'a port no other proxy listens on',
        severity: 'error',
      });
    if (resource.proxy?.upstream !== undefined && listenersClash(listen, resource.proxy.upstream))
      issues.push({
        path: ['resources', index, 'proxy', 'listen'],
        message: `the proxy would forward to itself (listen ${listen}, upstream ${resource.proxy.upstream})`,
        expected: 'a listen address different from the upstream',
        severity: 'error',
      });
    listeners.push({ index, listen });
  });
}

function checkFailureModes(view: ConfigView, issues: SemanticIssue[]): void {
  view.resourceFailureModes.forEach((entry, entryIndex) => {
    const base = ['resource_failure_modes', entryIndex] as const;
    const resources = view.resources.filter((r) => r.type !== undefined && r.type === entry.resourceType);
    if (entry.resourceType !== undefined && resources.length === 0) {
      const types = [...new Set(view.resources.flatMap((r) => (r.type === undefined ? [] : [r.type])))];
      issues.push({
        path: [...base, 'resource_type'],
        message: `no resource has type ${JSON.stringify(entry.resourceType)}; these modes apply to nothing`,
        expected: types.length > 0 ? `one of the resource types: ${types.join(', ')}` : undefined,
        severity: 'warning',
      });
    }
    entry.failureModes.forEach((mode, modeIndex) => {
      if (mode === undefined || !isFailureMode(mode)) return;
      for (const resource of resources) {
        const lack = lacksMechanism(resource, mode);
        if (lack)
          issues.push({
            path: [...base, 'failure_modes', modeIndex],
            message: `${mode} needs ${MECHANISM_NEED[MODE_MECHANISM[mode]]}, but ${lack}`,
            severity: 'error',
          });
      }
    });
    for (const mode of entry.parameterModes) {
      if (isFailureMode(mode) && !entry.failureModes.includes(mode))
        issues.push({
          path: [...base, 'injection_parameters', mode],
          atKey: true,
          message: `parameters for ${mode}, which failure_modes does not list`,
          expected: `a mode of failure_modes: ${entry.failureModes.filter((m) => m !== undefined).join(', ')}`,
          severity: 'error',
        });
    }
  });
}

function checkProfile(view: ConfigView, issues: SemanticIssue[]): void {
  if (view.injectionFrequency === undefined) return;
  const parsed = parseInjectionFrequency(view.injectionFrequency);
  if ('error' in parsed)
    issues.push({
      path: ['failure_injection_profile', 'injection_frequency'],
      message: parsed.error,
      expected: 'a duration of at least 1s (30s, 15m, 1h) or a 5-field cron expression (0 * * * *)',
      severity: 'error',
    });
}

function checkTemporal(view: ConfigView, context: SemanticContext, issues: SemanticIssue[]): void {
  for (const [field, file] of Object.entries(view.temporal.tls)) {
    if (file !== undefined && !context.fileExists(file))
      issues.push({
        path: ['temporal', 'tls', field],
        message: `file ${file} does not exist`,
        expected: 'a readable PEM file (relative paths are from the working directory)',
        severity: 'error',
      });
  }
  const keyVariable = view.temporal.apiKeyEnv;
  if (keyVariable !== undefined && !context.env[keyVariable])
    issues.push({
      path: ['temporal', 'apiKeyEnv'],
      message: `environment variable ${keyVariable} is not set here; connecting will fail without the API key`,
      severity: 'warning',
    });
}

/** Every semantic problem of the document, errors and warnings. */
export function checkSemantics(view: ConfigView, context: SemanticContext): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  if (view.resources.length === 0 && !view.discoveryEntries) {
    issues.push({
      path: ['resources'],
      message: 'no resources: list at least one, or discover them with resource_discovery',
      expected: 'a non-empty list, or resource_discovery entries',
      severity: 'error',
    });
  }
  checkResources(view, issues);
  checkFailureModes(view, issues);
  checkProfile(view, issues);
  checkTemporal(view, context, issues);
  return issues;
}

/** A PromQL expression of the config and where it lives. */
export interface PromQLExpression {
  path: ConfigPath;
  expr: string;
}

/** Telemetry signals and guard expressions, in file order. */
export function promQLExpressions(document: unknown): PromQLExpression[] {
  const expressions: PromQLExpression[] = [];
  asList(asMap(document).resources).forEach((raw, index) => {
    const resource = asMap(raw);
    for (const [signal, expr] of Object.entries(asMap(resource.telemetry))) {
      if (typeof expr === 'string')
        expressions.push({ path: ['resources', index, 'telemetry', signal], expr });
    }
    asList(resource.guards).forEach((guard, guardIndex) => {
      const expr = asMap(guard).expr;
      if (typeof expr === 'string')
        expressions.push({ path: ['resources', index, 'guards', guardIndex, 'expr'], expr });
    });
  });
  return expressions;
}

/**
 * Asks Prometheus to evaluate every expression; returns one issue per rejected expression,
 * with Prometheus' own message. An unreachable Prometheus is one issue at `prometheus.url`.
 */
export async function checkPromQLExpressions(
  document: unknown,
  prometheus: Pick<PrometheusAdapter, 'checkExpression' | 'url'>,
): Promise<SemanticIssue[]> {
  const expressions = promQLExpressions(document);
  const outcomes = await Promise.allSettled(expressions.map((e) => prometheus.checkExpression(e.expr)));
  const issues: SemanticIssue[] = [];
  let unreachable: string | undefined;
  outcomes.forEach((outcome, i) => {
    const expression = expressions[i]!;
    if (outcome.status === 'rejected') {
      unreachable ??= outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
    } else if (outcome.value !== undefined) {
      issues.push({
        path: expression.path,
        message: `Prometheus rejects this PromQL: ${outcome.value.replace(/^Prometheus rejected the query: /, '')}`,
        severity: 'error',
      });
    }
  });
  if (unreachable !== undefined)
    issues.push({
      path: ['prometheus', 'url'],
      message: `could not check PromQL against ${prometheus.url}: ${unreachable}`,
      severity: 'error',
    });
  return issues;
}
