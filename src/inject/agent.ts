/**
 * The Runtime Injection agent: one per host. It runs the in-line proxies of the resources
 * declared for it, supervises their processes when asked to, applies and reverts faults with
 * leases, journals host changes, and serves the control API (./control-api.ts).
 *
 *   startAgent(options) → { url, token, stop() }   in-process (tests, other modules)
 *   foreshock agent --config foreshock.yaml          the same, as a long-running process
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FailureMode } from '../config/fault-params';
import type { ForeshockConfig, ResourceConfig } from '../config/schema';
import type { ApplyFaultRequest, FaultState, RevertResult } from './api';
import { Cgroups, detectCgroupLayout, type CgroupLayout } from './cgroups';
import { startControlApi, type ControlApi } from './control-api';
import {
  FaultConflictError,
  FaultNotFoundError,
  InjectionFailedError,
  InvalidRequestError,
  UnsafeTargetError,
} from './errors';
import { faultType, type ActiveFault, type FaultTarget, type HostServices } from './faults/index';
import { Journal } from './journal';
import { LeaseBook } from './leases';
import { AgentMetrics, type RevertReason } from './metrics';
import { isAlive } from './proc';
import { ResourceProxy } from './proxy/resource-proxy';
import { Supervisor } from './supervisor';
import { parseApplyRequest, parseParams } from './validation';

export interface AgentOptions {
  /** The resources this agent serves and the agent section of the foreshock config. */
  config: { resources: ResourceConfig[]; agent?: Partial<ForeshockConfig['agent']> };
  /** host:port for the control API. @default the host and port of config.agent.hosts[host], else config.agent.url */
  listen?: string;
  /** Bearer token. @default a random one (only allowed on loopback) */
  token?: string;
  /** Journal and logs. @default config.agent.stateDir */
  stateDir?: string;
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
  /** Only the resources whose `host` matches. @default every resource */
  host?: string;
  log?: (line: string) => void;
}

export interface RunningAgent {
  url: string;
  token: string;
  metrics: AgentMetrics;
  journalFile: string;
  cgroups: Cgroups | undefined;
  proxies: ReadonlyMap<string, ResourceProxy>;
  supervisors: ReadonlyMap<string, Supervisor>;
  /** What the journal recovery undid on start. */
  recovered: { id: string; kind: string; ok: boolean }[];
  core: InjectionAgent;
  stop(): Promise<void>;
}

interface FaultRecord {
  state: FaultState;
  journaled: boolean;
  active?: ActiveFault;
}

/** Finished faults remembered for status and idempotent revert. */
const MAX_FINISHED_FAULTS = 1000;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

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

/** Applies, renews, updates and reverts faults; knows nothing of HTTP. */
export class InjectionAgent {
  private readonly faults = new Map<string, FaultRecord>();
  private readonly leases: LeaseBook;
  private readonly locks = new Map<string, Promise<unknown>>();
  readonly maxFaultsPerResource: number;

  constructor(
    private readonly resources: ReadonlyMap<string, ResourceConfig>,
    private readonly proxies: ReadonlyMap<string, ResourceProxy>,
    private readonly supervisors: ReadonlyMap<string, Supervisor>,
    private readonly host: HostServices,
    readonly metrics: AgentMetrics,
    private readonly protectedPids: ReadonlySet<number>,
    maxFaultsPerResource: number,
    private readonly log: (line: string) => void,
  ) {
    this.maxFaultsPerResource = maxFaultsPerResource;
    this.leases = new LeaseBook((faultId) => {
      void this.revert(faultId, 'lease_expired').catch((err: unknown) =>
        this.log(`lease expiry of ${faultId}: revert failed: ${(err as Error).message}`),
      );
    });
  }

  /** Operations on one resource run one at a time, so limits and idempotency hold. */
  private serial<T>(resource: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(resource) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.locks.set(
      resource,
      next.catch(() => {}),
    );
    return next;
  }

  list(): FaultState[] {
    return [...this.faults.values()].map((r) => this.snapshot(r));
  }

  get(faultId: string): FaultState {
    const record = this.faults.get(faultId);
    if (!record) throw new FaultNotFoundError(faultId);
    return this.snapshot(record);
  }

  activeCount(resource?: string): number {
    return [...this.faults.values()].filter(
      (r) => r.state.phase === 'applied' && (resource === undefined || r.state.resource === resource),
    ).length;
  }

