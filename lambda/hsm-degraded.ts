// Self-healing of an HSM that fails into DEGRADED while it is being created: the handler deletes it
// and creates it again, a bounded number of times (`degradedRetries`, 1 by default), then fails with
// the service's StateMessage (aws-samples/aws-cloudhsm-cloudformation-template#17: such an HSM never
// recovers; deleting it and creating it again is the fix).
//
// Counting needs a record that outlives the failed HSM: isComplete polls get the event as onEvent left
// it, and a deleted HSM is soon no longer described. HSMs carry no tags, so the record is a tag on the
// cluster, `cdk-cloudhsm:degraded-hsms:<key>` = the ids of this request's HSMs that went DEGRADED,
// space-separated. The key is a digest of the stack, the resource and the request, so that every
// delivery of one request shares it and no other request reads it. DescribeClusters returns the
// cluster's tags, so the polls read the record without another call; it is written only when an HSM
// goes DEGRADED and removed when the create ends. Tags under `cdk-cloudhsm:` are the library's own:
// the cluster's tag reconciliation leaves them alone (tags.ts).

import { createHash } from 'crypto';
import { Cluster, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { cloudHsm } from './aws';
import { fromTagList, INTERNAL_TAG_PREFIX } from './tags';
import { ResourceEvent } from './types';

const PREFIX = `${INTERNAL_TAG_PREFIX}degraded-hsms:`;

/** How often an HSM that goes DEGRADED on create is replaced before the create fails, unless the resource says. */
export const DEFAULT_DEGRADED_RETRIES = 1;

/** The tag key of this request's record. */
export function recordKey(event: ResourceEvent): string {
  const digest = createHash('sha256').update(`${event.StackId}\n${event.LogicalResourceId}\n${event.RequestId}`).digest('hex');
  return `${PREFIX}${digest.slice(0, 20)}`;
}

/** The HSMs of this request that went DEGRADED so far, as the cluster's tags record them. */
export function degradedSoFar(cluster: Cluster, key: string): string[] {
  const value = fromTagList(cluster.TagList)[key];
  return value ? value.split(' ').filter((id) => id.length > 0) : [];
}

/** Adds an HSM to the record; returns the HSMs recorded now. */
export async function recordDegraded(cluster: Cluster, key: string, hsmId: string): Promise<string[]> {
  const ids = [...new Set([...degradedSoFar(cluster, key), hsmId])];
  await cloudHsm().send(new TagResourceCommand({ ResourceId: cluster.ClusterId, TagList: [{ Key: key, Value: ids.join(' ') }] }));
  return ids;
}

/** Removes the record once the create has ended (nothing to do when there is none). */
export async function clearRecord(cluster: Cluster, key: string): Promise<void> {
  if (!(key in fromTagList(cluster.TagList))) return;
  await cloudHsm().send(new UntagResourceCommand({ ResourceId: cluster.ClusterId, TagKeyList: [key] }));
}
