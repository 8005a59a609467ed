// Property-based fuzzing of the control API on a real agent with real proxies (a smaller run
// than `npm run -s bench -- fuzz`): no 5xx, every 4xx names its field, no fault acts that
// GET /v1/faults does not list, and nothing is left once every listed fault is reverted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { fuzzAgentResources, fuzzControlApi } from './fuzz-support';
import { startEcho } from './support';

describe('inject: fuzzing the control API', { timeout: 180_000 }, () => {
  let dir: string;
  let agent: RunningAgent;
  const echoes: { address: string; stop(): Promise<void> }[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-fuzz-'));
    for (let i = 0; i < 2; i++) echoes.push(await startEcho());
    agent = await startAgent({
      config: {
        agent: { maxFaultsPerResource: 3 },
        resources: fuzzAgentResources(echoes[0]!.address, echoes[1]!.address),
      },
      listen: '127.0.0.1:0',
      stateDir: path.join(dir, 'state'),
      cgroupPrefix: `fuzz-${process.pid}`,
    });
  });

  after(async () => {
    await agent?.stop();
    for (const echo of echoes) await echo.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('300 random requests: no 5xx, every refusal names its field, no untracked fault', async () => {
    const seed = Number(process.env.FORESHOCK_FUZZ_SEED ?? 20261201);
    const stats = await fuzzControlApi(agent, { requests: 300, seed, checkEvery: 5 });
    assert.deepEqual(stats.violations, [], `seed ${seed}`);
    assert.equal(stats.requests, 300);
    assert.equal(stats.serverErrors + stats.unnamedErrors + stats.untrackedFaults + stats.crashes, 0);
    assert.ok(stats.faultsApplied > 0, 'some requests really applied faults');
    assert.equal(stats.leftAfterRevert, 0);
  });
});
