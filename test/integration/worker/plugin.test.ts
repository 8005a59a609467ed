// ForeshockPlugin on a real dev server: the search attribute check at worker start (and the
// command it prints, run with the real `temporal` CLI), then foreshock split over two workers:
// workflows on one task queue (no agent token), activities on their own queue near the agent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLocalTestEnvironment } from '../../../src/testing/temporal';
import { freePort, waitUntil } from '../../../src/testing/ports';
import { CleanupStack } from '../../../src/testing/cleanup';
import { toolPaths } from '../../../src/tools';
import { startAgent, type RunningAgent } from '../../../src/inject/agent';
import { configSchema, type ForeshockConfig } from '../../../src/config/schema';
import { ForeshockPlugin } from '../../../src/worker/plugin';
import { foreshockActivityQueue } from '../../../src/worker/activity-names';
import { MissingSearchAttributesError } from '../../../src/worker/errors';
import { WORKFLOW_TYPES } from '../../../src/workflows/messages';
import type { injectionWorkflow } from '../../../src/workflows';
import { NamedServer } from '../workflows/support/target';

const TOKEN = 'plugin-test-token-0123456789abcdefghijklmnop';
const QUEUE = 'plugin-split';

describe('ForeshockPlugin at worker start and split over two task queues', () => {
  let workDir: string;
  let env: TestWorkflowEnvironment;
  let agent: RunningAgent;
  let config: ForeshockConfig;
  const cleanup = new CleanupStack();

  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-plugin-'));
    cleanup.push(() => rmSync(workDir, { recursive: true, force: true }));
    const upstream = cleanup.stops(await NamedServer.start('primary'));
    const agentUrl = `http://127.0.0.1:${await freePort()}`;
    config = configSchema.parse({
      agent: { url: agentUrl },
      prometheus: { url: 'http://127.0.0.1:9' },
      resources: [
        {
          name: 'orders-db',
          type: 'database',
          proxy: { listen: `127.0.0.1:${await freePort()}`, upstream: upstream.address },
        },
      ],
      failure_injection_profile: { injection_frequency: '1h' },
      resource_failure_modes: [{ resource_type: 'database', failure_modes: ['network_latency'] }],
      history: {
        outcomes: path.join(workDir, 'outcomes.jsonl'),
        incidents: path.join(workDir, 'none.jsonl'),
      },
      models: { dir: path.join(workDir, 'models') },
    });
    agent = cleanup.stops(
      await startAgent({
        config,
        token: TOKEN,
        stateDir: path.join(workDir, 'agent'),
        cgroupPrefix: `plugintest-${process.pid}`,
      }),
    );
    env = await createLocalTestEnvironment({ searchAttributes: false });
    cleanup.push(() => env.teardown());
  });

  after(() => cleanup.runAll());

  it('refuses to start without the search attributes and prints the commands that create them', async () => {
    const create = () =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: QUEUE,
        plugins: [ForeshockPlugin.fromConfig(config, { agentToken: TOKEN, registerWorkflows: true })],
      });
    let commands: string[] = [];
    await assert.rejects(create(), (err: unknown) => {
      assert.ok(err instanceof MissingSearchAttributesError, String(err));
      assert.deepEqual(err.missing, [
        'ForeshockResource',
        'ForeshockMode',
        'ForeshockSeverity',
        'ForeshockOutcome',
      ]);
      assert.ok(
        err.message.includes(
          'temporal operator search-attribute create --namespace default --name ForeshockResource --type Keyword',
        ),
      );
      commands = err.commands;
      return true;
    });
    const address = env.address;
    for (const command of commands) {
      const [, ...args] = command.split(' ');
      await promisify(execFile)(toolPaths().temporal, [...args, '--address', address]);
    }
    const worker = await waitUntil('the created search attributes to be listed', create, {
      timeoutMs: 20_000,
    });
    await worker.runUntil(Promise.resolve());
  });

  it(
    "role 'workflows' schedules foreshock's activities on their own queue, polled by role 'activities'",
    { timeout: 120_000 },
    async () => {
      const workflows = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: QUEUE,
        plugins: [ForeshockPlugin.fromConfig(config, { role: 'workflows', registerWorkflows: true })],
      });
      const activities = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: foreshockActivityQueue(QUEUE),
        plugins: [ForeshockPlugin.fromConfig(config, { role: 'activities', agentToken: TOKEN })],
      });
      const workflowId = `plugin-split-${Date.now()}`;
      const outcome = await activities.runUntil(
        workflows.runUntil(
          env.client.workflow.execute<typeof injectionWorkflow>(WORKFLOW_TYPES.injection, {
            taskQueue: QUEUE,
            workflowId,
            args: [
              {
                resource: 'orders-db',
                resourceType: 'database',
                mode: 'network_latency',
                params: { latency: '50ms', duration: '1s' },
                durationMs: 1000,
                monitorIntervalMs: 250,
                leaseMs: 5000,
              },
            ],
          }),
        ),
      );
      assert.equal(outcome.rollbackPath, 'duration_end', JSON.stringify(outcome));
      assert.equal(agent.core.activeCount(), 0, 'the fault is gone');
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const queues = new Set(
        (history.events ?? [])
          .map((e) => e.activityTaskScheduledEventAttributes?.taskQueue?.name)
          .filter((q): q is string => typeof q === 'string'),
      );
      assert.deepEqual([...queues], [foreshockActivityQueue(QUEUE)]);
    },
  );
});
