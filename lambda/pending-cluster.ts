import { Cluster, DeleteClusterCommand, DescribeClustersCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { cloudHsm, isInvalidRequest, isNotFound, messageOf } from './aws';
import { TRANSITIONAL_STATES } from './cluster-state';
import { log } from './log';
import { CREATE_REQUEST_TAG, fromTagList, INTERNAL_TAG_PREFIX } from './tags';
import { ResourceEvent } from './types';

// The identity of a cluster whose create has not settled yet, and the twins one create request can
// make: finding the request's clusters by their tag, marking them and deleting the extra ones.

/** Set on a cluster whose create request may have made twins (see markTwins). */
export const TWINS_TAG = `${INTERNAL_TAG_PREFIX}twins`;

/** How errors and logs name the cluster resource. */
export function clusterLabel(event: ResourceEvent, clusterId?: string): string {
  return `HsmCluster ${event.LogicalResourceId}${clusterId ? ` (${clusterId})` : ''}`;
}

/**
 * Until its create has settled, the resource's physical id names the create request and the VPC of
 * its cluster, not the cluster: `cdk-cloudhsm:pending-cluster:<vpcId>:<requestId>`. It is the same
 * for every attempt of the request, so onEvent invocations that run at the same moment return the
 * same id, and every waiter execution settles on the same cluster; the cluster id replaces it when
 * the create completes (isComplete returns it as PhysicalResourceId). A create that fails before
 * that is deleted by this id: the Delete finds the request's clusters by their tag.
 *
 * Concurrent attempts of one create (the framework's onEvent retried while the first still runs:
 * each framework invocation starts its own waiter execution) may each call CreateCluster, and an
 * SDK retry of a CreateCluster whose response was lost makes a second cluster too. All of them carry
 * the request tag, and every poll lists the VPC's clusters (one DescribeClusters, the one a poll by
 * id would make), so each waiter execution sees every cluster of the request:
 * - the oldest (CreateTimestamp, then ClusterId) is the request's cluster, for every execution;
 * - the others (twins) are deleted as soon as they are settled (the service refuses earlier); the
 *   create completes only when no twin is left to wait for;
 * - an attempt whose create landed after an execution had already completed (possible only when
 *   that attempt took longer than a cluster takes to be created, see LATE_CREATE_MS) gets its own
 *   waiter execution, which settles on the same oldest cluster and deletes the twin; in case no
 *   waiter runs for it, the attempt also marks the request's clusters (TWINS_TAG), and the next
 *   update or the deletion of the stack's cluster deletes the twins.
 */
const PENDING_PREFIX = 'cdk-cloudhsm:pending-cluster:';

export interface PendingCluster {
  /** the VPC of the request's clusters (empty: unknown, every cluster of the region is listed) */
  readonly vpcId: string;
  readonly requestId: string;
}

export function pendingClusterId(vpcId: string | undefined, requestId: string): string {
  return `${PENDING_PREFIX}${vpcId ?? ''}:${requestId}`;
}

export function parsePendingClusterId(physicalId: string | undefined): PendingCluster | undefined {
  if (!physicalId?.startsWith(PENDING_PREFIX)) return undefined;
  const rest = physicalId.slice(PENDING_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon < 0 || colon === rest.length - 1) return undefined;
  return { vpcId: rest.slice(0, colon), requestId: rest.slice(colon + 1) };
}

/**
 * An attempt slower than this, from its listing to CreateCluster's answer, lists the request's
 * clusters again after creating. A faster one cannot have missed a waiter execution's completing
 * poll: a cluster created after that attempt's listing is CREATE_IN_PROGRESS for minutes, and no
 * execution completes before the request's oldest cluster has left CREATE_IN_PROGRESS. So only
 * slow attempts (throttled, retried) spend the extra call.
 */
export const LATE_CREATE_MS = 10_000;

function olderThan(a: Cluster, b: Cluster): boolean {
  const ta = Number(a.CreateTimestamp ?? 0);
  const tb = Number(b.CreateTimestamp ?? 0);
  return ta !== tb ? ta < tb : (a.ClusterId ?? '') < (b.ClusterId ?? '');
}

/**
 * The clusters carrying a request's tag (DELETED ones left out), oldest first; in one VPC when it is
 * known. One DescribeClusters unless the VPC holds more clusters than a page.
 */
export async function clustersOfRequest(requestId: string, vpcId?: string): Promise<Cluster[]> {
  const found: Cluster[] = [];
  let NextToken: string | undefined;
  do {
    const out = await cloudHsm().send(new DescribeClustersCommand({ Filters: vpcId ? { vpcIds: [vpcId] } : undefined, NextToken }));
    for (const c of out.Clusters ?? []) {
      if (c.State === 'DELETED' || fromTagList(c.TagList)[CREATE_REQUEST_TAG] !== requestId) continue;
      found.push(c);
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return found.sort((a, b) => (olderThan(a, b) ? -1 : olderThan(b, a) ? 1 : 0));
}

/** The request's clusters that are not being deleted: the one it keeps (the oldest) and its twins. */
export function keptAndTwins(clusters: Cluster[]): { keep?: Cluster; twins: Cluster[] } {
  const [keep, ...twins] = clusters.filter((c) => c.State !== 'DELETE_IN_PROGRESS');
  return { keep, twins };
}

/** Marks a cluster whose request made twins: its next update and its deletion look for them. */
export async function markTwins(event: ResourceEvent, clusterId: string): Promise<void> {
  try {
    await cloudHsm().send(new TagResourceCommand({ ResourceId: clusterId, TagList: [{ Key: TWINS_TAG, Value: 'true' }] }));
  } catch (err) {
    log(event, 'could not mark the cluster for twin clean-up', { clusterId, error: messageOf(err) });
  }
}

/** The twins are gone (or going): the mark is removed, so later polls make one call again. */
export async function unmarkTwins(event: ResourceEvent, clusterId: string): Promise<void> {
  try {
    await cloudHsm().send(new UntagResourceCommand({ ResourceId: clusterId, TagKeyList: [TWINS_TAG] }));
  } catch (err) {
    log(event, 'could not remove the twin mark', { clusterId, error: messageOf(err) });
  }
}

/**
 * Deletes the twins of the kept cluster that are settled; true while one is still being created or
 * changed (the service refuses to delete it yet). A twin with HSMs is someone's, not a twin of ours
 * any more: it is left alone and logged. A refusal because another waiter execution is deleting the
 * same twin just means it is going.
 */
export async function discardTwins(event: ResourceEvent, keep: string, twins: readonly Cluster[]): Promise<boolean> {
  let waiting = false;
  for (const c of twins) {
    if (TRANSITIONAL_STATES.has(c.State ?? '')) {
      waiting = true;
      continue;
    }
    if ((c.Hsms?.length ?? 0) > 0) {
      log(event, 'a twin cluster of this request has HSMs; left alone', { clusterId: c.ClusterId, kept: keep });
      continue;
    }
    try {
      await cloudHsm().send(new DeleteClusterCommand({ ClusterId: c.ClusterId }));
      log(event, 'deleted a twin cluster of this request', { clusterId: c.ClusterId, kept: keep });
    } catch (err) {
      if (isNotFound(err)) continue;
      if (isInvalidRequest(err) && /in[- ]progress|state/i.test(messageOf(err))) {
        waiting = true;
        continue;
      }
      throw new Error(`${clusterLabel(event, keep)}: DeleteCluster of the twin cluster ${c.ClusterId} failed: ${messageOf(err)}`);
    }
  }
  return waiting;
}

/** Lists the request's clusters (in the kept cluster's VPC) and deletes the twins; true while one is still settling. */
export async function discardDuplicates(event: ResourceEvent, keep: string, requestId: string, vpcId?: string): Promise<boolean> {
  const twins = (await clustersOfRequest(requestId, vpcId))
    .filter((c) => c.ClusterId !== keep && c.State !== 'DELETE_IN_PROGRESS');
  return discardTwins(event, keep, twins);
}
