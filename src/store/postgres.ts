/**
 * The PostgreSQL store, shared by every worker: outcomes are unique by fault id (the database
 * refuses the second one, so two workers recording the same outcome write one row), model
 * versions are numbered under a per-series advisory lock, and the promotion pointer is one row.
 * A series' calibration is one row too, replaced (its version counted up) by each training.
 */
import { Pool, type PoolConfig } from 'pg';
import { assertMigrated, migrate } from './migrations';
import type {
  CalibrationRecord,
  HistoryStore,
  InjectionOutcome,
  ModelKey,
  ModelRecord,
  ModelStore,
  PredictionResult,
  Stores,
} from './types';
import { StoreError } from './types';

export interface PostgresStoreOptions {
  /** postgres://user@host:port/db; a password may come from PGPASSWORD. */
  url: string;
  /** Apply missing migrations when opening instead of refusing to start. @default false */
  migrate?: boolean;
  /** @default 5 */
  maxConnections?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createPostgresHistoryStore(pool: Pool): HistoryStore {
  return {
    async appendOutcome(o) {
      const { rowCount } = await pool.query(
        `INSERT INTO foreshock_outcomes
           (fault_id, workflow_id, resource, resource_type, mode, started_at, ended_at, breached, dry_run, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (fault_id) DO NOTHING`,
        [
          o.faultId,
          o.workflowId,
          o.resource,
          o.resourceType,
          o.mode,
          o.startedAt,
          o.endedAt,
          o.breached,
          o.dryRun,
          JSON.stringify(o),
        ],
      );
      return { written: rowCount === 1 };
    },
    async outcomesSince(sinceMs) {
      const { rows } = await pool.query<{ body: InjectionOutcome }>(
        `SELECT body FROM foreshock_outcomes WHERE ended_at >= $1 ORDER BY ended_at, fault_id`,
        [iso(sinceMs)],
      );
      return rows.map((r) => r.body);
    },
    async appendIncident(i) {
      await pool.query(
        `INSERT INTO foreshock_incidents (resource, mode, at, severity) VALUES ($1, $2, $3, $4)`,
        [i.resource, i.mode ?? null, iso(i.at), i.severity ?? null],
      );
    },
    async incidentsSince(sinceMs) {
      const { rows } = await pool.query<{
        resource: string;
        mode: string | null;
        at: Date;
        severity: string | null;
      }>(`SELECT resource, mode, at, severity FROM foreshock_incidents WHERE at >= $1 ORDER BY at, id`, [
        iso(sinceMs),
      ]);
      return rows.map((r) => ({
        resource: r.resource,
        at: r.at.getTime(),
        ...(r.mode !== null ? { mode: r.mode } : {}),
        ...(r.severity !== null ? { severity: r.severity } : {}),
      }));
    },
    async appendPrediction(p) {
      await pool.query(`INSERT INTO foreshock_predictions (generated_at, body) VALUES ($1, $2)`, [
        iso(p.generatedAt),
        JSON.stringify(p),
      ]);
    },
    async recentPredictions(limit) {
      const { rows } = await pool.query<{ body: PredictionResult }>(
        `SELECT body FROM (SELECT id, body FROM foreshock_predictions ORDER BY id DESC LIMIT $1) p ORDER BY id`,
        [limit],
      );
      return rows.map((r) => r.body);
    },
    async close() {},
  };
}

export function createPostgresModelStore(pool: Pool): ModelStore {
  const keyArgs = (k: ModelKey) => [k.resourceType, k.signal];
  return {
    async save(record) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
          `foreshock-model:${record.resourceType}/${record.signal}`,
        ]);
        const { rows } = await client.query<{ next: number }>(
          `SELECT coalesce(max(version), 0) + 1 AS next FROM foreshock_models
            WHERE resource_type = $1 AND signal = $2`,
          [record.resourceType, record.signal],
        );
        const version = rows[0]!.next;
        await client.query(
          `INSERT INTO foreshock_models (resource_type, signal, version, created_at, body)
           VALUES ($1, $2, $3, $4, $5)`,
          [
            record.resourceType,
            record.signal,
            version,
            iso(record.createdAt),
            JSON.stringify({ ...record, version }),
          ],
        );
        await client.query('COMMIT');
        return { version, ref: `postgres:${record.resourceType}/${record.signal}/v${version}` };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async promote(key, version) {
      try {
        await pool.query(
          `INSERT INTO foreshock_model_promotions (resource_type, signal, version) VALUES ($1, $2, $3)
           ON CONFLICT (resource_type, signal) DO UPDATE SET version = EXCLUDED.version, promoted_at = now()`,
          [...keyArgs(key), version],
        );
      } catch (err) {
        if ((err as { code?: string }).code === '23503') {
          throw new StoreError(`no model ${key.resourceType}/${key.signal} v${version} to promote`);
        }
        throw err;
      }
    },
    async loadPromoted(key) {
      const { rows } = await pool.query<{ body: ModelRecord }>(
        `SELECT m.body FROM foreshock_models m
           LEFT JOIN foreshock_model_promotions p USING (resource_type, signal)
          WHERE m.resource_type = $1 AND m.signal = $2 AND (p.version IS NULL OR m.version = p.version)
          ORDER BY m.version DESC LIMIT 1`,
        keyArgs(key),
      );
      return rows[0]?.body;
    },
    async versions(key) {
      const { rows } = await pool.query<{ version: number }>(
        `SELECT version FROM foreshock_models WHERE resource_type = $1 AND signal = $2 ORDER BY version`,
        keyArgs(key),
      );
      return rows.map((r) => r.version);
    },
    async prune(key, keep) {
      const { rowCount } = await pool.query(
        `DELETE FROM foreshock_models m
          WHERE m.resource_type = $1 AND m.signal = $2
            AND m.version NOT IN (SELECT version FROM foreshock_models
                                   WHERE resource_type = $1 AND signal = $2 ORDER BY version DESC LIMIT $3)
            AND NOT EXISTS (SELECT 1 FROM foreshock_model_promotions p
                             WHERE p.resource_type = m.resource_type AND p.signal = m.signal AND p.version = m.version)`,
        [...keyArgs(key), Math.max(1, keep)],
      );
      return rowCount ?? 0;
    },
    async saveCalibration(key, record) {
      const { rows } = await pool.query<{ version: number }>(
        `INSERT INTO foreshock_calibrations (resource_type, signal, version, body) VALUES ($1, $2, 1, $3)
         ON CONFLICT (resource_type, signal) DO UPDATE
           SET version = foreshock_calibrations.version + 1, saved_at = now(), body = EXCLUDED.body
         RETURNING version`,
        [...keyArgs(key), JSON.stringify(record)],
      );
      return { ref: `postgres:${key.resourceType}/${key.signal}/calibration/v${rows[0]!.version}` };
    },
    async loadCalibration(key) {
      const { rows } = await pool.query<{ body: CalibrationRecord }>(
        `SELECT body FROM foreshock_calibrations WHERE resource_type = $1 AND signal = $2`,
        keyArgs(key),
      );
      return rows[0]?.body;
    },
    async close() {},
  };
}

/** Opens both PostgreSQL stores on one connection pool; refuses an unmigrated database. */
export async function openPostgresStores(options: PostgresStoreOptions): Promise<Stores> {
  const config: PoolConfig = {
    connectionString: options.url,
    max: options.maxConnections ?? 5,
    allowExitOnIdle: true,
  };
  const pool = new Pool(config);
  pool.on('error', () => undefined);
  try {
    if (options.migrate) await migrate(pool);
    else await assertMigrated(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  let ended: Promise<void> | undefined;
  return {
    history: createPostgresHistoryStore(pool),
    models: createPostgresModelStore(pool),
    close: () => (ended ??= pool.end()),
  };
}
