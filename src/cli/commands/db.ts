import type { Command } from 'commander';
import { Pool } from 'pg';
import { loadConfig } from '../../config/loader';
import { MIGRATIONS, migrate } from '../../store/migrations';
import { printJson } from './support';

async function resolveUrl(opts: { url?: string; config?: string }): Promise<string> {
  if (opts.url) return opts.url;
  if (opts.config) {
    const { config } = await loadConfig(opts.config);
    if (config.store.kind === 'postgres' && config.store.url) return config.store.url;
    throw new Error(`${opts.config}: store.kind is not postgres, so there is no database to migrate`);
  }
  const fromEnv = process.env.FORESHOCK_DATABASE_URL;
  if (fromEnv) return fromEnv;
  throw new Error('db migrate: give --url postgres://…, --config <file> or set FORESHOCK_DATABASE_URL');
}

export function registerDb(program: Command): void {
  const db = program.command('db').description('the PostgreSQL store shared by several workers');
  db.command('migrate')
    .description('create or upgrade the foreshock tables (idempotent; safe while workers run)')
    .option('--url <url>', 'postgres://user@host:port/db (password from PGPASSWORD)')
    .option('--config <file>', 'take the URL from this config’s store.url')
    .action(async (opts: { url?: string; config?: string }) => {
      const pool = new Pool({ connectionString: await resolveUrl(opts), max: 1 });
      try {
        const applied = await migrate(pool);
        printJson({ applied, current: Math.max(...MIGRATIONS.map((m) => m.version)) });
      } finally {
        await pool.end();
      }
    });
}
