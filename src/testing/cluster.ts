/**
 * A real multi-node Temporal cluster for tests: the official server (built by
 * scripts/install-temporal-server.sh) on a private PostgreSQL cluster, with the temporal and
 * (advanced, SQL) visibility schemas set up by the server's own SQL tool. Every node runs all
 * services on its own ports; the nodes find each other through the `cluster_membership` table.
 * A node can be SIGKILLed and started again. `stop()` ends every process it started, by pid,
 * and removes its folder.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { grpc, temporal } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { PROJECT_ROOT } from '../tools';
import { FORESHOCK_SEARCH_ATTRIBUTES } from '../worker/dev-server';
import { waitUntil } from './ports';
import { startPrivatePostgres, TEST_DB_USER, type PrivatePostgres } from './postgres';

const run = promisify(execFile);

export interface TemporalServerTools {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 of the server module */
  schemaDir: string;
}

/** Builds (first time) or finds the server and its SQL tool via scripts/install-temporal-server.sh. */
export async function installTemporalServer(): Promise<TemporalServerTools> {
  const script = path.join(PROJECT_ROOT, 'scripts', 'install-temporal-server.sh');
  const { stdout } = await run('bash', [script], { timeout: 1_800_000, maxBuffer: 16 << 20 });
  const moduleDir = stdout.trim().split('\n').pop() ?? '';
  const bin = path.join(PROJECT_ROOT, '.tools', 'temporal-server', 'bin');
  return {
    server: path.join(bin, 'temporal-server'),
    sqlTool: path.join(bin, 'temporal-sql-tool'),
    schemaDir: path.join(moduleDir, 'schema', 'postgresql', 'v12'),
  };
}

interface NodePorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export interface ClusterNode {
  index: number;
  /** host:port of this node's frontend */
  address: string;
  ports: NodePorts;
  dir: string;
  logFile: string;
  process?: ChildProcess;
}

export interface TemporalClusterOptions {
  /** @default 2 */
  nodes?: number;
  /** @default 'default' */
  namespace?: string;
  /** @default installTemporalServer() */
  tools?: TemporalServerTools;
}

/**
 * A free loopback port below 32768: Temporal stores membership ports in a smallint column, so
 * the kernel's ephemeral range (freePort) will not do.
 */
async function lowFreePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

function datastore(database: string, port: number, maxConns: number): string {
  return `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "127.0.0.1:${port}"
        connectProtocol: "tcp"
        user: "${TEST_DB_USER}"
        password: ""
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
}

function rpc(grpcPort: number, membershipPort: number, extra = ''): string {
  return `    rpc:
      grpcPort: ${grpcPort}
      membershipPort: ${membershipPort}
      bindOnIP: "127.0.0.1"${extra}`;
}

function nodeConfig(pgPort: number, ports: NodePorts, firstFrontend: string): string {
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
${datastore('temporal', pgPort, 10)}
    visibility:
${datastore('temporal_visibility', pgPort, 3)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
services:
  frontend:
${rpc(ports.frontend, ports.frontendMembership, `\n      httpPort: ${ports.frontendHttp}`)}
  history:
${rpc(ports.history, ports.historyMembership)}
  matching:
${rpc(ports.matching, ports.matchingMembership)}
  worker:
${rpc(ports.worker, ports.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "${firstFrontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "config/dynamic.yaml"
  pollInterval: "10s"
`;
}

const DYNAMIC_CONFIG = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
system.namespaceCacheRefreshInterval:
  - value: 1s
frontend.enableUpdateWorkflowExecution:
  - value: true
