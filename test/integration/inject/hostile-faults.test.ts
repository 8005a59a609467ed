// Hostile requests against faults that used to escape: one id on two resources, a DELETE racing
// a queued apply, a re-apply or PATCH with other params, a caller renewing past the fault's
// duration, a failover nobody renews. Real agent, real proxies, real processes; each test
// ends with nothing applied.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resourceSchema } from '../../../src/config/schema';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { waitUntil } from '../../../src/testing/ports';
import { callAgent, startEcho, stopChild } from './support';

describe('inject: hostile requests cannot make a fault escape', { timeout: 120_000 }, () => {
  let agent: RunningAgent;
  let dir: string;
  let pidFile: string;
  let victim: ChildProcess;
  const echoes: { address: string; stop(): Promise<void> }[] = [];
  const call = (method: string, p: string, body?: unknown) => callAgent(agent, method, p, body);
  const latency = (faultId: string, resource: string, extra: Record<string, unknown> = {}) =>
    call('POST', '/v1/faults', {
      faultId,
      resource,
      mode: 'network_latency',
      params: { latency: '100ms', duration: '30s', ...extra },
      leaseSeconds: 30,
    });

  function startVictim(): void {
    victim = spawn('sleep', ['1000'], { stdio: 'ignore' });
    writeFileSync(pidFile, `${victim.pid}\n`);
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-hostile-faults-'));
    pidFile = path.join(dir, 'db.pid');
    startVictim();
    for (let i = 0; i < 3; i++) echoes.push(await startEcho());
    agent = await startAgent({
      config: {
        // Two at once per resource, so that a queued apply behind a crash could really apply.
        agent: { maxFaultsPerResource: 2 },
        resources: [
          resourceSchema.parse({
            name: 'db',
            type: 'database',
            proxy: { listen: '127.0.0.1:0', upstream: echoes[0]!.address },
            process: { pidFile },
          }),
          resourceSchema.parse({
            name: 'cache',
            type: 'cache',
            proxy: { listen: '127.0.0.1:0', upstream: echoes[1]!.address, failover: echoes[2]!.address },
          }),
        ],
      },
      listen: '127.0.0.1:0',
      stateDir: path.join(dir, 'state'),
      cgroupPrefix: `hostile-${process.pid}`,
      // The agent's backstop at the very end of the window, so the test need not wait for the grace.
      durationGraceMs: 0,
    });
  });

  after(async () => {
    await agent?.stop();
    if (victim) await stopChild(victim);
    for (const echo of echoes) await echo.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function assertClean(): Promise<void> {
    const { body } = await call('GET', '/v1/faults');
    const applied = (body.faults as { faultId: string; phase: string }[]).filter(
      (f) => f.phase !== 'reverted' && f.phase !== 'expired',
    );
    assert.deepEqual(applied, [], 'the agent lists nothing applied');
    for (const proxy of agent.proxies.values()) {
      assert.equal(proxy.tcp.activeToxicCount, 0, `${proxy.resource} has no toxic left`);
      assert.equal(proxy.onFailover, false, `${proxy.resource} is on its primary`);
    }
  }

  it('one id applied at once to two resources: one 200, one 409 naming resource; DELETE leaves nothing', async () => {
    const answers = await Promise.all([latency('dup-1', 'db'), latency('dup-1', 'cache')]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    assert.equal(refused.body.field, 'resource');
    assert.equal((await call('DELETE', '/v1/faults/dup-1')).status, 200);
    await assertClean();
  });

  it('a re-apply with other params is a 409 naming the param; the same params stay idempotent', async () => {
    assert.equal((await latency('re-1', 'cache')).status, 200);
    const other = await latency('re-1', 'cache', { latency: '300ms' });
    assert.equal(other.status, 409);
    assert.equal(other.body.field, 'params.latency');
    const otherMode = await call('POST', '/v1/faults', {
      faultId: 're-1',
      resource: 'cache',
      mode: 'blackhole',
      params: { duration: '30s' },
      leaseSeconds: 30,
    });
    assert.equal(otherMode.status, 409);
    assert.equal(otherMode.body.field, 'mode');
    const same = await latency('re-1', 'cache');
    assert.equal(same.status, 200);
    assert.equal((same.body.params as { latency: number }).latency, 100);
    await call('DELETE', '/v1/faults/re-1');
    await assertClean();
  });

  it('PATCH changes only what can change live and names any other param with a 400', async () => {
    assert.equal((await latency('patch-1', 'cache')).status, 200);
    for (const [param, value] of [
      ['direction', 'upstream'],
      ['duration', '1h'],
    ] as const) {
      const answer = await call('PATCH', '/v1/faults/patch-1', { params: { [param]: value } });
      assert.equal(answer.status, 400, `PATCH ${param}`);
      assert.equal(answer.body.field, `params.${param}`);
      assert.match(String(answer.body.allowed), /latency, jitter/);
    }
    const stranger = await call('PATCH', '/v1/faults/patch-1', {
      params: { latency: '50ms' },
      mode: 'blackhole',
    });
    assert.equal(stranger.status, 400);
    assert.equal(stranger.body.field, 'mode');
    const live = await call('PATCH', '/v1/faults/patch-1', { params: { latency: '50ms' } });
    assert.equal(live.status, 200);
    assert.equal((live.body.params as { latency: number; direction: string }).latency, 50);
    assert.equal((live.body.params as { direction: string }).direction, 'both');
    const wholeSet = await call('PATCH', '/v1/faults/patch-1', {
      params: { latency: '60ms', direction: 'both', duration: '30s' },
    });
    assert.equal(wholeSet.status, 200, 'unchanged params may come along');
    await call('DELETE', '/v1/faults/patch-1');
    await assertClean();
  });

  it('a DELETE while the same id waits in the queue means it never applies (or is taken back out)', async () => {
    // Hold db's queue: a crash whose process nobody restarts keeps its revert waiting 1.5 s.
    const crash = await call('POST', '/v1/faults', {
      faultId: 'crash-1',
      resource: 'db',
      mode: 'process_crash',
      params: { restart_timeout: '1500ms' },
      leaseSeconds: 30,
    });
    assert.equal(crash.status, 200);
    const slowRevert = call('DELETE', '/v1/faults/crash-1');
    await new Promise((r) => setTimeout(r, 100));
    const queued = latency('queued-1', 'db');
    await new Promise((r) => setTimeout(r, 100));
    const deleted = await call('DELETE', '/v1/faults/queued-1');
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.verified, true);
    const applyAnswer = await queued;
    await slowRevert;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(agent.proxies.get('db')!.tcp.activeToxicCount, 0, 'the queued latency never stayed on db');
    assert.notEqual((await call('GET', '/v1/faults/queued-1')).body.phase, 'applied');
    assert.notEqual(applyAnswer.body.phase, 'applied');
    // Let the crash's revert verify: a replacement process appears behind the pid file.
    startVictim();
    await waitUntil(
      'the crash to be reverted',
      async () => (await call('DELETE', '/v1/faults/crash-1')).body.verified === true,
      {
        timeoutMs: 10_000,
      },
    );
    await assertClean();
  });

  it('the agent ends a fault at its duration, however often the caller renews its lease', async () => {
    const started = Date.now();
    assert.equal(
      (
        await call('POST', '/v1/faults', {
          faultId: 'dur-1',
          resource: 'cache',
          mode: 'network_latency',
          params: { latency: '100ms', duration: '2s' },
          leaseSeconds: 1,
        })
      ).status,
      200,
    );
    let endedAt: number | undefined;
    while (Date.now() - started < 4000) {
      const renewed = await call('POST', '/v1/faults/dur-1/renew', { leaseSeconds: 1 });
      if (renewed.status !== 200 && endedAt === undefined) endedAt = Date.now();
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(endedAt !== undefined, 'renewals stopped working');
    assert.ok(endedAt - started < 3000, `ended ${endedAt - started} ms after apply (duration 2 s)`);
    assert.equal((await call('GET', '/v1/faults/dur-1')).body.phase, 'expired');
    await assertClean();
  });

  it('a failover is a leased, listed fault: unrenewed, the proxy goes back to its primary', async () => {
    const on = await call('POST', '/v1/resources/cache/failover', { active: true, leaseSeconds: 1 });
    assert.equal(on.status, 200);
    assert.equal(agent.proxies.get('cache')!.onFailover, true);
    const listed = (await call('GET', '/v1/faults')).body.faults as {
      faultId: string;
      mode: string;
      phase: string;
    }[];
    assert.ok(
      listed.some((f) => f.mode === 'failover' && f.phase === 'applied'),
      'the failover is listed',
    );
    assert.deepEqual(
      agent.journal.outstanding().map((r) => [r.id, r.kind]),
      [['failover:cache', 'failover']],
      'the failover is journaled',
    );
    await waitUntil('the failover lease to run out', async () => !agent.proxies.get('cache')!.onFailover, {
      timeoutMs: 3000,
      intervalMs: 50,
    });
    await waitUntil(
      'the journal to close the failover',
      async () => agent.journal.outstanding().length === 0,
      {
        timeoutMs: 2000,
        intervalMs: 50,
      },
    );
    // Found by the fuzzer: an empty key was refused naming the empty field.
    const emptyKey = await call('POST', '/v1/resources/cache/failover', { '': null, active: false });
    assert.equal(emptyKey.status, 400);
    assert.equal(emptyKey.body.field, 'body');
    const bad = await call('POST', '/v1/resources/cache/failover', { active: true, leaseSeconds: 0 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.field, 'leaseSeconds');
    await assertClean();
  });
});
