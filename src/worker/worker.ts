/**
 * Builds the foreshock worker: foreshock's workflows and activities on one task queue.
 */
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import {
  ForeshockPlugin,
  FORESHOCK_WORKFLOWS_PATH,
  type ForeshockPluginBuiltOptions,
  type ForeshockPluginOptions,
} from './plugin';

interface WorkerPlacement {
  connection: NativeConnection;
  taskQueue: string;
  /** @default 'default' */
  namespace?: string;
  /** A pre-built workflow bundle (skips bundling at start-up). @default bundles src/workflows */
  workflowBundle?: WorkflowBundleOption;
  identity?: string;
}

export type ForeshockWorkerOptions = WorkerPlacement &
  (
    | Omit<ForeshockPluginOptions, 'registerWorkflows' | 'role'>
    | Omit<ForeshockPluginBuiltOptions, 'registerWorkflows' | 'role'>
  );

export async function createForeshockWorker(options: ForeshockWorkerOptions): Promise<Worker> {
  const { connection, taskQueue, namespace, workflowBundle, identity, ...pluginOptions } = options;
  return Worker.create({
    connection,
    taskQueue,
    namespace: namespace ?? 'default',
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: FORESHOCK_WORKFLOWS_PATH }),
    ...(identity ? { identity } : {}),
    plugins: [new ForeshockPlugin(pluginOptions)],
    // A SIGKILLed worker's sticky queue is abandoned after this, and its workflows move on.
    stickyQueueScheduleToStartTimeout: '2s',
  });
}

export { NativeConnection };
