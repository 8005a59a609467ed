/**
 * Real Temporal servers for tests: the SDK's TestWorkflowEnvironment on the installed CLI
 * (never the SDK's download), or a file-backed DevServer a test can stop and restart.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { toolPaths } from '../tools';
import { FORESHOCK_SEARCH_ATTRIBUTES } from '../worker/dev-server';

export { DevServer } from '../worker/dev-server';

export interface LocalTestEnvironmentOptions {
  /** Register foreshock's search attributes on the server. @default true */
  searchAttributes?: boolean | undefined;
  /** The Temporal CLI binary. @default TEMPORAL_CLI_PATH, the installer's record, or `temporal` on PATH */
  temporalPath?: string | undefined;
}

export async function createLocalTestEnvironment(
  options: LocalTestEnvironmentOptions = {},
): Promise<TestWorkflowEnvironment> {
  const searchAttributes = options.searchAttributes ?? true;
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: options.temporalPath ?? toolPaths().temporal },
      ip: '127.0.0.1',
      ...(searchAttributes
        ? {
            searchAttributes: Object.entries(FORESHOCK_SEARCH_ATTRIBUTES).map(([name, type]) => ({
              name,
              type: type.toUpperCase() as 'KEYWORD',
            })),
          }
        : {}),
    },
  });
}
