/**
 * The demo's real target stack, every part a real process on a free loopback port:
 *
 *   load generator ──▶ [web proxy] ──▶ nginx ──▶ [api proxy] ──▶ API service ──▶ [db proxy] ──▶ PostgreSQL
 *                        (agent)                   (agent)      (node, prom-client)   (agent)
 *   exporters: nginx (stub_status), postgres, node      Prometheus scrapes all of them
 *
 * The bracketed proxies belong to the foreshock agent; the stack only needs to know where
 * they listen (`wiring`). Without an agent, nginx talks to the API and the API to PostgreSQL
 * directly. `stop()` stops every process the stack started and checks that none is left.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { PROJECT_ROOT, toolPaths } from '../tools';
import { PrometheusServer, type ScrapeTarget } from '../testing/prometheus';
import { freePort, waitForPort } from '../testing/ports';
import { LoadGenerator, type LoadOptions } from './load';
import { startNginx } from './nginx';
import { lookupUser, startPostgres, DEMO_DB_NAME, DEMO_DB_USER } from './postgres';
import { pidAlive, ProcessGroup } from './processes';
import { demoToolPaths, type DemoToolPaths } from './tools';
import type { ComponentLogger } from './log';
import { backfillHistory, promtoolPath, type BackfillResult } from './history';

export interface DemoPorts {
  nginx: number;
  api: number;
  postgres: number;
  webProxy: number;
  apiProxy: number;
  dbProxy: number;
  nodeExporter: number;
  postgresExporter: number;
  nginxExporter: number;
  prometheus: number;
}

export async function allocateDemoPorts(): Promise<DemoPorts> {
  const names: (keyof DemoPorts)[] = [
    'nginx',
    'api',
    'postgres',
    'webProxy',
    'apiProxy',
    'dbProxy',
    'nodeExporter',
    'postgresExporter',
    'nginxExporter',
    'prometheus',
  ];
  const ports = {} as DemoPorts;
  const taken = new Set<number>();
  for (const name of names) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

export interface DemoWiring {
  /** Where nginx sends API traffic. @default the API itself */
  nginxUpstream?: string;
  /** Where the API finds PostgreSQL. @default PostgreSQL itself */
  apiDatabase?: string;
  /** Where the load generator sends traffic. @default nginx */
  frontDoor?: string;
}

export interface DemoStackOptions {
  ports?: DemoPorts;
  wiring?: DemoWiring;
  /** Start the API service here. false when the agent supervises it. @default true */
  startApi?: boolean;
  /** More scrape jobs (agent, worker). */
  extraTargets?: ScrapeTarget[];
  /**
   * Runs once PostgreSQL is up and before the API and nginx start: the demo starts the agent
   * here, whose proxies and API supervisor need the database and must be up before nginx.
   */
  afterDatabase?: () => Promise<void>;
  /** @default 2s */
  scrapeInterval?: string;
  load?: Omit<LoadOptions, 'target'> | false;
  /** @default a fresh temporary directory, removed on stop */
  workDir?: string;
  log?: ComponentLogger;
  tools?: DemoToolPaths;
  /**
   * Recorded telemetry to backfill into Prometheus before it starts, ending at `endMs`
   * (@default a scrape interval before Prometheus starts; see ./history.ts). @default none
   */
  history?: { file: string; endMs?: number };
  /** Rows to put in the orders table before the API starts (where a recording left it). @default 0 */
  ordersRows?: number;
  /**
   * PostgreSQL's log and the API's access log (nginx's) as metrics: mtail runs
   * config/demo/mtail's programs over them, scraped as job `logs` (needs mtail, see
   * scripts/install-demo-tools.sh). @default false
   */
  logMetrics?: boolean;
}

/** The command that runs the API service (the agent's process.command uses the same). */
export function apiServiceCommand(port: number, database: string): string[] {
  const compiled = !__filename.endsWith('.ts');
  return [
    process.execPath,
    ...(compiled
      ? [path.join(__dirname, 'api-service.js')]
      : ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'demo', 'api-service.ts')]),
    '--port',
    String(port),
    '--db',
    database,
  ];
}

/** Pids whose parent is one of `roots`, recursively (nginx workers, PostgreSQL backends). */
export function descendantsOf(roots: number[]): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone while we looked
    }
  }
  const found = new Set<number>();
  let frontier = new Set(roots);
  while (frontier.size > 0) {
    const next = new Set<number>();
    for (const [pid, ppid] of parentOf) {
      if (frontier.has(ppid) && !found.has(pid)) {
        found.add(pid);
        next.add(pid);
      }
    }
    frontier = next;
  }
  return [...found];
}

export class DemoStack {
  readonly processes = new ProcessGroup();
  prometheus?: PrometheusServer;
  load?: LoadGenerator;
  /** What the history backfill wrote, when there was one. */
  backfilled?: BackfillResult;
  private descendantsSeen = new Set<number>();
  /** PostgreSQL's data outside the run folder when it runs as the demo user (see launch). */
  private postgresScratch?: string;
  private ownsWorkDir: boolean;

