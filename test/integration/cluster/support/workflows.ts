import { proxyActivities, sleep, upsertSearchAttributes } from '@temporalio/workflow';

export interface ProbeActivities {
  echo(text: string): Promise<string>;
}

const { echo } = proxyActivities<ProbeActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '1s' },
});

/** A timer, an activity and a Foreshock* search attribute: the parts a cluster must keep working. */
export async function clusterProbe(resource: string): Promise<string> {
  upsertSearchAttributes({ ForeshockResource: [resource] });
  await sleep('500ms');
  return echo(resource);
}
