// injectionWorkflow declares PINNED on a Worker Deployment Version (the worker's default here is
// AUTO_UPGRADE, so PINNED can only come from the workflow), and sends no versioning behaviour
// from an unversioned worker (the server would refuse it). Real dev server, real CLI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { DevServer } from '../../../src/worker/dev-server';
import { ForeshockPlugin, FORESHOCK_WORKFLOWS_PATH } from '../../../src/worker/plugin';
import { toolPaths } from '../../../src/tools';
import { waitUntil } from '../../../src/testing/ports';
import { CleanupStack } from '../../../src/testing/cleanup';
import type { InjectionInput, InjectionOutcome } from '../../../src/workflows/types';

const dryRun: InjectionInput = {
  resource: 'r',
  mode: 'network_latency',
  params: {},
  durationMs: 1000,
  dryRun: true,
};

describe('injectionWorkflow versioning behaviour', () => {
  let workDir: string;
  let server: DevServer;
  let nativeConnection: NativeConnection;
  let client: Client;
  const cleanup = new CleanupStack();
  const plugin = () =>
    new ForeshockPlugin({
      agent: { url: 'http://127.0.0.1:9', token: 'unused-in-dry-run' },
      prometheus: { url: 'http://127.0.0.1:9' },
      outcomesFile: path.join(workDir, 'outcomes.jsonl'),
    });
  const behaviourOf = async (workflowId: string) =>
    (
      await client.workflowService.describeWorkflowExecution({
        namespace: 'default',
        execution: { workflowId },
      })
    ).workflowExecutionInfo?.versioningInfo?.behavior;

  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-versioning-'));
    cleanup.push(() => rmSync(workDir, { recursive: true, force: true }));
    server = cleanup.stops(await DevServer.start());
    const connection = await Connection.connect({ address: server.address });
    cleanup.push(() => connection.close());
    nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanup.push(() => nativeConnection.close());
    client = new Client({ connection });
  });

  after(() => cleanup.runAll());

  /** Runs a dry-run injection to its end on a foreshock worker polling `taskQueue`, once `ready` resolves. */
  const runDryInjection = async (
    taskQueue: string,
    options: Pick<WorkerOptions, 'workerDeploymentOptions'> = {},
    ready?: () => Promise<unknown>,
  ) => {
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: FORESHOCK_WORKFLOWS_PATH,
      plugins: [plugin()],
      ...options,
    });
    await worker.runUntil(async () => {
      await ready?.();
      const handle = await client.workflow.start('injectionWorkflow', {
        taskQueue,
        workflowId: `${taskQueue}-injection`,
        args: [dryRun],
      });
      assert.equal(((await handle.result()) as InjectionOutcome).verdict, 'pass');
    });
  };

  it('is PINNED on a Worker Deployment Version', async () => {
    const deployment = {
      useWorkerVersioning: true,
      version: { deploymentName: 'foreshock', buildId: 'b1' },
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    } as const;
    await runDryInjection('versioned', { workerDeploymentOptions: deployment }, () =>
      waitUntil('version registered', async () => {
        await promisify(execFile)(toolPaths().temporal, [
          'worker',
          'deployment',
          'set-current-version',
          '--address',
          server.address,
          '--deployment-name',
          'foreshock',
          '--build-id',
          'b1',
          '--yes',
        ]);
        return true;
      }),
    );
    assert.equal(
      await behaviourOf('versioned-injection'),
      temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
    );
  });

  it('sends no behaviour from an unversioned worker, and runs', async () => {
    await runDryInjection('unversioned');
    assert.equal(
      (await behaviourOf('unversioned-injection')) ?? 0,
      temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_UNSPECIFIED,
    );
  });
});
