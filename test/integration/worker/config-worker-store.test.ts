// createConfigWorker on the PostgreSQL store, against a real private PostgreSQL cluster: when the
// worker cannot be built (here: no agent token) the pool it opened is ended, so the database sees
// no connection left behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { configSchema } from '../../../src/config/schema';
import { openPostgresStores } from '../../../src/store';
import { startPrivatePostgres, type PrivatePostgres } from '../../../src/testing/postgres';
import { waitUntil } from '../../../src/testing/ports';
import { createConfigWorker } from '../../../src/worker/main';
import { MissingAgentTokenError } from '../../../src/worker/errors';

describe('createConfigWorker with store.kind postgres', () => {
  let pg: PrivatePostgres;
  let observer: Client;

  before(async () => {
    pg = await startPrivatePostgres();
    await pg.createDatabase('worker');
    await (await openPostgresStores({ url: pg.url('worker'), migrate: true })).close();
    observer = new Client({ connectionString: pg.url('postgres') });
    await observer.connect();
  });
  after(async () => {
    await observer?.end();
    const { dir } = pg;
    await pg.stop();
    assert.equal(existsSync(dir), false, 'its folder removed');
  });

  const connections = async () =>
    (
      await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'worker'`,
      )
    ).rows[0]!.n;

  it('a worker that fails to start ends the pool it opened', async () => {
    await waitUntil('no connection to the worker database', async () => (await connections()) === 0);
    const config = configSchema.parse({
      prometheus: { url: 'http://127.0.0.1:9' },
      resources: [
        { name: 'db', type: 'database', proxy: { listen: '127.0.0.1:1', upstream: '127.0.0.1:2' } },
      ],
      failure_injection_profile: { injection_frequency: '1h' },
      resource_failure_modes: [{ resource_type: 'database', failure_modes: ['network_latency'] }],
      agent: { tokenEnv: 'FORESHOCK_TEST_TOKEN_THAT_IS_NOT_SET' },
      store: { kind: 'postgres', url: pg.url('worker') },
    });
    let connected = false;
    await assert.rejects(
      createConfigWorker({
        config,
        target: {
          namespace: 'default',
          taskQueue: 'q',
          nativeConnection: () => {
            connected = true;
            throw new Error('not reached');
          },
        },
      }),
      MissingAgentTokenError,
    );
    assert.equal(connected, false, 'it failed before reaching Temporal');
    // the pool's idle connection would otherwise stay for its 10 s idle timeout
    await waitUntil('the pool ended', async () => (await connections()) === 0, { timeoutMs: 3000 });
  });
});