  private constructor(
    readonly ports: DemoPorts,
    readonly workDir: string,
    private readonly options: DemoStackOptions,
    ownsWorkDir: boolean,
  ) {
    this.ownsWorkDir = ownsWorkDir;
  }

  /** Starts everything; on a failure half-way, stops what did start before rethrowing. */
  static async start(options: DemoStackOptions = {}): Promise<DemoStack> {
    const ports = options.ports ?? (await allocateDemoPorts());
    const ownsWorkDir = options.workDir === undefined;
    const workDir = options.workDir ?? mkdtempSync(path.join(os.tmpdir(), 'foreshock-demo-'));
    mkdirSync(workDir, { recursive: true });
    // PostgreSQL's unprivileged user must be able to reach its directory inside
    chmodSync(workDir, 0o755);
    const stack = new DemoStack(ports, workDir, options, ownsWorkDir);
    try {
      await stack.launch();
    } catch (err) {
      await stack.stop().catch(() => undefined);
      throw err;
    }
    return stack;
  }

  get urls() {
    return {
      nginx: `http://127.0.0.1:${this.ports.nginx}`,
      api: `http://127.0.0.1:${this.ports.api}`,
      prometheus: this.prometheus?.url,
      postgres: `postgresql://${DEMO_DB_USER}@127.0.0.1:${this.ports.postgres}/${DEMO_DB_NAME}`,
    };
  }

  private async launch(): Promise<void> {
    const tools = this.options.tools ?? demoToolPaths();
    const log = this.options.log;
    const p = this.ports;
    const w = this.options.wiring ?? {};
    const asRoot = process.getuid?.() === 0;
    const runAs = asRoot ? lookupUser(tools.demoUser ?? 'foreshock-demo') : undefined;
    if (asRoot && !runAs)
      throw new Error(
        'PostgreSQL cannot run as root and user foreshock-demo is missing: run scripts/install-demo-tools.sh',
      );

    // As root, PostgreSQL runs as the demo user, who may not be able to enter the run folder
    // (a checkout under a 0700 directory): its data and socket then live in a fresh folder
    // under the system temp dir instead.
    this.postgresScratch = runAs ? mkdtempSync(path.join(os.tmpdir(), 'foreshock-demo-pg-')) : undefined;
    await startPostgres(this.processes, {
      pgBin: tools.pgBin,
      dir: this.postgresScratch ?? path.join(this.workDir, 'postgres'),
      logFile: path.join(this.workDir, 'postgres.log'),
      port: p.postgres,
      runAs,
    });
    log?.info('postgres ready', { port: p.postgres });
    if (this.options.ordersRows) await this.prefillOrders(this.options.ordersRows);
    await this.options.afterDatabase?.();

    if (this.options.startApi ?? true) {
      const [cmd, ...args] = apiServiceCommand(p.api, w.apiDatabase ?? `127.0.0.1:${p.postgres}`);
      this.processes.spawn('api', cmd!, args, path.join(this.workDir, 'api.log'), { cwd: PROJECT_ROOT });
      await waitForPort(p.api, 30_000);
      log?.info('api ready', { port: p.api });
    }

    await startNginx(this.processes, tools.nginx, {
      prefix: path.join(this.workDir, 'nginx'),
      port: p.nginx,
      apiUpstream: w.nginxUpstream ?? `127.0.0.1:${p.api}`,
      user: asRoot ? (tools.demoUser ?? 'foreshock-demo') : undefined,
    });
    log?.info('nginx ready', { port: p.nginx });

    const targets: ScrapeTarget[] = [{ job: 'api', targets: [`127.0.0.1:${p.api}`] }];
    if (tools.nginxExporter) {
      this.processes.spawn(
        'nginx-exporter',
        tools.nginxExporter,
        [
          `-nginx.scrape-uri=http://127.0.0.1:${p.nginx}/stub_status`,
          `-web.listen-address=127.0.0.1:${p.nginxExporter}`,
        ],
        path.join(this.workDir, 'nginx-exporter.log'),
      );
      targets.push({ job: 'web', targets: [`127.0.0.1:${p.nginxExporter}`] });
    }
    if (tools.postgresExporter) {
      this.processes.spawn(
        'postgres-exporter',
        tools.postgresExporter,
        [`--web.listen-address=127.0.0.1:${p.postgresExporter}`, '--disable-settings-metrics'],
        path.join(this.workDir, 'postgres-exporter.log'),
        {
          env: {
            ...process.env,
            DATA_SOURCE_NAME: `postgresql://${DEMO_DB_USER}@127.0.0.1:${p.postgres}/${DEMO_DB_NAME}?sslmode=disable`,
          },
        },
      );
      targets.push({ job: 'orders-db', targets: [`127.0.0.1:${p.postgresExporter}`] });
    }
    if (tools.nodeExporter) {
      this.processes.spawn(
        'node-exporter',
        tools.nodeExporter,
        [
          `--web.listen-address=127.0.0.1:${p.nodeExporter}`,
          '--collector.disable-defaults',
          '--collector.cpu',
          '--collector.meminfo',
          '--collector.loadavg',
          '--collector.pressure',
        ],
        path.join(this.workDir, 'node-exporter.log'),
      );
      targets.push({ job: 'node', targets: [`127.0.0.1:${p.nodeExporter}`] });
    }
    if (this.options.logMetrics && tools.mtail) {
      const port = await freePort();
      this.processes.spawn(
        'mtail',
        tools.mtail,
        [
          '-progs',
          path.join(PROJECT_ROOT, 'config', 'demo', 'mtail'),
          '-logs',
          path.join(this.workDir, 'postgres.log'),
          '-logs',
          path.join(this.workDir, 'nginx', 'access.log'),
          '-address',
          '127.0.0.1',
          '-port',
          String(port),
          '-logtostderr',
        ],
        path.join(this.workDir, 'mtail.log'),
      );
      await waitForPort(port, 15_000);
      targets.push({ job: 'logs', targets: [`127.0.0.1:${port}`] });
    }
    for (const name of ['nginx-exporter', 'postgres-exporter', 'node-exporter'] as const) {
      const port = {
        'nginx-exporter': p.nginxExporter,
        'postgres-exporter': p.postgresExporter,
        'node-exporter': p.nodeExporter,
      }[name];
      if (this.processes.running(name)) await waitForPort(port, 15_000);
    }

    if (this.options.load !== false) {
      this.load = new LoadGenerator({
        target: w.frontDoor ?? `http://127.0.0.1:${p.nginx}`,
        ...(this.options.load ?? {}),
      });
      targets.push({ job: 'loadgen', targets: [await this.load.start()] });
    }

    mkdirSync(path.join(this.workDir, 'prometheus'), { recursive: true });
    const allTargets = [...targets, ...(this.options.extraTargets ?? [])];
    if (this.options.history) {
      this.backfilled = await backfillHistory({
        historyFile: this.options.history.file,
        tsdbDir: path.join(this.workDir, 'prometheus', 'data'),
        endMs: this.options.history.endMs ?? Date.now() - 2000,
        instances: Object.fromEntries(allTargets.map((t) => [t.job, t.targets[0] ?? ''])),
        promtool: promtoolPath(toolPaths().prometheus),
      });
      log?.info('history backfilled', { ...this.backfilled });
    }
    this.prometheus = await PrometheusServer.start({
      port: p.prometheus,
      dataDir: path.join(this.workDir, 'prometheus'),
      scrapeInterval: this.options.scrapeInterval ?? '2s',
      rules: readFileSync(path.join(PROJECT_ROOT, 'config', 'demo', 'rules.yml'), 'utf8'),
      targets: allTargets,
    });
    log?.info('prometheus ready', { url: this.prometheus.url, jobs: targets.map((t) => t.job) });
    this.noteDescendants();
  }

