/**
 * At worker start: do foreshock's search attributes exist in the namespace? The workflows set
 * them on every injection, and a workflow task that sets an unknown one fails over and over.
 */
import type { NativeConnection } from '@temporalio/worker';
import { FORESHOCK_SEARCH_ATTRIBUTES } from './dev-server';
import { MissingSearchAttributesError } from './errors';

/** The `temporal` CLI command that creates one search attribute. */
export function searchAttributeCreateCommand(namespace: string, name: string, type: string): string {
  return `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`;
}

/** gRPC codes of a server that will not list search attributes to this caller (not a missing one). */
const UNLISTABLE = new Set([7 /* PERMISSION_DENIED */, 12 /* UNIMPLEMENTED */]);

/**
 * Throws MissingSearchAttributesError (with the commands to run) when any is missing. A server
 * that refuses to list them (permission denied, unimplemented) is reported to `onUnchecked`
 * and not held against the worker.
 */
export async function checkSearchAttributes(
  connection: NativeConnection,
  namespace: string,
  onUnchecked: (reason: string) => void = () => undefined,
): Promise<void> {
  let listed;
  try {
    listed = await connection.operatorService.listSearchAttributes({ namespace });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number' && UNLISTABLE.has(code)) {
      onUnchecked(
        `could not list the search attributes of namespace "${namespace}": ${(err as Error).message}`,
      );
      return;
    }
    throw err;
  }
  const present = new Set(Object.keys(listed.customAttributes ?? {}));
  const missing = Object.entries(FORESHOCK_SEARCH_ATTRIBUTES).filter(([name]) => !present.has(name));
  if (missing.length === 0) return;
  throw new MissingSearchAttributesError(
    namespace,
    missing.map(([name]) => name),
    missing.map(([name, type]) => searchAttributeCreateCommand(namespace, name, type)),
  );
}
