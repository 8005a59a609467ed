/**
 * Which agent holds a resource's faults. Each host runs its own agent (`foreshock agent
 * --host NAME`); the config names their control APIs under `agent.hosts`, and resources on
 * host "local" (the default) use `agent.url`. With no hosts listed, every resource goes to
 * `agent.url`, as one agent serving all resources expects. One worker drives them all.
 */
import { AgentClient } from './client';
import type { FaultState } from './api';

export interface AgentRoutingConfig {
  agent: { url: string; hosts?: Record<string, string> };
  resources: readonly { name: string; host: string }[];
}

export class AgentRouter {
  private constructor(
    private readonly fallback: AgentClient,
    private readonly byHost: ReadonlyMap<string, AgentClient>,
    private readonly hostOf: ReadonlyMap<string, string>,
  ) {}

  /** One client per agent URL; `token` is the bearer token all agents were started with. */
  static fromConfig(config: AgentRoutingConfig, options: { token: string; timeoutMs?: number }): AgentRouter {
    const clients = new Map<string, AgentClient>();
    const clientFor = (url: string) => {
      let client = clients.get(url);
      if (!client) {
        client = new AgentClient({ url, token: options.token, timeoutMs: options.timeoutMs });
        clients.set(url, client);
      }
      return client;
    };
    const fallback = clientFor(config.agent.url);
    const byHost = new Map(
      Object.entries(config.agent.hosts ?? {}).map(([host, url]) => [host, clientFor(url)]),
    );
    const hostOf = new Map(config.resources.map((r) => [r.name, r.host]));
    return new AgentRouter(fallback, byHost, hostOf);
  }

  /** Every call to the one agent there is. */
  static single(client: AgentClient): AgentRouter {
    return new AgentRouter(client, new Map(), new Map());
  }

  /** The agent for `resource`; `agent.url`'s when the resource or its host is not listed. */
  forResource(resource: string | undefined): AgentClient {
    const host = resource === undefined ? undefined : this.hostOf.get(resource);
    return (host !== undefined && this.byHost.get(host)) || this.fallback;
  }

  /** Each distinct agent once. */
  all(): AgentClient[] {
    return [...new Set([this.fallback, ...this.byHost.values()])];
  }

  /** The faults of every agent, each with the client that holds it. */
  async listAll(): Promise<{ agent: AgentClient; fault: FaultState }[]> {
    const lists = await Promise.all(
      this.all().map(async (agent) => (await agent.list()).map((fault) => ({ agent, fault }))),
    );
    return lists.flat();
  }
}

/** Activities and clients take either one agent or a router. */
export type AgentTarget = AgentClient | AgentRouter;

export function routerOf(target: AgentTarget): AgentRouter {
  return target instanceof AgentRouter ? target : AgentRouter.single(target);
}
