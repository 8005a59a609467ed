/**
 * The embedded Temporal dev server: `temporal server start-dev` from the CLI that
 * scripts/install-tools.sh installed, on loopback, with foreshock's search attributes
 * registered. File-backed (SQLite) so it can be stopped and started again with its history.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { toolPaths } from '../tools';
import { freePort, waitForPort } from '../testing/ports';

/** Custom search attributes that let the Web UI list and filter injections. */
export const FORESHOCK_SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Double' | 'Text'> = {
  ForeshockResource: 'Keyword',
  ForeshockMode: 'Keyword',
  ForeshockSeverity: 'Keyword',
  ForeshockOutcome: 'Keyword',
};

export interface DevServerOptions {
  /** SQLite file; omitted → in-memory (lost on stop). */
  dbFile?: string;
  /** @default a free port */
  port?: number;
  /** Web UI port; the UI is off unless `ui` is true. */
  uiPort?: number;
  /** @default false */
  ui?: boolean;
  namespace?: string;
  /** Where the server's output goes. @default discarded */
  logFile?: string;
  temporalPath?: string;
}

export class DevServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  readonly port: number;
  readonly uiPort?: number;
  readonly address: string;

  private constructor(
    private readonly options: DevServerOptions,
    port: number,
    uiPort: number | undefined,
  ) {
    this.port = port;
    this.uiPort = uiPort;
    this.address = `127.0.0.1:${port}`;
  }

  static async start(options: DevServerOptions = {}): Promise<DevServer> {
    const port = options.port ?? (await freePort());
    const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : undefined;
    const server = new DevServer(options, port, uiPort);
    await server.start();
    return server;
  }

  get uiUrl(): string | undefined {
    return this.uiPort ? `http://127.0.0.1:${this.uiPort}` : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The server process's pid while it runs (crash benches SIGKILL it). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Starts (again) on the same port and database file. */
  async start(): Promise<void> {
    if (this.running) return;
    const temporal = this.options.temporalPath ?? toolPaths().temporal;
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--log-level',
      'error',
    ];
    args.push('--namespace', this.options.namespace ?? 'default');
    if (this.options.dbFile) {
      mkdirSync(path.dirname(this.options.dbFile), { recursive: true });
      args.push('--db-filename', this.options.dbFile);
    }
    if (this.uiPort) args.push('--ui-port', String(this.uiPort));
    else args.push('--headless');
    for (const [name, type] of Object.entries(FORESHOCK_SEARCH_ATTRIBUTES)) {
      args.push('--search-attribute', `${name}=${type}`);
    }
    const out = this.options.logFile ? openSync(this.options.logFile, 'a') : 'ignore';
    const child = spawn(temporal, args, { stdio: ['ignore', out, out] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const failedEarly = this.exited.then(() => {
      throw new Error(
        `temporal server start-dev exited early (code ${child.exitCode}); args: ${args.join(' ')}`,
      );
    });
    await Promise.race([waitForPort(this.port, 60_000), failedEarly]);
    if (this.uiPort) await Promise.race([waitForPort(this.uiPort, 30_000), failedEarly]);
    failedEarly.catch(() => undefined);
  }

  /** Stops the server process this object started (SIGTERM, then SIGKILL after 10 s). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
