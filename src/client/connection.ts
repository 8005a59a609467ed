/**
 * One way to reach Temporal for the CLI, the worker and the demo: the configured server, or —
 * when no address is configured (after the TEMPORAL_* variables had their say) — an embedded
 * dev server that foreshock starts itself, file-backed so history survives restarts.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitForPort } from '../testing/ports';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { ForeshockConfig } from '../config/schema';
import { resolveTemporalSettings, type TemporalSettings } from '../config/temporal-env';
import { DevServer, type DevServerOptions } from '../worker/dev-server';

/** @default `.foreshock/temporal.db`, relative to the working directory */
export const DEFAULT_DEV_SERVER_DB = path.join('.foreshock', 'temporal.db');

export interface TemporalTarget {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Client connection (workflows, schedules). */
  connection: Connection;
  /** A worker connection to the same server; created on first call, closed by `close()`. */
  nativeConnection(): Promise<NativeConnection>;
  /** Set when foreshock started the server itself. */
  devServer?: DevServer;
  /** Closes the connections and stops the embedded dev server, if any. */
  close(): Promise<void>;
}

export interface ConnectTemporalOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where the "dev server at …" line goes. @default stderr */
  log?: (line: string) => void;
  /** Starts the embedded server; tests may pass their own. @default DevServer.start */
  startDevServer?: (options: DevServerOptions) => Promise<DevServer>;
  /**
   * Whether an embedded dev server may be started when no address is configured. Pipelines
   * pass false so a missing TEMPORAL_ADDRESS fails at once instead of running against an
   * empty server no worker polls. An embedded server another foreshock process already runs
   * on the same database is used either way. @default true
   */
  allowDevServer?: boolean;
}

/** No Temporal address is configured and starting an embedded dev server was not allowed. */
export class NoTemporalAddressError extends Error {
  override name = 'NoTemporalAddressError';
}

function connectionOptions(settings: TemporalSettings, address: string) {
  return {
    address,
    tls: settings.tls,
    apiKey: settings.apiKey,
    metadata: settings.metadata,
  };
}

/** Connects to the configured Temporal, or starts the embedded dev server when there is none. */
export async function connectTemporal(
  config: Pick<ForeshockConfig, 'temporal'>,
  opts: ConnectTemporalOptions = {},
): Promise<TemporalTarget> {
  const settings = resolveTemporalSettings(config.temporal, opts.env ?? process.env);
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let devServer: DevServer | undefined;
  let address = settings.address;
  const dev = settings.devServer;
  const dbFile = dev?.dbFile ?? DEFAULT_DEV_SERVER_DB;
  if (address === undefined && !opts.startDevServer) {
    // Another foreshock process (dev-server, worker, demo) already runs the embedded server on
    // this database: share it instead of starting a second server on the same SQLite file.
    const running = await runningEmbeddedServer(dbFile);
    if (running) {
      address = running.address;
      log(`Temporal dev server at ${address} (embedded, started by pid ${running.pid})`);
    }
  }
  if (address === undefined && opts.allowDevServer === false) {
    throw new NoTemporalAddressError(
      'no Temporal address: set temporal.address in the config or TEMPORAL_ADDRESS, or pass --dev to start an embedded dev server',
    );
  }
  if (address === undefined) {
    devServer = await (opts.startDevServer ?? ((o: DevServerOptions) => DevServer.start(o)))({
      dbFile,
      port: dev?.port,
      uiPort: dev?.uiPort,
      ui: dev?.ui ?? false,
      namespace: settings.namespace,
    });
    address = devServer.address;
    if (!opts.startDevServer) recordEmbeddedServer(dbFile, devServer);
    log(`Temporal dev server at ${address}${devServer.uiUrl ? ` (Web UI ${devServer.uiUrl})` : ''}`);
  }
  let connection: Connection;
  try {
    connection = await Connection.connect(connectionOptions(settings, address));
  } catch (err) {
    await devServer?.stop();
    throw err;
  }
  let native: Promise<NativeConnection> | undefined;
  const target: TemporalTarget = {
    address,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    connection,
    devServer,
    nativeConnection() {
      native ??= NativeConnection.connect(connectionOptions(settings, target.address));
      return native;
    },
    async close() {
      const pending = native;
      native = undefined;
      const results = await Promise.allSettled([
        connection.close(),
        pending?.then((c) => c.close()) ?? Promise.resolve(),
      ]);
      if (devServer) {
        await devServer.stop();
        if (!opts.startDevServer) rmSync(embeddedServerFile(dbFile), { force: true });
      }
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
  return target;
}

interface EmbeddedServerRecord {
  pid: number;
  address: string;
  uiUrl?: string;
}

export function embeddedServerFile(dbFile: string): string {
  return `${dbFile}.server.json`;
}

export function recordEmbeddedServer(dbFile: string, server: DevServer): void {
  const record: EmbeddedServerRecord = { pid: process.pid, address: server.address, uiUrl: server.uiUrl };
  writeFileSync(embeddedServerFile(dbFile), JSON.stringify(record) + '\n');
}

/** The embedded server another live foreshock process started on this database, if any. */
async function runningEmbeddedServer(dbFile: string): Promise<EmbeddedServerRecord | undefined> {
  let record: EmbeddedServerRecord;
  try {
    record = JSON.parse(readFileSync(embeddedServerFile(dbFile), 'utf8')) as EmbeddedServerRecord;
    process.kill(record.pid, 0);
  } catch {
    return undefined;
  }
  const port = Number(record.address.slice(record.address.lastIndexOf(':') + 1));
  try {
    await waitForPort(port, 1000);
    return record;
  } catch {
    return undefined;
  }
}
