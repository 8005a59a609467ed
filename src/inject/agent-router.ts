/**
 * Which agent holds a resource's faults. Each host runs its own agent (`foreshock agent
 * --host NAME`); the config names their control APIs under `agent.hosts`, and resources on
 * host "local" (the default) use `agent.url`. With no hosts listed, every resource goes to
 * `agent.url`, as one agent serving all resources expects. One worker drives them all.
 */
import { readFileSync } from 'node:fs';
import { AgentClient, type AgentClientTls } from './client';
import type { FaultState } from './api';

/** An agent under agent.hosts: its URL, or its URL and the variable holding its own token. */
export type AgentHostEntry = string | { url: string; tokenEnv?: string };

export interface AgentRoutingConfig {
  agent: {
    url: string;
    hosts?: Record<string, AgentHostEntry>;
    tls?: { caFile?: string; clientCertFile?: string; clientKeyFile?: string; serverName?: string };
  };
  resources: readonly { name: string; host: string }[];
}

/** The worker's side of agent.tls: the CA to trust and, for mTLS, its client certificate. */
export function clientTlsOf(tls: AgentRoutingConfig['agent']['tls']): AgentClientTls | undefined {
  if (!tls) return undefined;
  const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
  return {
    ca: read(tls.caFile),
    cert: read(tls.clientCertFile),
    key: read(tls.clientKeyFile),
    ...(tls.serverName ? { serverName: tls.serverName } : {}),
  };
}

export class AgentRouter {
  private constructor(
    private readonly fallback: AgentClient,
    private readonly byHost: ReadonlyMap<string, AgentClient>,
    private readonly hostOf: ReadonlyMap<string, string>,
  ) {}

  /**
   * One client per agent URL. `token` is the bearer token of agent.url and of every host that
   * names no `tokenEnv` of its own; a host with one gets the token from that variable of `env`.
   */
  static fromConfig(
    config: AgentRoutingConfig,
    options: { token: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
  ): AgentRouter {
    const env = options.env ?? process.env;
    const tls = clientTlsOf(config.agent.tls);
    const clients = new Map<string, AgentClient>();
    const clientFor = (url: string, token: string) => {
      const key = `${url} ${token}`;
      let client = clients.get(key);
      if (!client) {
        client = new AgentClient({ url, token, timeoutMs: options.timeoutMs, tls });
        clients.set(key, client);
      }
      return client;
    };
    const fallback = clientFor(config.agent.url, options.token);
    const byHost = new Map(
      Object.entries(config.agent.hosts ?? {}).map(([host, entry]) => {
        if (typeof entry === 'string') return [host, clientFor(entry, options.token)] as const;
        const token = entry.tokenEnv ? env[entry.tokenEnv] : options.token;
        if (!token) {
          throw new Error(`agent.hosts.${host}.tokenEnv: the variable ${entry.tokenEnv} is not set`);
        }
        return [host, clientFor(entry.url, token)] as const;
      }),
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