`;

export class TemporalCluster {
  private constructor(
    readonly nodes: ClusterNode[],
    readonly namespace: string,
    private readonly tools: TemporalServerTools,
    private readonly pg: PrivatePostgres,
    readonly dir: string,
  ) {}

  /** The cluster's PostgreSQL (tests may add their own databases to it). */
  get postgres(): PrivatePostgres {
    return this.pg;
  }

  /** Frontend addresses of every node (alive or not). */
  get addresses(): string[] {
    return this.nodes.map((n) => n.address);
  }

  static async start(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
    const tools = options.tools ?? (await installTemporalServer());
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-cluster-'));
    let pg: PrivatePostgres | undefined;
    let cluster: TemporalCluster | undefined;
    try {
      pg = await startPrivatePostgres({ maxConnections: 300 });
      await setUpSchemas(tools, pg.port);
      const nodes: ClusterNode[] = [];
      const taken = new Set<number>();
      for (let index = 0; index < (options.nodes ?? 2); index++) {
        const ports: NodePorts = {
          frontend: await lowFreePort(taken),
          frontendHttp: await lowFreePort(taken),
          frontendMembership: await lowFreePort(taken),
          history: await lowFreePort(taken),
          historyMembership: await lowFreePort(taken),
          matching: await lowFreePort(taken),
          matchingMembership: await lowFreePort(taken),
          worker: await lowFreePort(taken),
          workerMembership: await lowFreePort(taken),
        };
        const nodeDir = path.join(dir, `node${index}`);
        mkdirSync(path.join(nodeDir, 'config'), { recursive: true });
        nodes.push({
          index,
          address: `127.0.0.1:${ports.frontend}`,
          ports,
          dir: nodeDir,
          logFile: path.join(nodeDir, 'server.log'),
        });
      }
      for (const node of nodes) {
        writeFileSync(
          path.join(node.dir, 'config', 'development.yaml'),
          nodeConfig(pg.port, node.ports, nodes[0]!.address),
        );
        writeFileSync(path.join(node.dir, 'config', 'dynamic.yaml'), DYNAMIC_CONFIG);
      }
      cluster = new TemporalCluster(nodes, options.namespace ?? 'default', tools, pg, dir);
      // one after the other: nodes starting together race to write the cluster metadata row
      for (const node of nodes) {
        cluster.spawnNode(node);
        await cluster.waitServing(node.index);
      }
      await cluster.createNamespace();
      return cluster;
    } catch (err) {
      if (cluster) await cluster.stop();
      else {
        await pg?.stop();
        rmSync(dir, { recursive: true, force: true });
      }
      throw err;
    }
  }

  private spawnNode(node: ClusterNode): void {
    const out = openSync(node.logFile, 'a');
    const child = spawn(
      this.tools.server,
      ['--root', node.dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
      { cwd: node.dir, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    child.once('error', () => undefined);
    node.process = child;
  }

  alive(index: number): boolean {
    const p = this.nodes[index]?.process;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** Pids of node processes still running. */
  pids(): number[] {
    return this.nodes.flatMap((n) => (this.alive(n.index) && n.process?.pid ? [n.process.pid] : []));
  }

  /** Resolves once the node's frontend answers its gRPC health check with SERVING. */
  async waitServing(index: number, timeoutMs = 90_000): Promise<void> {
    const node = this.nodes[index]!;
    await waitUntil(
      `Temporal node ${index} (${node.address}) SERVING`,
      async () => {
        if (!this.alive(index)) throw new Error(`node ${index} exited: ${logTail(node.logFile)}`);
        const connection = await Connection.connect({ address: node.address, connectTimeout: 2000 });
        try {
          const { status } = await connection.healthService.check({
            service: 'temporal.api.workflowservice.v1.WorkflowService',
          });
          return status === grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
        } finally {
          await connection.close();
        }
      },
      { timeoutMs, intervalMs: 500 },
    );
  }

  /** SIGKILLs the node and waits for it to be gone. */
  async kill(index: number): Promise<void> {
    const child = this.nodes[index]?.process;
    if (!child || !this.alive(index)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(index: number): Promise<void> {
    await this.kill(index);
    this.spawnNode(this.nodes[index]!);
    await this.waitServing(index);
  }

  /** Registers the namespace with the Foreshock* search attributes; waits until every live node knows it. */
  private async createNamespace(): Promise<void> {
    const connection = await Connection.connect({ address: this.nodes[0]!.address });
    try {
      await connection.workflowService.registerNamespace({
        namespace: this.namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
      const types = {
        Keyword: KEYWORD,
        Double: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
        Text: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
      };
      await waitUntil(
        'search attributes registered',
        async () => {
          await connection.operatorService.addSearchAttributes({
            namespace: this.namespace,
            searchAttributes: Object.fromEntries(
              Object.entries(FORESHOCK_SEARCH_ATTRIBUTES).map(([name, type]) => [name, types[type]]),
            ),
          });
          return true;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
    } finally {
      await connection.close();
    }
    for (const node of this.nodes) {
      await waitUntil(`namespace ${this.namespace} on node ${node.index}`, async () => {
        const c = await Connection.connect({ address: node.address });
        try {
          await c.workflowService.describeNamespace({ namespace: this.namespace });
          return true;
        } finally {
          await c.close();
        }
      });
    }
  }

  /** Kills every node, stops PostgreSQL, removes the folder. */
  async stop(): Promise<void> {
    for (const node of this.nodes) await this.kill(node.index);
    await this.pg.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function logTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function setUpSchemas(tools: TemporalServerTools, pgPort: number): Promise<void> {
  const base = [
    '--plugin',
    'postgres12',
    '--endpoint',
    '127.0.0.1',
    '--port',
    String(pgPort),
    '--user',
    TEST_DB_USER,
  ];
  for (const [database, schema] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    const versioned = path.join(tools.schemaDir, schema, 'versioned');
    if (!existsSync(versioned)) throw new Error(`Temporal schema not found at ${versioned}`);
    const db = [...base, '--database', database];
    await run(tools.sqlTool, [...db, 'create-database'], { timeout: 60_000 });
    await run(tools.sqlTool, [...db, 'setup-schema', '-v', '0.0'], { timeout: 60_000 });
    await run(tools.sqlTool, [...db, 'update-schema', '-d', versioned], { timeout: 120_000 });
  }
}
