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
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { DevServer } from '../../../src/worker/dev-server';
import { ForeshockPlugin, FORESHOCK_WORKFLOWS_PATH } from '../../../src/worker/plugin';
import { toolPaths } from '../../../src/tools';
import { waitUntil } from '../../../src/testing/ports';
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
  let connection: Connection;
  let nativeConnection: NativeConnection;
  let client: Client;
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
    server = await DevServer.start();
    connection = await Connection.connect({ address: server.address });
    nativeConnection = await NativeConnection.connect({ address: server.address });
    client = new Client({ connection });
  });

  after(async () => {
    await nativeConnection?.close();
    await connection?.close();
    await server?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('is PINNED on a Worker Deployment Version', async () => {
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: 'versioned',
      workflowsPath: FORESHOCK_WORKFLOWS_PATH,
      plugins: [plugin()],
      workerDeploymentOptions: {
        useWorkerVersioning: true,
        version: { deploymentName: 'foreshock', buildId: 'b1' },
        defaultVersioningBehavior: 'AUTO_UPGRADE',
      },
    });
    await worker.runUntil(async () => {
      await waitUntil('version registered', async () => {
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
      });
      const handle = await client.workflow.start('injectionWorkflow', {
        taskQueue: 'versioned',
        workflowId: 'versioned-injection',
        args: [dryRun],
      });
      assert.equal(((await handle.result()) as InjectionOutcome).verdict, 'pass');
    });
    assert.equal(
      await behaviourOf('versioned-injection'),
      temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
    );
  });

  it('sends no behaviour from an unversioned worker, and runs', async () => {
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: 'unversioned',
      workflowsPath: FORESHOCK_WORKFLOWS_PATH,
      plugins: [plugin()],
    });
    await worker.runUntil(async () => {
      const handle = await client.workflow.start('injectionWorkflow', {
        taskQueue: 'unversioned',
        workflowId: 'unversioned-injection',
        args: [dryRun],
      });
      assert.equal(((await handle.result()) as InjectionOutcome).verdict, 'pass');
    });
    assert.equal(
      (await behaviourOf('unversioned-injection')) ?? 0,
      temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_UNSPECIFIED,
    );
  });
});
