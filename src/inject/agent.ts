/**
 * The Runtime Injection agent: one per host. It runs the in-line proxies of the resources
 * declared for it, supervises their processes when asked to, applies and reverts faults with
 * leases (./core.ts), journals host changes (./journal.ts, ./recovery.ts), and serves the
 * control API (./control-api.ts).
 *
 *   startAgent(options) → { url, token, stop() }   in-process (tests, other modules)
 *   foreshock agent --config foreshock.yaml          the same, as a long-running process
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ForeshockConfig, ResourceConfig } from '../config/schema';
import { Cgroups, detectCgroupLayout, type CgroupLayout } from './cgroups';
import { startControlApi, type ControlApi, type ControlApiTls } from './control-api';
import { InjectionAgent } from './core';
import { InvalidRequestError } from './errors';
import type { HostServices } from './faults/index';
import { Journal } from './journal';
import { AgentMetrics } from './metrics';
import { ResourceProxy } from './proxy/resource-proxy';
import { recoverFromJournal, type RecoveryOutcome, type RecoveryReport } from './recovery';
import { stateDirOf } from './state-dir';
import { Supervisor } from './supervisor';

export { checkSafePid } from './pids';
export { InjectionAgent } from './core';

export interface AgentOptions {
  /** The resources this agent serves and the agent section of the foreshock config. */
  config: {
    resources: ResourceConfig[];
    agent?: Partial<ForeshockConfig['agent']>;
    /** When given, the agent refuses modes and strengths it does not allow per resource type. */
    resource_failure_modes?: ForeshockConfig['resource_failure_modes'];
  };
  /** host:port for the control API. @default the host and port of config.agent.hosts[host], else config.agent.url */
  listen?: string;
  /** Bearer token of scope `control`, at least MIN_TOKEN_LENGTH characters. @default a random one (only allowed on loopback) */
  token?: string;
  /** Token of scope `read` (GET the faults only). @default none */
  readToken?: string;
  /** Token of scope `metrics` (/metrics only). @default none */
  metricsToken?: string;
  /** TLS for the control API. @default config.agent.tls; required beyond loopback */
  tls?: AgentTlsFiles;
  /** How long past its duration a fault may stay before the agent reverts it. @default max(5 s, its first lease) */
  durationGraceMs?: number;
  /** Connection cap and header deadline of the control API. @default 256 connections, 10 s */
  controlApi?: { maxConnections?: number; headersTimeoutMs?: number };
  /** Journal, its key and logs: an absolute directory, kept 0700. @default config.agent.stateDir, else defaultStateDir() */
  stateDir?: string;
  /** What relative TLS file names are relative to (the CLI passes the config file's directory). @default the working directory */
  configDir?: string;
  /** Prefix of this agent's cgroups. @default `agent` */
  cgroupPrefix?: string;
  /**
   * The cgroup hierarchy to use, given outright. @default detected from /proc/mounts as
   * `config.agent.cgroupVersion` says (auto: v1 where its cpu controller is mounted, else v2)
   */
  cgroupLayout?: CgroupLayout;
  /** Pids that must never be touched, besides 1, the agent and its parent (e.g. a worker). */
  protectedPids?: number[];
  /** Tool paths; defaults come from the installer's record and PATH. */
  tools?: HostServices['tools'];
  /** Deadlines of external tools (fallocate, fiu-ctrl), in ms. @default TOOL_TIMEOUT_MS (60 s, 5 s) */
  toolTimeoutsMs?: HostServices['toolTimeoutsMs'];
  /** Live client connections each resource proxy accepts at once. @default DEFAULT_MAX_PROXY_CONNECTIONS (4096) */
  proxyMaxConnections?: number;
  /** Only the resources whose `host` matches. @default every resource */
  host?: string;
  log?: (line: string) => void;
}

/** The agent's side of agent.tls. */
export interface AgentTlsFiles {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  /** @default false */
  requireClientCert?: boolean;
}

export interface RunningAgent {
  url: string;
  token: string;
  metrics: AgentMetrics;
  stateDir: string;
  journalFile: string;
  journal: Journal;
  cgroups: Cgroups | undefined;
  proxies: ReadonlyMap<string, ResourceProxy>;
  supervisors: ReadonlyMap<string, Supervisor>;
  /** What the journal recovery undid (or refused) on start. */
  recovered: RecoveryOutcome[];
  /** Journal lines that did not verify on start (never carried out). */
  rejectedJournalLines: RecoveryReport['rejectedLines'];
  core: InjectionAgent;
  stop(): Promise<void>;
}