  /** The orders table as a recording left it: `rows` orders, spread over the same customers as the load's imports. */
  private async prefillOrders(rows: number): Promise<void> {
    const client = new Client({
      host: '127.0.0.1',
      port: this.ports.postgres,
      user: DEMO_DB_USER,
      database: DEMO_DB_NAME,
    });
    await client.connect();
    try {
      await client.query(
        'INSERT INTO orders (customer_id, amount) SELECT (random() * 1000)::int, round((random() * 100)::numeric, 2) FROM generate_series(1, $1)',
        [rows],
      );
      await client.query('ANALYZE orders');
    } finally {
      await client.end().catch(() => undefined);
    }
    this.options.log?.info('orders table prefilled', { rows });
  }

  /** Remembers the children of our processes (nginx workers, PostgreSQL backends) to check on stop. */
  noteDescendants(): void {
    for (const pid of descendantsOf(this.processes.pids)) this.descendantsSeen.add(pid);
  }

  /** Stops the load, Prometheus and every process; resolves to the pids still alive (should be none). */
  async stop(): Promise<number[]> {
    await this.load?.stop();
    this.noteDescendants();
    await this.prometheus?.stop();
    await this.processes.stopAll();
    const left = [...this.processes.leftovers(), ...[...this.descendantsSeen].filter(pidAlive)];
    if (left.length === 0) {
      if (this.postgresScratch) rmSync(this.postgresScratch, { recursive: true, force: true });
      if (this.ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
      // the databases are scratch (~45 MB a run); the logs beside them stay for a look afterwards
      else
        for (const data of [path.join('postgres', 'pgdata'), path.join('prometheus', 'data')])
          rmSync(path.join(this.workDir, data), { recursive: true, force: true });
    }
    return left;
  }
}
