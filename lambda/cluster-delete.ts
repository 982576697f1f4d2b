import { Cluster, DeleteClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { cloudHsm, isInvalidRequest, isNotFound, messageOf } from './aws';
import { describeCluster, TRANSITIONAL_STATES } from './cluster-state';
import { log } from './log';
import { clusterLabel, clustersOfRequest, discardDuplicates, PendingCluster, TWINS_TAG } from './pending-cluster';
import { CREATE_REQUEST_TAG, fromTagList } from './tags';
import { ResourceEvent } from './types';

// The cluster handler's Delete steps: a settled cluster by its id, or every cluster of a create
// request that failed before it completed.

function hsmsError(event: ResourceEvent, clusterId: string, hsms: readonly { HsmId?: string }[]): Error {
  return new Error(`${clusterLabel(event, clusterId)} cannot be deleted: it still has ${hsms.length} HSM(s) `
    + `(${hsms.map((h) => h.HsmId).join(', ')}) that this stack does not manage; delete them first`);
}

/**
 * DeleteCluster for a settled cluster; false while it is not gone. A refusal because the cluster
 * started another change (or is being deleted by another invocation) is retried on the next poll.
 */
async function requestDelete(event: ResourceEvent, cluster: Cluster): Promise<boolean> {
  const clusterId = cluster.ClusterId!;
  const state = cluster.State ?? '';
  if (TRANSITIONAL_STATES.has(state)) return false;
  const hsms = cluster.Hsms ?? [];
  if (hsms.length > 0) throw hsmsError(event, clusterId, hsms);
  try {
    await cloudHsm().send(new DeleteClusterCommand({ ClusterId: clusterId }));
    log(event, 'DeleteCluster', { clusterId });
  } catch (err) {
    if (isNotFound(err)) return true;
    if (isInvalidRequest(err) && /in[- ]progress|state/i.test(messageOf(err))) return false;
    throw new Error(`${clusterLabel(event, clusterId)}: DeleteCluster failed: ${messageOf(err)}`);
  }
  return false;
}

/** Calls DeleteCluster unless the cluster is gone or already going; true when nothing is left to wait for. */
export async function deleteStep(event: ResourceEvent, clusterId: string): Promise<boolean> {
  const cluster = await describeCluster(clusterId);
  if (!cluster) return true;
  if (cluster.State === 'DELETED') {
    // A marked cluster's request made twins (a lost CreateCluster response, a late concurrent attempt).
    const own = fromTagList(cluster.TagList);
    const requestId = own[CREATE_REQUEST_TAG];
    return own[TWINS_TAG] !== 'true' || !requestId || !(await discardDuplicates(event, clusterId, requestId, cluster.VpcId));
  }
  return requestDelete(event, cluster);
}

/**
 * The Delete of a create that failed before it completed (its physical id is the pending one):
 * every cluster of that request is deleted; true when none is left.
 */
export async function deletePending(event: ResourceEvent, pending: PendingCluster): Promise<boolean> {
  const clusters = await clustersOfRequest(pending.requestId, pending.vpcId || undefined);
  for (const c of clusters) {
    if (c.State !== 'DELETE_IN_PROGRESS') await requestDelete(event, c);
  }
  return clusters.length === 0;
}