/** A bearer token shorter than this is refused: 32 characters of base64 hold 192 bits. */
export const MIN_TOKEN_LENGTH = 32;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

export function defaultTools(): HostServices['tools'] {
  const recorded: Partial<Record<string, string>> = {};
  try {
    Object.assign(
      recorded,
      JSON.parse(readFileSync(path.resolve(__dirname, '../../.tools/env.json'), 'utf8')),
    );
  } catch {
    // no installer record: fall back to the usual Debian paths
  }
  const onDisk = (p: string) => (isExecutable(p) ? p : undefined);
  return {
    fiuCtrl: recorded.fiuCtrl ?? onDisk('/usr/bin/fiu-ctrl'),
    fiuRun: recorded.fiuRun ?? onDisk('/usr/bin/fiu-run'),
    stressNg: recorded.stressNg ?? onDisk('/usr/bin/stress-ng'),
    fallocate: onDisk('/usr/bin/fallocate'),
  };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function checkToken(token: string | undefined, listenHost: string): void {
  if (token === undefined) {
    if (isLoopback(listenHost)) return;
    throw new InvalidRequestError(
      `refusing to listen on ${listenHost} without a token`,
      'token',
      'a bearer token (set the agent token env var), or a loopback listen address',
    );
  }
  if (token.length < MIN_TOKEN_LENGTH || new Set(token).size < 8) {
    throw new InvalidRequestError(
      `the agent token is too weak (${token.length} characters)`,
      'token',
      `at least ${MIN_TOKEN_LENGTH} random characters, e.g. openssl rand -base64 32`,
    );
  }
}

/** Reads the agent's certificate files; beyond loopback a certificate is required. */
export function serverTlsOf(tls: AgentTlsFiles | undefined, listenHost: string): ControlApiTls | undefined {
  if (!tls?.certFile || !tls.keyFile) {
    if (isLoopback(listenHost)) return undefined;
    throw new InvalidRequestError(
      `refusing to listen on ${listenHost} without TLS: the token would cross the network in clear`,
      'agent.tls',
      'certFile and keyFile (and caFile + requireClientCert for mTLS), or a loopback listen address',
    );
  }
  if (tls.requireClientCert && !tls.caFile) {
    throw new InvalidRequestError(
      'requireClientCert needs the CA that signs client certificates',
      'agent.tls.caFile',
      'a CA file (PEM)',
    );
  }
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
    requireClientCert: tls.requireClientCert ?? false,
  };
}

/** The host names of the agent URLs in the config: what a Host header may say. */
function configuredHostNames(agent: Partial<ForeshockConfig['agent']>): string[] {
  const urls = [
    agent.url,
    ...Object.values(agent.hosts ?? {}).map((h) => (typeof h === 'string' ? h : h.url)),
  ];
  return urls.filter((u): u is string => u !== undefined).map((u) => new URL(u).hostname);
}