  async apply(body: unknown): Promise<FaultState> {
    const request = parseApplyRequest(body, this.resources);
    return this.serial(request.resource, () => this.applyValidated(request));
  }

  private async applyValidated(
    request: ApplyFaultRequest & { resourceConfig: ResourceConfig },
  ): Promise<FaultState> {
    const existing = this.faults.get(request.faultId);
    if (existing) {
      if (existing.state.resource !== request.resource || existing.state.mode !== request.mode) {
        throw new FaultConflictError(
          `faultId ${request.faultId} is already used for ${existing.state.mode} on ${existing.state.resource}`,
          'faultId',
          'a new id, or the same resource and mode as the first apply',
        );
      }
      return this.snapshot(existing);
    }
    const active = this.activeCount(request.resource);
    if (active >= this.maxFaultsPerResource) {
      throw new FaultConflictError(
        `resource ${request.resource} already has ${active} active fault(s)`,
        'resource',
        `at most ${this.maxFaultsPerResource} concurrent fault(s) per resource (agent.maxFaultsPerResource)`,
      );
    }
    const type = faultType(request.mode);
    if (!type)
      throw new InvalidRequestError(`no injector for ${request.mode}`, 'mode', 'a registered fault type');
    const appliedAt = Date.now();
    const lease = { faultId: request.faultId, expiresAt: appliedAt + request.leaseSeconds * 1000 };
    const fault = await type.apply(
      this.targetOf(request.resourceConfig),
      request.params as never,
      lease,
      this.host,
    );
    const record: FaultRecord = {
      journaled: type.journaled,
      active: fault,
      state: {
        faultId: request.faultId,
        resource: request.resource,
        mode: request.mode,
        params: request.params,
        phase: 'applied',
        appliedAt: new Date(appliedAt).toISOString(),
        leaseExpiresAt: '',
        detail: fault.detail,
      },
    };
    this.faults.set(request.faultId, record);
    this.forgetOldFaults();
    this.leases.grant(request.faultId, request.leaseSeconds);
    this.metrics.faultApplied(request.mode);
    this.log(`applied ${request.mode} ${request.faultId} on ${request.resource}`);
    return this.snapshot(record);
  }

