/**
 * `npx tsx bench/workflow-bundle.ts`: bundles foreshock's workflows as a worker would and
 * prints one JSON object: how many modules and bytes go into the sandbox, and whether zod or
 * the config schema is among them (it must not be).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { FORESHOCK_WORKFLOWS_PATH } from '../src/worker/plugin';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

export async function measureWorkflowBundle(): Promise<{
  modules: number;
  bytes: number;
  zodModules: number;
  configModules: string[];
}> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: FORESHOCK_WORKFLOWS_PATH,
    logger: quiet as never,
  });
  const ids = [...bundle.code.matchAll(/^\/\*\*\*\/ "([^"]+)"$/gm)].map((m) => m[1] ?? '');
  return {
    modules: ids.length,
    bytes: Buffer.byteLength(bundle.code),
    zodModules: ids.filter((id) => id.includes('node_modules/zod/')).length,
    configModules: ids.filter((id) => id.includes('/src/config/')),
  };
}

if (require.main === module) {
  measureWorkflowBundle().then(
    (result) => console.log(JSON.stringify(result)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
