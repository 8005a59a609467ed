/**
 * A private PostgreSQL cluster for the demo: initdb into the demo's directory, then
 * `postgres -D <dir> -p <port> -k <dir>` on loopback. PostgreSQL refuses to run as root, so
 * as root both run as the unprivileged user the install script created. Never the system's
 * cluster or service.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { PROJECT_ROOT } from '../tools';
import { waitForPort, waitUntil } from '../testing/ports';
import type { ManagedProcess, ProcessGroup } from './processes';

const run = promisify(execFile);

export const DEMO_DB_USER = 'foreshock';
export const DEMO_DB_NAME = 'postgres';

export interface Identity {
  uid: number;
  gid: number;
}

/** uid/gid of a local user, read from /etc/passwd. */
export function lookupUser(name: string, passwd = readFileSync('/etc/passwd', 'utf8')): Identity | undefined {
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length >= 4) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  return undefined;
}

function chownTree(dir: string, who: Identity): void {
  chownSync(dir, who.uid, who.gid);
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) chownTree(full, who);
    else chownSync(full, who.uid, who.gid);
  }
}

export interface PostgresOptions {
  pgBin: string;
  dir: string;
  /** Where the server's output goes (opened by us, so any folder will do). */
  logFile: string;
  port: number;
  /** Run as this user (required when we are root). */
  runAs?: Identity;
}

export async function startPostgres(group: ProcessGroup, options: PostgresOptions): Promise<ManagedProcess> {
  const dataDir = path.join(options.dir, 'pgdata');
  const socketDir = path.join(options.dir, 'pgsock');
  mkdirSync(options.dir, { recursive: true });
  mkdirSync(socketDir, { recursive: true });
  const ids = options.runAs ?? {};
  if (options.runAs) chownTree(options.dir, options.runAs);
  await run(
    path.join(options.pgBin, 'initdb'),
    ['-D', dataDir, '-U', DEMO_DB_USER, '--auth=trust', '--no-sync', '-E', 'UTF8', '--no-locale'],
    { ...ids, cwd: options.dir, timeout: 60_000 },
  );
  appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    '\n' + readFileSync(path.join(PROJECT_ROOT, 'config', 'demo', 'postgresql.conf'), 'utf8'),
  );
  const postgres = group.spawn(
    'postgres',
    path.join(options.pgBin, 'postgres'),
    ['-D', dataDir, '-p', String(options.port), '-k', socketDir, '-h', '127.0.0.1'],
    options.logFile,
    { ...ids, cwd: options.dir },
  );
  await waitForPort(options.port, 30_000);
  await waitUntil(
    'PostgreSQL accepting queries',
    async () => {
      const client = new Client({
        host: '127.0.0.1',
        port: options.port,
        user: DEMO_DB_USER,
        database: DEMO_DB_NAME,
      });
      try {
        await client.connect();
        await client.query(readFileSync(path.join(PROJECT_ROOT, 'config', 'demo', 'schema.sql'), 'utf8'));
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  return postgres;
}
