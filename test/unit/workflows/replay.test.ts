// Replays the committed histories of every release against today's workflow code: a
// non-deterministic change fails here, in CI, before it can strand a running injection.
// Fixtures (binary protobuf) live in one folder per release (test/fixtures/histories/v*/),
// recorded by test/fixtures/histories/record.ts, which never overwrites an existing one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { FORESHOCK_WORKFLOWS_PATH } from '../../../src/worker/plugin';

const DIR = path.join(__dirname, '..', '..', 'fixtures', 'histories');
const WORKFLOW_TYPES = ['injectionWorkflow', 'chaosCycle', 'forecasterTraining'];

const releases = readdirSync(DIR)
  .filter((name) => statSync(path.join(DIR, name)).isDirectory())
  .sort();

function historiesOf(release: string) {
  return readdirSync(path.join(DIR, release))
    .filter((f) => f.endsWith('.pb'))
    .sort()
    .map((f) => ({
      // Each file is named by the workflow id it was recorded under.
      workflowId: f.replace(/\.pb$/, ''),
      history: temporal.api.history.v1.History.decode(readFileSync(path.join(DIR, release, f))),
    }));
}

describe('replay of committed workflow histories, every release', () => {
  it('keeps the histories of every release, the first one (v0.1.0) included', () => {
    assert.ok(releases.includes('v0.1.0'), releases.join(', '));
    assert.ok(
      readdirSync(DIR).every((f) => !f.endsWith('.pb')),
      'histories live in a release folder, never loose',
    );
  });

  for (const release of releases) {
    describe(release, () => {
      const histories = historiesOf(release);

      it('covers every workflow type, and the cycle started a child injection', () => {
        const types = new Set(
          histories.map(
            (h) => h.history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name,
          ),
        );
        for (const type of WORKFLOW_TYPES) assert.ok(types.has(type), type);
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
  }
});
