/**
 * The PostgreSQL store's schema as numbered plain-SQL migrations. `migrate` applies the missing
 * ones in order, each in its own transaction, under an advisory lock so that two workers (or a
 * worker and `foreshock db migrate`) starting together cannot both apply one. Append new
 * migrations; never edit an applied one.
 */
import type { Pool, PoolClient } from 'pg';
import { StoreSchemaError } from './types';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'history and models',
    sql: `
CREATE TABLE foreshock_outcomes (
  fault_id      text PRIMARY KEY,
  workflow_id   text NOT NULL,
  resource      text NOT NULL,
  resource_type text NOT NULL,
  mode          text NOT NULL,
  started_at    timestamptz NOT NULL,
  ended_at      timestamptz NOT NULL,
  breached      boolean NOT NULL,
  dry_run       boolean NOT NULL,
  body          jsonb NOT NULL
);
CREATE INDEX foreshock_outcomes_ended_at ON foreshock_outcomes (ended_at);

CREATE TABLE foreshock_incidents (
  id       bigserial PRIMARY KEY,
  resource text NOT NULL,
  mode     text,
  at       timestamptz NOT NULL,
  severity text
);
CREATE INDEX foreshock_incidents_at ON foreshock_incidents (at);

CREATE TABLE foreshock_predictions (
  id           bigserial PRIMARY KEY,
  generated_at timestamptz NOT NULL,
  body         jsonb NOT NULL
);
CREATE INDEX foreshock_predictions_generated_at ON foreshock_predictions (generated_at);

CREATE TABLE foreshock_models (
  resource_type text NOT NULL,
  signal        text NOT NULL,
  version       integer NOT NULL CHECK (version > 0),
  created_at    timestamptz NOT NULL,
  body          jsonb NOT NULL,
  PRIMARY KEY (resource_type, signal, version)
);

CREATE TABLE foreshock_model_promotions (
  resource_type text NOT NULL,
  signal        text NOT NULL,
  version       integer NOT NULL,
  promoted_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resource_type, signal),
  FOREIGN KEY (resource_type, signal, version) REFERENCES foreshock_models
);
`,
  },
  {
    version: 2,
    name: 'calibrations',
    sql: `
CREATE TABLE foreshock_calibrations (
  resource_type text NOT NULL,
  signal        text NOT NULL,
  version       integer NOT NULL CHECK (version > 0),
  saved_at      timestamptz NOT NULL DEFAULT now(),
  body          jsonb NOT NULL,
  PRIMARY KEY (resource_type, signal)
);
`,
  },
];

/** Any number; the value only has to be the same in every foreshock process. */
const MIGRATION_LOCK = 0x666f7265; // "fore"

async function appliedVersions(client: PoolClient | Pool): Promise<number[]> {
  const { rows } = await client.query<{ version: number }>(
    `SELECT version FROM foreshock_schema_version ORDER BY version`,
  );
  return rows.map((r) => r.version);
}

/** Applies every missing migration; returns the versions it applied. */
export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS foreshock_schema_version (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(await appliedVersions(client));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO foreshock_schema_version (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new StoreSchemaError(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

/** Throws StoreSchemaError unless every migration this code knows is applied. */
export async function assertMigrated(
  pool: Pool,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<void> {
  let versions: number[];
  try {
    versions = await appliedVersions(pool);
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') versions = [];
    else throw err;
  }
  const missing = migrations.filter((m) => !versions.includes(m.version)).map((m) => m.version);
  if (missing.length > 0) {
    throw new StoreSchemaError(
      `the foreshock database lacks migration(s) ${missing.join(', ')}: run 'foreshock db migrate --url <url>'`,
    );
  }
}
