/**
 * forecasterTraining: retrains the forecaster models, on a schedule or on demand. The work is
 * one activity (it runs brain's training in a worker thread and heartbeats per model).
 */
import { proxyActivities, log } from '@temporalio/workflow';
import type { TrainedModelSummary, TrainingActivities } from '../activities/training';

const { trainModels } = proxyActivities<TrainingActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 minutes',
  retry: { maximumAttempts: 3, initialInterval: '10 seconds' },
});

export async function forecasterTraining(
  input: { configPath?: string; reason?: string } = {},
): Promise<TrainedModelSummary[]> {
  log.info('training forecaster models', { reason: input.reason ?? 'scheduled' });
  const results = await trainModels(input);
  const failed = results.filter((r) => r.error !== undefined);
  if (failed.length)
    log.warn('some models were not trained', {
      failed: failed.map((f) => `${f.resourceType}/${f.signal}: ${f.error}`),
    });
  return results;
}