  /** Keeps the records of finished faults bounded; the oldest finished ones go first. */
  private forgetOldFaults(): void {
    const finished = [...this.faults.values()].filter((r) => r.state.phase !== 'applied');
    for (const record of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_FAULTS))) {
      this.faults.delete(record.state.faultId);
    }
  }

  async renew(faultId: string, leaseSeconds: number): Promise<FaultState> {
    const record = this.faults.get(faultId);
    if (!record) throw new FaultNotFoundError(faultId);
    if (record.state.phase !== 'applied') {
      throw new FaultConflictError(
        `fault ${faultId} is ${record.state.phase}`,
        'faultId',
        'an applied fault',
      );
    }
    this.leases.grant(faultId, leaseSeconds);
    return this.snapshot(record);
  }

  async update(faultId: string, body: unknown): Promise<FaultState> {
    const record = this.faults.get(faultId);
    if (!record) throw new FaultNotFoundError(faultId);
    const patch = (body as { params?: unknown } | null)?.params;
    if (typeof patch !== 'object' || patch === null) {
      throw new InvalidRequestError(
        'params must be an object',
        'params',
        `parameters of ${record.state.mode}`,
      );
    }
    return this.serial(record.state.resource, async () => {
      if (record.state.phase !== 'applied' || !record.active) {
        throw new FaultConflictError(
          `fault ${faultId} is ${record.state.phase}`,
          'faultId',
          'an applied fault',
        );
      }
      if (!record.active.update) {
        throw new InvalidRequestError(
          `the strength of ${record.state.mode} cannot change while applied`,
          'mode',
          'network_latency | bandwidth | cpu_throttle | http_error | http_delay',
        );
      }
      const params = parseParams(record.state.mode, { ...record.state.params, ...patch });
      await record.active.update(params);
      record.state.params = params;
      return this.snapshot(record);
    });
  }

  async revert(faultId: string, reason: RevertReason = 'requested'): Promise<RevertResult> {
    const record = this.faults.get(faultId);
    if (!record) {
      // Reverting a fault this agent never saw is a verified no-op: there is nothing of it here.
      return { faultId, verified: true, wasActive: false };
    }
    return this.serial(record.state.resource, async () => {
      if (record.state.phase !== 'applied' || !record.active)
        return { faultId, verified: true, wasActive: false };
      const active = record.active;
      try {
        await active.revert();
      } catch (err) {
        this.metrics.verificationFailures.inc({ mode: record.state.mode });
        this.leases.grant(faultId, 5);
        throw new InjectionFailedError(`revert of ${faultId} failed: ${(err as Error).message}`);
      }
      const verified = !(await active.isPresent());
      if (!verified) {
        // Keep it applied, so a retry (or the lease, shortly) tries again.
        this.metrics.verificationFailures.inc({ mode: record.state.mode });
        this.leases.grant(faultId, 5);
        this.log(`revert of ${faultId} could not be verified; retrying in 5s`);
        return { faultId, verified: false, wasActive: true };
      }
      if (record.journaled) this.host.journal.recordRevert(faultId, record.state.mode, record.state.resource);
      this.leases.release(faultId);
      record.active = undefined;
      record.state.phase = reason === 'lease_expired' ? 'expired' : 'reverted';
      record.state.revertedAt = new Date().toISOString();
      this.metrics.faultReverted(record.state.mode, reason, true);
      this.log(`reverted ${record.state.mode} ${faultId} (${reason})`);
      return { faultId, verified: true, wasActive: true };
    });
  }

  async revertAll(reason: RevertReason): Promise<void> {
    for (const record of [...this.faults.values()]) {
      if (record.state.phase === 'applied') {
        await this.revert(record.state.faultId, reason).catch((err: unknown) =>
          this.log(`revert of ${record.state.faultId} failed: ${(err as Error).message}`),
        );
      }
    }
    this.leases.releaseAll();
  }

  failover(resource: string, body: unknown): { resource: string; upstream: string } {
    const proxy = this.proxies.get(resource);
    const withFailover = [...this.proxies.values()].filter((p) => p.config.failover).map((p) => p.resource);
    if (!proxy || !proxy.config.failover) {
      throw new InvalidRequestError(
        `resource ${resource} has no proxy with a failover upstream`,
        'resource',
        withFailover.join(' | ') || '(no resource declares proxy.failover)',
      );
    }
    const active = (body as { active?: unknown } | null)?.active;
    if (typeof active !== 'boolean')
      throw new InvalidRequestError('active must be a boolean', 'active', 'true | false');
    const upstream = proxy.setFailover(active);
    this.log(`${resource}: traffic now goes to ${upstream}`);
    return { resource, upstream };
  }

  private snapshot(record: FaultRecord): FaultState {
    const expires = this.leases.expiresAt(record.state.faultId);
    return {
      ...record.state,
      leaseExpiresAt:
        expires !== undefined
          ? new Date(expires).toISOString()
          : (record.state.revertedAt ?? record.state.appliedAt),
    };
  }

  private targetOf(resource: ResourceConfig): FaultTarget {
    const supervisor = this.supervisors.get(resource.name);
    return {
      resource,
      proxy: this.proxies.get(resource.name),
      supervisor,
      processPids: () => {
        const pids = resolvePids(resource, supervisor);
        for (const pid of pids) checkSafePid(pid, this.protectedPids);
        return pids;
      },
    };
  }
}

function resolvePids(resource: ResourceConfig, supervisor: Supervisor | undefined): number[] {
  const field = supervisor ? 'resource.process.command' : 'resource.process.pidFile';
  if (supervisor) {
    const pid = supervisor.pid;
    if (pid === undefined)
      throw new InjectionFailedError(
        `the supervised process of ${resource.name} is not running`,
        field,
        'a running process',
      );
    return [pid];
  }
  const pidFile = resource.process?.pidFile;
  if (!pidFile)
    throw new InvalidRequestError(
      `resource ${resource.name} identifies no process`,
      'resource.process',
      'pidFile or command',
    );
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch {
    throw new InjectionFailedError(
      `cannot read the pid file ${pidFile}`,
      field,
      'a readable file holding one pid',
    );
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
    throw new InjectionFailedError(
      `${pidFile} does not name a running process`,
      field,
      'the pid of a running process',
    );
  }
  return [pid];
}

