// connectTemporal: no address → a real embedded dev server is started (and stopped by close());
// TEMPORAL_ADDRESS → that server is used and nothing is started.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connectTemporal, type TemporalTarget } from '../../../src/client/connection';
import { parseConfigText } from '../../../src/config/loader';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('connectTemporal (real dev server)', () => {
  let dir: string;
  let embedded: TemporalTarget | undefined;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-connect-'));
  });
  after(async () => {
    await embedded?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the embedded dev server when there is no address, and close() stops it', async () => {
    const dbFile = path.join(dir, 'temporal.db');
    const text = [
      'temporal:',
      '  namespace: foreshock-connect',
      '  taskQueue: connect-q',
      `  devServer: { dbFile: ${JSON.stringify(dbFile)} }`,
      'prometheus: { url: http://127.0.0.1:9090 }',
      'failure_injection_profile: { injection_frequency: 1h }',
      'resources: [{ name: db, type: database }]',
    ].join('\n');
    const { config } = parseConfigText(text, 'connect.yaml', { env: {} });
    const logged: string[] = [];
    embedded = await connectTemporal(config, { env: {}, log: (line) => logged.push(line) });
    const server = embedded.devServer;
    assert.ok(server, 'an embedded dev server was started');
    assert.equal(embedded.address, server.address);
    assert.deepEqual(logged, [`Temporal dev server at ${server.address}`]);
    assert.equal(embedded.namespace, 'foreshock-connect');
    assert.equal(embedded.taskQueue, 'connect-q');
    assert.ok(existsSync(dbFile), 'file-backed at the configured SQLite file');

    const described = await embedded.connection.workflowService.describeNamespace({
      namespace: 'foreshock-connect',
    });
    assert.equal(described.namespaceInfo?.name, 'foreshock-connect');
    const native = await embedded.nativeConnection();
    assert.equal(await embedded.nativeConnection(), native, 'one worker connection, reused');

    // A second target through TEMPORAL_ADDRESS uses that server and starts nothing.
    const viaEnv = await connectTemporal(config, {
      env: { TEMPORAL_ADDRESS: server.address },
      log: (line) => logged.push(line),
    });
    assert.equal(viaEnv.devServer, undefined);
    assert.equal(viaEnv.address, server.address);
    await viaEnv.connection.workflowService.describeNamespace({ namespace: 'foreshock-connect' });
    await viaEnv.close();
    assert.equal(logged.length, 1, 'nothing more was started');
    assert.ok(server.running, 'closing the other target left the server alone');

    await embedded.close();
    embedded = undefined;
    assert.equal(server.running, false);
    assert.equal(await portOpen(server.port), false, 'the dev server port is closed');
  });

  it('fails with a clear error when apiKeyEnv names an unset variable, starting nothing', async () => {
    const temporal = { namespace: 'n', taskQueue: 'q', apiKeyEnv: 'FORESHOCK_TEST_UNSET_KEY' };
    let started = false;
    await assert.rejects(
      connectTemporal(
        { temporal },
        {
          env: {},
          startDevServer: () => {
            started = true;
            throw new Error('must not start');
          },
        },
      ),
      /FORESHOCK_TEST_UNSET_KEY/,
    );
    assert.equal(started, false);
  });
});