/** Older agents kept their journal in `.foreshock/agent` beside the config by default: say where it is. */
function warnOfOldDefaultJournal(
  options: AgentOptions,
  configured: string | undefined,
  log: (line: string) => void,
): void {
  if (options.stateDir !== undefined || configured !== undefined || options.configDir === undefined) return;
  const old = path.join(options.configDir, '.foreshock', 'agent');
  if (existsSync(path.join(old, 'journal.jsonl'))) {
    log(
      `a journal of an older agent is in ${old}: run the agent once with --state-dir ${old} to undo what it holds`,
    );
  }
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.log ?? (() => {});
  const agentConfig = {
    url: 'http://127.0.0.1:7070',
    maxFaultsPerResource: 1,
    cgroupVersion: 'auto' as const,
    ...options.config.agent,
  };
  // An agent for one host listens where the config tells the workers to find it.
  const hostEntry = options.host === undefined ? undefined : agentConfig.hosts?.[options.host];
  const hostUrl = typeof hostEntry === 'string' ? hostEntry : hostEntry?.url;
  const listen = options.listen ?? new URL(hostUrl ?? agentConfig.url).host;
  const colon = listen.lastIndexOf(':');
  const listenHost = listen.slice(0, colon);
  const listenPort = Number(listen.slice(colon + 1));
  checkToken(options.token, listenHost);
  for (const [field, extra] of [
    ['readToken', options.readToken],
    ['metricsToken', options.metricsToken],
  ] as const) {
    if (extra === undefined) continue;
    checkToken(extra, listenHost);
    if (extra === options.token) {
      throw new InvalidRequestError(`the ${field} is the control token`, field, 'a token of its own');
    }
  }
  const baseDir = options.configDir ?? process.cwd();
  const tlsFiles = options.tls ?? agentConfig.tls;
  const resolve = (file: string | undefined) =>
    file === undefined ? undefined : path.resolve(baseDir, file);
  const tls = serverTlsOf(
    tlsFiles && {
      ...tlsFiles,
      certFile: resolve(tlsFiles.certFile),
      keyFile: resolve(tlsFiles.keyFile),
      caFile: resolve(tlsFiles.caFile),
    },
    listenHost,
  );
  const token = options.token ?? randomBytes(32).toString('base64url');
  const stateDir =
    options.stateDir !== undefined
      ? stateDirOf(options.stateDir)
      : stateDirOf(agentConfig.stateDir, 'agent.stateDir');
  warnOfOldDefaultJournal(options, agentConfig.stateDir, log);
  const journal = Journal.open(stateDir);
  const layout = options.cgroupLayout ?? detectCgroupLayout(undefined, agentConfig.cgroupVersion);
  const cgroups = layout ? new Cgroups(layout, options.cgroupPrefix ?? 'agent') : undefined;
  const host: HostServices = {
    journal,
    cgroups,
    tools: options.tools ?? defaultTools(),
    ...(options.toolTimeoutsMs ? { toolTimeoutsMs: options.toolTimeoutsMs } : {}),
  };
  const metrics = new AgentMetrics();
  const resources = new Map(
    options.config.resources
      .filter((r) => options.host === undefined || r.host === options.host)
      .map((r) => [r.name, r] as const),
  );

  let report: RecoveryReport;
  try {
    report = await recoverFromJournal(journal, resources, host, log);
  } catch (err) {
    journal.close();
    throw err;
  }

  const proxies = new Map<string, ResourceProxy>();
  const supervisors = new Map<string, Supervisor>();
  let api: ControlApi | undefined;
  const stopAll = async () => {
    await api?.stop();
    for (const supervisor of supervisors.values()) await supervisor.stop();
    for (const proxy of proxies.values()) await proxy.stop();
    journal.compact();
    journal.close();
    for (const controller of ['cpu', 'freezer', 'memory'] as const) cgroups?.removeParentIfEmpty(controller);
  };
  let core: InjectionAgent;
  try {
    for (const resource of resources.values()) {
      if (resource.proxy) {
        proxies.set(
          resource.name,
          await ResourceProxy.start(
            resource.name,
            resource.proxy,
            metrics.countersFor(resource.name),
            options.proxyMaxConnections,
          ),
        );
      }
      if (resource.process?.command) {
        const supervisor = new Supervisor({
          resource: resource.name,
          config: resource.process,
          fiuRun: host.tools.fiuRun,
          journal,
          logDir: path.join(stateDir, 'logs'),
          onRestart: () => metrics.processRestarts.inc({ resource: resource.name }),
          log,
        });
        supervisors.set(resource.name, supervisor);
        await supervisor.start();
      }
    }
    core = new InjectionAgent({
      resources,
      proxies,
      supervisors,
      host,
      metrics,
      protectedPids: new Set(options.protectedPids ?? []),
      maxFaultsPerResource: agentConfig.maxFaultsPerResource,
      ...(options.config.resource_failure_modes
        ? { failureModes: options.config.resource_failure_modes }
        : {}),
      ...(agentConfig.budget ? { budget: agentConfig.budget } : {}),
      ...(options.durationGraceMs !== undefined ? { durationGraceMs: options.durationGraceMs } : {}),
      log,
    });
    api = await startControlApi({
      host: listenHost,
      port: listenPort,
      tokens: {
        control: token,
        ...(options.readToken !== undefined ? { read: options.readToken } : {}),
        ...(options.metricsToken !== undefined ? { metrics: options.metricsToken } : {}),
      },
      ...(tls ? { tls } : {}),
      hostNames: configuredHostNames(agentConfig),
      ...options.controlApi,
      agent: core,
      metrics,
    });
  } catch (err) {
    await stopAll();
    throw err;
  }
  log(`agent listening on ${api.url}; state in ${stateDir}`);
  return {
    url: api.url,
    token,
    metrics,
    stateDir,
    journalFile: journal.file,
    journal,
    cgroups,
    proxies,
    supervisors,
    recovered: report.outcomes,
    rejectedJournalLines: report.rejectedLines,
    core,
    async stop() {
      await core.revertAll('shutdown');
      await stopAll();
    },
  };
}
