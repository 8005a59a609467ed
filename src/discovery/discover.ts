/**
 * Resource discovery: each `resource_discovery` entry runs one PromQL instant query and turns
 * every distinct value of its label into a resource, rendered from the entry's template and
 * checked against the same schema as a listed resource. Signals the entry declares under
 * `signals` are collected with one query per signal for all of its resources (see
 * `SignalGroup`), not one per resource.
 */
import type { DiscoveryConfig, ForeshockConfig, ResourceConfig } from '../config/schema';
import { resourceSchema } from '../config/schema';
import type { PrometheusAdapter } from '../prometheus/adapter';
import { asIs, promqlString, renderTemplate, toName, TemplateError } from './template';

export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
}

/** One PromQL for a signal across many resources; each result series belongs to the resource its label names. */
export interface SignalGroup {
  signal: string;
  query: string;
  label: string;
  /** label value → resource name */
  resources: Record<string, string>;
}

export interface DiscoveredResources {
  resources: ResourceConfig[];
  /** host → agent URL, from `agent_url` */
  agentHosts: Record<string, string>;
  groups: SignalGroup[];
  /** `entry: label=value: why` for each series that could not become a resource */
  problems: string[];
  /** Resources per entry name. */
  counts: Record<string, number>;
}

function renderResource(entry: DiscoveryConfig, labels: Record<string, string>): ResourceConfig {
  const t = entry.resource;
  const telemetry: Record<string, string> = {};
  for (const [signal, query] of Object.entries(t.telemetry)) {
    if (!(signal in entry.signals)) telemetry[signal] = renderTemplate(query, labels, promqlString);
  }
  // grouped signals still appear in the resource's telemetry (per-resource form) so every
  // consumer that reads resources sees them; the collector fetches them through the group
  for (const signal of Object.keys(entry.signals)) {
    telemetry[signal] = t.telemetry[signal]
      ? renderTemplate(t.telemetry[signal], labels, promqlString)
      : `(${entry.signals[signal]}) and on(${entry.label}) label_replace(vector(1), "${entry.label}", "${promqlString(labels[entry.label] ?? '')}", "", "")`;
  }
  const candidate = {
    ...t,
    name: toName(renderTemplate(t.name, labels)),
    host: renderTemplate(t.host, labels, asIs),
    telemetry,
    guards: t.guards.map((g) => ({ ...g, expr: renderTemplate(g.expr, labels, promqlString) })),
    ...(t.proxy
      ? {
          proxy: {
            ...t.proxy,
            listen: renderTemplate(t.proxy.listen, labels),
            upstream: renderTemplate(t.proxy.upstream, labels),
            ...(t.proxy.failover ? { failover: renderTemplate(t.proxy.failover, labels) } : {}),
          },
        }
      : {}),
  };
  const parsed = resourceSchema.safeParse(candidate);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new TemplateError(`${first?.path.join('.') || 'resource'}: ${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export async function discoverResources(
  config: Pick<ForeshockConfig, 'resources' | 'resource_discovery'>,
  prometheus: Pick<PrometheusAdapter, 'instantQuery'>,
): Promise<DiscoveredResources> {
  const out: DiscoveredResources = { resources: [], agentHosts: {}, groups: [], problems: [], counts: {} };
  const taken = new Set(config.resources.map((r) => r.name));
  for (const entry of config.resource_discovery) {
    let samples;
    try {
      samples = await prometheus.instantQuery(entry.query);
    } catch (err) {
      throw new DiscoveryError(`resource_discovery ${entry.name}: query failed: ${(err as Error).message}`);
    }
    const byValue = new Map<string, Record<string, string>>();
    for (const s of samples) {
      const value = s.labels[entry.label];
      if (value === undefined) {
        out.problems.push(`${entry.name}: a series of "${entry.query}" has no label ${entry.label}`);
        continue;
      }
      if (!byValue.has(value)) byValue.set(value, s.labels);
    }
    if (byValue.size > entry.limit) {
      throw new DiscoveryError(
        `resource_discovery ${entry.name}: ${byValue.size} resources found, more than its limit ${entry.limit}`,
      );
    }
    const groupMembers: Record<string, string> = {};
    for (const [value, labels] of [...byValue].sort(([a], [b]) => a.localeCompare(b))) {
      try {
        const resource = renderResource(entry, labels);
        if (taken.has(resource.name))
          throw new TemplateError(`resource name ${resource.name} is already taken`);
        taken.add(resource.name);
        out.resources.push(resource);
        groupMembers[value] = resource.name;
        if (entry.agent_url) out.agentHosts[resource.host] = renderTemplate(entry.agent_url, labels);
      } catch (err) {
        out.problems.push(`${entry.name}: ${entry.label}=${value}: ${(err as Error).message}`);
      }
    }
    out.counts[entry.name] = Object.keys(groupMembers).length;
    for (const [signal, query] of Object.entries(entry.signals)) {
      out.groups.push({ signal, query, label: entry.label, resources: groupMembers });
    }
  }
  return out;
}

/** The config with the discovered resources and agent hosts added. */
export function withDiscovered<C extends Pick<ForeshockConfig, 'resources' | 'agent'>>(
  config: C,
  found: DiscoveredResources,
): C {
  return {
    ...config,
    resources: [...config.resources, ...found.resources],
    agent: { ...config.agent, hosts: { ...found.agentHosts, ...config.agent.hosts } },
  };
}

export { renderTemplate, toName, TemplateError } from './template';
