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

/** Throws MissingSearchAttributesError (with the commands to run) when any is missing. */
export async function checkSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const present = new Set(Object.keys(listed.customAttributes ?? {}));
  const missing = Object.entries(FORESHOCK_SEARCH_ATTRIBUTES).filter(([name]) => !present.has(name));
  if (missing.length === 0) return;
  throw new MissingSearchAttributesError(
    namespace,
    missing.map(([name]) => name),
    missing.map(([name, type]) => searchAttributeCreateCommand(namespace, name, type)),
  );
}
