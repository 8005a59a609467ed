/**
 * A private PostgreSQL cluster for tests and benches: initdb into a fresh temporary folder and
 * `postgres` on a free loopback port, trust authentication, no fsync. As root both run as
 * `nobody` (PostgreSQL refuses root). Never the system's cluster or service; `stop()` ends the
 * server by its pid and removes the folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { lookupUser, type Identity } from '../demo/postgres';
import { ProcessGroup } from '../demo/processes';
import { freePort, waitUntil } from './ports';

const run = promisify(execFile);

export const TEST_DB_USER = 'foreshock';

/** Where initdb and postgres are: $FORESHOCK_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function findPgBin(): string {
  const fromEnv = process.env.FORESHOCK_PG_BIN;
  if (fromEnv) return fromEnv;
  for (const v of ['17', '16', '15', '14', '13']) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(path.join(dir, 'initdb'))) return dir;
  }
  throw new Error('PostgreSQL not found: install it (apt-get install postgresql) or set FORESHOCK_PG_BIN');
}

export interface PrivatePostgresOptions {
  /** @default findPgBin() */
  pgBin?: string;
  /** @default 100 */
  maxConnections?: number;
}

export interface PrivatePostgres {
  port: number;
  dir: string;
  pid: number;
  /** postgres://foreshock@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  createDatabase(name: string): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its folder. */
  stop(): Promise<void>;
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const pgBin = options.pgBin ?? findPgBin();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-pg-'));
  const dataDir = path.join(dir, 'data');
  const runAs: Identity | undefined = process.getuid?.() === 0 ? lookupUser('nobody') : undefined;
  const ids = runAs ?? {};
  const group = new ProcessGroup();
  const cleanup = async () => {
    await group.stopAll(10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (runAs) await run('chown', [`${runAs.uid}:${runAs.gid}`, dir]);
    await run(
      path.join(pgBin, 'initdb'),
      ['-D', dataDir, '-U', TEST_DB_USER, '--auth=trust', '--no-sync', '-E', 'UTF8', '--no-locale'],
      { ...ids, cwd: dir, timeout: 60_000 },
    );
    const port = await freePort();
    appendFileSync(
      path.join(dataDir, 'postgresql.conf'),
      [
        `listen_addresses = '127.0.0.1'`,
        `port = ${port}`,
        `unix_socket_directories = '${dir}'`,
        `max_connections = ${options.maxConnections ?? 100}`,
        'shared_buffers = 32MB',
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'log_min_messages = warning',
      ].join('\n') + '\n',
    );
    const logFile = path.join(dir, 'postgres.log');
    writeFileSync(logFile, '');
    const server = group.spawn('postgres', path.join(pgBin, 'postgres'), ['-D', dataDir], logFile, {
      ...ids,
      cwd: dir,
    });
    const url = (database = 'postgres') => `postgres://${TEST_DB_USER}@127.0.0.1:${port}/${database}`;
    const query = async (sql: string) => {
      const client = new Client({ connectionString: url() });
      try {
        await client.connect();
        await client.query(sql);
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    await waitUntil('PostgreSQL accepting queries', async () => (await query('SELECT 1'), true), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    return {
      port,
      dir,
      pid: server.pid,
      url,
      createDatabase: (name) => query(`CREATE DATABASE "${name.replace(/"/g, '')}"`),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