export function checkSafePid(pid: number, protectedPids: ReadonlySet<number>): void {
  const forbidden = new Set([1, process.pid, process.ppid, ...protectedPids]);
  if (forbidden.has(pid)) {
    throw new UnsafeTargetError(
      `pid ${pid} may not be touched (PID 1, the agent, its parent or a protected process)`,
      'resource.process',
      `any pid except ${[...forbidden].join(', ')}`,
    );
  }
}

/** Undoes what the journal shows as still applied (the agent that applied it died). */
async function recoverFromJournal(
  journal: Journal,
  host: HostServices,
  log: (line: string) => void,
): Promise<{ id: string; kind: string; ok: boolean }[]> {
  const outcome: { id: string; kind: string; ok: boolean }[] = [];
  for (const record of journal.outstanding().reverse()) {
    let ok = true;
    try {
      if (record.kind === 'supervised_process') {
        stopOrphan(record.detail);
      } else {
        const type = faultType(record.kind as FailureMode);
        await type?.recover?.(record.detail, host);
      }
      journal.recordRevert(record.id, record.kind, record.resource);
      log(`journal recovery: undid ${record.kind} ${record.id}`);
    } catch (err) {
      ok = false;
      log(`journal recovery: could not undo ${record.kind} ${record.id}: ${(err as Error).message}`);
    }
    outcome.push({ id: record.id, kind: record.kind, ok });
  }
  journal.compact();
  return outcome;
}

/** A process a previous agent started and left behind: stop it, if it is still that process. */
function stopOrphan(detail: Record<string, unknown>): void {
  const pid = Number(detail.pid);
  const startTime = Number(detail.startTime);
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[19]) !== startTime) return;
  } catch {
    return;
  }
  process.kill(pid, 'SIGCONT');
  process.kill(pid, 'SIGKILL');
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.log ?? (() => {});
  const agentConfig = {
    url: 'http://127.0.0.1:7070',
    stateDir: '.foreshock/agent',
    maxFaultsPerResource: 1,
    cgroupVersion: 'auto' as const,
    ...options.config.agent,
  };
  // An agent for one host listens where the config tells the workers to find it.
  const hostUrl = options.host === undefined ? undefined : agentConfig.hosts?.[options.host];
  const listen = options.listen ?? new URL(hostUrl ?? agentConfig.url).host;
  const colon = listen.lastIndexOf(':');
  const listenHost = listen.slice(0, colon);
  const listenPort = Number(listen.slice(colon + 1));
  if (!options.token && !LOOPBACK.has(listenHost)) {
    throw new InvalidRequestError(
      `refusing to listen on ${listenHost} without a token`,
      'token',
      'a bearer token (set the agent token env var), or a loopback listen address',
    );
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  const stateDir = path.resolve(options.stateDir ?? agentConfig.stateDir);
  const journalFile = path.join(stateDir, 'journal.jsonl');
  const journal = Journal.open(journalFile);
  const layout = options.cgroupLayout ?? detectCgroupLayout(undefined, agentConfig.cgroupVersion);
  const cgroups = layout ? new Cgroups(layout, options.cgroupPrefix ?? 'agent') : undefined;
  const host: HostServices = { journal, cgroups, tools: options.tools ?? defaultTools() };
  const metrics = new AgentMetrics();

  const recovered = await recoverFromJournal(journal, host, log);

  const resources = new Map(
    options.config.resources
      .filter((r) => options.host === undefined || r.host === options.host)
      .map((r) => [r.name, r] as const),
  );
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
          await ResourceProxy.start(resource.name, resource.proxy, metrics.countersFor(resource.name)),
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
        });
        supervisors.set(resource.name, supervisor);
        await supervisor.start();
      }
    }
    core = new InjectionAgent(
      resources,
      proxies,
      supervisors,
      host,
      metrics,
      new Set(options.protectedPids ?? []),
      agentConfig.maxFaultsPerResource,
      log,
    );
    api = await startControlApi({ host: listenHost, port: listenPort, token, agent: core, metrics });
  } catch (err) {
    await stopAll();
    throw err;
  }
  log(`agent listening on ${api.url}`);
  return {
    url: api.url,
    token,
    metrics,
    journalFile,
    cgroups,
    proxies,
    supervisors,
    recovered,
    core,
    async stop() {
      await core.revertAll('shutdown');
      await stopAll();
    },
  };
}
