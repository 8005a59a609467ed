// Replays the committed histories of every foreshock workflow type against today's workflow
// code: a non-deterministic change fails here, in CI, before it can strand a running injection.
// Fixtures (binary protobuf) are recorded by test/fixtures/histories/record.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { FORESHOCK_WORKFLOWS_PATH } from '../../../src/worker/plugin';

const DIR = path.join(__dirname, '..', '..', 'fixtures', 'histories');

describe('replay of committed workflow histories', () => {
  const histories = readdirSync(DIR)
    .filter((f) => f.endsWith('.pb'))
    .map((f) => ({
      // Each file is named by the workflow id it was recorded under.
      workflowId: f.replace(/\.pb$/, ''),
      history: temporal.api.history.v1.History.decode(readFileSync(path.join(DIR, f))),
    }));

  it('covers every workflow type, and the cycle started a child injection', () => {
    const types = new Set(
      histories.map((h) => h.history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name),
    );
    for (const type of ['injectionWorkflow', 'chaosCycle', 'forecasterTraining'])
      assert.ok(types.has(type), type);
    const cycle = histories.find((h) => h.workflowId === 'record-cycle');
    assert.ok(cycle?.history.events.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes));
  });

  it('every history replays without non-determinism', async () => {
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowsPath: FORESHOCK_WORKFLOWS_PATH },
      histories,
    )) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    assert.equal(replayed, histories.length);
    assert.ok(replayed >= 8, `${replayed} histories`);
    assert.deepEqual(failures, []);
  });
});
