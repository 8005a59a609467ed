/**
 * Opening the configured store: files under the config's history and models paths (the
 * embedded default), or one PostgreSQL database shared by every worker.
 */
import path from 'node:path';
import type { ForeshockConfig } from '../config/schema';
import { DEFAULT_PREDICTIONS_FILE } from '../report';
import { createFileHistoryStore } from './file-history';
import { createFileModelStore } from './file-models';
import { openPostgresStores } from './postgres';
import type { Stores } from './types';

export type StoreConfigView = Pick<ForeshockConfig, 'history' | 'models' | 'store'>;

export function openFileStores(
  config: Pick<ForeshockConfig, 'history' | 'models'>,
  predictionsFile?: string,
): Stores {
  const history = createFileHistoryStore({
    outcomes: path.resolve(config.history.outcomes),
    incidents: path.resolve(config.history.incidents),
    predictions: path.resolve(predictionsFile ?? DEFAULT_PREDICTIONS_FILE),
  });
  const models = createFileModelStore(path.resolve(config.models.dir));
  return { history, models, close: () => history.close() };
}

export async function openStores(
  config: StoreConfigView,
  options: { migrate?: boolean } = {},
): Promise<Stores> {
  if (config.store.kind === 'postgres') {
    return openPostgresStores({ url: config.store.url!, ...(options.migrate ? { migrate: true } : {}) });
  }
  return openFileStores(config);
}

export { createFileHistoryStore, createFileModelStore, openPostgresStores };
export { createPostgresHistoryStore, createPostgresModelStore } from './postgres';
export { migrate, assertMigrated, MIGRATIONS } from './migrations';
export { createStoreHistoryActivities } from './history-activities';
export * from './types';
