/**
 * `npm run -s bench -- fuzz --requests N [--seed S]`: property-based fuzzing (fast-check) of a
 * real agent's control API with real proxies; see test/integration/inject/fuzz-support.ts for
 * what is generated and checked. Last line: { requests, crashes, server_errors,
 * unnamed_4xx, untracked_faults, left_after_revert, faults_applied, by_status, ... }.
 *
 * crashes: uncaught exceptions or rejections in the agent's process, or a /healthz that did
 * not answer 200.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startAgent } from '../src/inject/agent';
import { fuzzAgentResources, fuzzControlApi } from '../test/integration/inject/fuzz-support';
import { startEcho } from '../test/integration/inject/support';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '10000' }, seed: { type: 'string' } },
  });
  const requests = Number(values.requests);
  const seed = Number(values.seed ?? Date.now() % 1_000_000);
  let uncaught = 0;
  process.on('uncaughtException', (err) => {
    uncaught += 1;
    console.error(`uncaught: ${err.stack ?? err.message}`);
  });
  process.on('unhandledRejection', (err) => {
    uncaught += 1;
    console.error(`unhandled rejection: ${String(err)}`);
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-fuzz-bench-'));
  const echoes = [await startEcho(), await startEcho()];
  const agent = await startAgent({
    config: {
      agent: { maxFaultsPerResource: 3 },
      resources: fuzzAgentResources(echoes[0]!.address, echoes[1]!.address),
    },
    listen: '127.0.0.1:0',
    stateDir: path.join(dir, 'state'),
    cgroupPrefix: `fuzz-bench-${process.pid}`,
  });
  try {
    const stats = await fuzzControlApi(agent, { requests, seed, checkEvery: 20 });
    const journalOpen = agent.journal.outstanding().length;
    console.log(
      JSON.stringify({
        bench: 'fuzz',
        seed,
        requests: stats.requests,
        unsendable: stats.unsendable,
        crashes: stats.crashes + uncaught,
        server_errors: stats.serverErrors,
        unnamed_4xx: stats.unnamedErrors,
        untracked_faults: stats.untrackedFaults,
        left_after_revert: stats.leftAfterRevert,
        journal_open_records: journalOpen,
        faults_applied: stats.faultsApplied,
        by_status: stats.byStatus,
        requests_per_s: Math.round((stats.requests / stats.durationMs) * 1000),
        duration_s: Math.round(stats.durationMs / 1000),
        violations: stats.violations,
      }),
    );
  } finally {
    await agent.stop();
    for (const echo of echoes) await echo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
