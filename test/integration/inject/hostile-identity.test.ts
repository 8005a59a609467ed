// Secrets and identity: the token never reaches a child or a log, weak tokens are refused,
// tokens have scopes, the Host header must name the agent, and beyond loopback the control API
// speaks TLS, with client certificates when asked (a throwaway CA made with openssl).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestCertificates as makeCertificates, type TestCertificates } from '../../../src/testing/tls';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { resourceSchema } from '../../../src/config/schema';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { AgentRouter } from '../../../src/inject/agent-router';
import { AgentApiError, AgentClient } from '../../../src/inject/client';
import { InvalidRequestError } from '../../../src/inject/errors';
import { callAgent, stopChild } from './support';

const ROOT = path.resolve(__dirname, '../../..');
const CONTROL = 'control-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-0123456789';
const READ = 'read-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-0123456789';
const METRICS = 'metrics-token-cccccccccccccccccccccccccccccccccccccccccc-0123456789';

describe('inject: secrets and identity of the control API', { timeout: 120_000 }, () => {
  let dir: string;
  let certs: TestCertificates;
  const agents: RunningAgent[] = [];

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-hostile-identity-'));
    certs = makeCertificates(dir);
  });

  after(async () => {
    for (const agent of agents) await agent.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the token leaves the environment: no supervised child inherits it, no log prints a generated one', async () => {
    const configFile = path.join(dir, 'agent.yaml');
    writeFileSync(
      configFile,
      [
        'prometheus: { url: http://127.0.0.1:9 }',
        'resources:',
        '  - { name: child, type: worker, process: { command: [sleep, "1000"] } }',
        'failure_injection_profile: { injection_frequency: 1h }',
        '',
      ].join('\n'),
    );
    for (const withToken of [true, false]) {
      const stateDir = path.join(dir, `cli-state-${withToken}`);
      const env = { ...process.env, FORESHOCK_AGENT_TOKEN: withToken ? CONTROL : '' };
      const child = spawn(
        process.execPath,
        [
          path.join(ROOT, 'bin/foreshock.js'),
          'agent',
          '-c',
          configFile,
          '--listen',
          '127.0.0.1:0',
          '--state-dir',
          stateDir,
        ],
        { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        const info = await new Promise<{ url: string }>((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`agent exited ${code}: ${stderr}`)));
          readline
            .createInterface({ input: child.stdout })
            .once('line', (line) => resolve(JSON.parse(line) as { url: string }));
        });
        const token = withToken ? CONTROL : readFileSync(path.join(stateDir, 'agent.token'), 'utf8').trim();
        assert.ok(token.length >= 32);
        const client = new AgentClient({ url: info.url, token });
        assert.deepEqual(await client.list(), []);
        const children = execFileSync('pgrep', ['-P', String(child.pid), 'sleep'], { encoding: 'utf8' })
          .trim()
          .split('\n');
        assert.equal(children.length, 1);
        const environ = readFileSync(`/proc/${children[0]}/environ`, 'utf8');
        assert.ok(!environ.includes(token), 'the supervised process does not see the token');
        assert.ok(!environ.includes('FORESHOCK_AGENT_TOKEN'), 'nor the variable');
        assert.ok(!stderr.includes(token), 'the token is in no log line');
        if (!withToken) {
          assert.match(stderr, /agent\.token \(mode 0600\)/);
          assert.equal(statSync(path.join(stateDir, 'agent.token')).mode & 0o777, 0o600);
        }
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
        await stopChild(child);
      }
    }
  });

  it('refuses weak tokens, and plain HTTP beyond loopback', async () => {
    for (const token of ['x', 'short-token-123', 'a'.repeat(40)]) {
      await assert.rejects(
        startAgent({
          config: { resources: [] },
          listen: '127.0.0.1:0',
          token,
          stateDir: path.join(dir, 'weak'),
        }),
        (err: unknown) => err instanceof InvalidRequestError && err.field === 'token',
        token,
      );
    }
    await assert.rejects(
      startAgent({
        config: { resources: [] },
        listen: '0.0.0.0:0',
        token: CONTROL,
        stateDir: path.join(dir, 'plain'),
      }),
      (err: unknown) => err instanceof InvalidRequestError && err.field === 'agent.tls',
    );
  });

  it('tokens have scopes: read may only read, metrics only /metrics, control all', async () => {
    const agent = await startAgent({
      config: {
        resources: [
          resourceSchema.parse({
            name: 'db',
            type: 'database',
            proxy: { listen: '127.0.0.1:0', upstream: '127.0.0.1:9' },
          }),
        ],
      },
      listen: '127.0.0.1:0',
      token: CONTROL,
      readToken: READ,
      metricsToken: METRICS,
      stateDir: path.join(dir, 'scopes'),
    });
    agents.push(agent);
    const as = (token: string) => ({ url: agent.url, token });
    const apply = {
      faultId: 'scope-1',
      resource: 'db',
      mode: 'blackhole',
      params: { duration: '10s' },
      leaseSeconds: 5,
    };
    assert.equal((await callAgent(as(READ), 'GET', '/v1/faults')).status, 200);
    const readPost = await callAgent(as(READ), 'POST', '/v1/faults', apply);
    assert.equal(readPost.status, 403);
    assert.equal(readPost.body.field, 'authorization');
    assert.equal((await callAgent(as(READ), 'GET', '/metrics')).status, 403);
    assert.equal((await callAgent(as(METRICS), 'GET', '/v1/faults')).status, 403);
    assert.equal((await callAgent(as(METRICS), 'DELETE', '/v1/faults/scope-1')).status, 403);
    const metrics = await fetch(`${agent.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } });
    assert.equal(metrics.status, 200);
    assert.equal((await callAgent(as(CONTROL), 'POST', '/v1/faults', apply)).status, 200);
    assert.equal((await callAgent(as(CONTROL), 'GET', '/metrics')).status, 200);
    assert.equal((await callAgent(as(CONTROL), 'DELETE', '/v1/faults/scope-1')).body.verified, true);
    assert.equal(agent.core.activeCount(), 0);
  });

  it('answers only to its own names in the Host header', async () => {
    const agent = await startAgent({
      config: { resources: [] },
      listen: '127.0.0.1:0',
      token: CONTROL,
      stateDir: path.join(dir, 'host'),
    });
    agents.push(agent);
    const port = new URL(agent.url).port;
    const ask = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/v1/faults',
            headers: { host, authorization: `Bearer ${CONTROL}` },
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const rebound = await ask('evil.example:80');
    assert.equal(rebound.status, 400);
    assert.equal((JSON.parse(rebound.body) as { field: string }).field, 'host');
    assert.equal((await ask(`localhost:${port}`)).status, 200);
    assert.equal((await ask(`127.0.0.1:${port}`)).status, 200);
  });

  it('speaks TLS with client certificates (mTLS) beyond loopback; the worker side matches', async () => {
    const agent = await startAgent({
      config: {
        agent: { url: 'https://127.0.0.1:7070' },
        resources: [],
      },
      listen: '0.0.0.0:0',
      token: CONTROL,
      tls: { certFile: certs.cert, keyFile: certs.key, caFile: certs.ca, requireClientCert: true },
      stateDir: path.join(dir, 'tls'),
    });
    agents.push(agent);
    const port = new URL(agent.url).port;
    const url = `https://127.0.0.1:${port}`;
    const tlsClient = {
      ca: readFileSync(certs.ca),
      cert: readFileSync(certs.clientCert),
      key: readFileSync(certs.clientKey),
    };
    assert.deepEqual(await new AgentClient({ url, token: CONTROL, tls: tlsClient }).list(), []);
    await assert.rejects(
      new AgentClient({ url, token: CONTROL, tls: { ca: tlsClient.ca } }).list(),
      'no client certificate',
    );
    await assert.rejects(
      new AgentClient({ url, token: CONTROL }).list(),
      'an agent certificate from an unknown CA',
    );
    await assert.rejects(
      new AgentClient({ url: `http://127.0.0.1:${port}`, token: CONTROL }).list(),
      'plain HTTP',
    );
    const wrongToken = new AgentClient({ url, token: READ, tls: tlsClient });
    await assert.rejects(
      wrongToken.list(),
      (err: unknown) => err instanceof AgentApiError && err.status === 401,
    );

    // The router reads each host's own token from its variable and the TLS files from agent.tls.
    const router = AgentRouter.fromConfig(
      {
        agent: {
          url: 'http://127.0.0.1:1',
          hosts: { secure: { url, tokenEnv: 'SECURE_AGENT_TOKEN' } },
          tls: { caFile: certs.ca, clientCertFile: certs.clientCert, clientKeyFile: certs.clientKey },
        },
        resources: [{ name: 'db', host: 'secure' }],
      },
      { token: 'the-default-token', env: { SECURE_AGENT_TOKEN: CONTROL } },
    );
    assert.deepEqual(await router.forResource('db').list(), []);
  });
});
