// ForeshockPlugin's refusals and its activity set, without a server (no connection given, so the
// search attribute check is not reached).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { checkSearchAttributes } from '../../../src/worker/search-attribute-check';
import { configSchema } from '../../../src/config/schema';
import { ForeshockPlugin } from '../../../src/worker/plugin';
import { createConfigActivities } from '../../../src/worker/config-activities';
import { FORESHOCK_ACTIVITY_NAMES, foreshockActivityQueue } from '../../../src/worker/activity-names';
import {
  ActivityNameClashError,
  MissingAgentTokenError,
  TaskQueueRoleError,
  WorkflowsPathConflictError,
} from '../../../src/worker/errors';

const config = configSchema.parse({
  agent: { tokenEnv: 'FORESHOCK_UNIT_TOKEN_NEVER_SET' },
  prometheus: { url: 'http://127.0.0.1:9' },
  resources: [
    {
      name: 'db',
      type: 'database',
      proxy: { listen: '127.0.0.1:1', upstream: '127.0.0.1:2' },
      telemetry: { latency_p99: 'db_p99' },
    },
  ],
  failure_injection_profile: { injection_frequency: '1h' },
  resource_failure_modes: [{ resource_type: 'database', failure_modes: ['network_latency'] }],
});

const plugin = (options: Parameters<typeof ForeshockPlugin.fromConfig>[1] = {}) =>
  ForeshockPlugin.fromConfig(config, { agentToken: 'unit', ...options });

describe('ForeshockPlugin', () => {
  it('fromConfig registers exactly the activities foreshock workflows schedule', async () => {
    const configured = await plugin().configureWorker({ taskQueue: 'q' });
    assert.deepEqual(Object.keys(configured.activities ?? {}).sort(), [...FORESHOCK_ACTIVITY_NAMES].sort());
    assert.deepEqual(
      Object.keys(createConfigActivities(config, { agentToken: 'unit' })).sort(),
      [...FORESHOCK_ACTIVITY_NAMES].sort(),
    );
  });

  it("keeps the worker's own activities and refuses one under a foreshock name", async () => {
    const mine = { async shipOrder() {} };
    const configured = await plugin().configureWorker({ taskQueue: 'q', activities: mine });
    assert.ok('shipOrder' in (configured.activities ?? {}));
    const clash: WorkerOptions = { taskQueue: 'q', activities: { ...mine, async recordOutcome() {} } };
    await assert.rejects(plugin().configureWorker(clash), (err: unknown) => {
      assert.ok(err instanceof ActivityNameClashError);
      assert.deepEqual(err.names, ['recordOutcome']);
      assert.match(err.message, /recordOutcome is registered on this worker already/);
      return true;
    });
  });

  it("refuses registerWorkflows over the worker's own workflowsPath or bundle", async () => {
    const registering = plugin({ registerWorkflows: true });
    await assert.rejects(
      registering.configureWorker({ taskQueue: 'q', workflowsPath: '/app/workflows.js' }),
      (err: unknown) => err instanceof WorkflowsPathConflictError && /\/app\/workflows\.js/.test(err.message),
    );
    await assert.rejects(
      registering.configureWorker({ taskQueue: 'q', workflowBundle: { code: '' } }),
      WorkflowsPathConflictError,
    );
    const alone = await registering.configureWorker({ taskQueue: 'q' });
    assert.match(alone.workflowsPath ?? '', /workflows[/\\]index\.(ts|js)$/);
  });

  it('roles: workflows registers no activities and routes them; activities must poll the activity queue', async () => {
    const workflowsOnly = await ForeshockPlugin.fromConfig(config, { role: 'workflows' }).configureWorker({
      taskQueue: 'q',
      workflowsPath: '/app/workflows.js',
    });
    assert.deepEqual(Object.keys(workflowsOnly.activities ?? {}), []);
    assert.ok(workflowsOnly.interceptors?.workflowModules?.some((m) => /activity-routing/.test(m)));
    await assert.rejects(
      plugin({ role: 'activities' }).configureWorker({ taskQueue: 'q' }),
      TaskQueueRoleError,
    );
    await assert.rejects(
      plugin().configureWorker({ taskQueue: foreshockActivityQueue('q') }),
      TaskQueueRoleError,
    );
    const activities = await plugin({ role: 'activities' }).configureWorker({
      taskQueue: foreshockActivityQueue('q'),
    });
    assert.equal(Object.keys(activities.activities ?? {}).length, FORESHOCK_ACTIVITY_NAMES.length);
    assert.throws(() => plugin({ role: 'activities', registerWorkflows: true }), TaskQueueRoleError);
  });

  it('fromConfig without a token names the variable to set', () => {
    assert.throws(
      () => ForeshockPlugin.fromConfig(config),
      (err: unknown) =>
        err instanceof MissingAgentTokenError && /FORESHOCK_UNIT_TOKEN_NEVER_SET/.test(err.message),
    );
  });

  it('search attribute check: a server that will not list them is reported, not fatal; other errors are', async () => {
    const refusing = (code: number) =>
      ({
        operatorService: {
          listSearchAttributes: () => Promise.reject(Object.assign(new Error(`code ${code}`), { code })),
        },
      }) as unknown as NativeConnection;
    const reasons: string[] = [];
    await checkSearchAttributes(refusing(7), 'prod', (r) => reasons.push(r));
    assert.match(reasons[0] ?? '', /could not list the search attributes of namespace "prod"/);
    await assert.rejects(checkSearchAttributes(refusing(14), 'prod'), /code 14/);
  });
});
