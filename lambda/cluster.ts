import {
  Cluster,
  CreateClusterCommand,
  CreateClusterCommandInput,
  DeleteClusterCommand,
  ModifyClusterCommand,
  ModifyClusterCommandInput,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { requireCloudHsmZones } from './availability-zones';
import { cloudHsm, isInvalidRequest, messageOf } from './aws';
import { deletePending, deleteStep } from './cluster-delete';
import { ClusterProperties, createOnlyChanges, parseClusterProperties } from './cluster-properties';
import { describeCluster, STABLE_STATES, TRANSITIONAL_STATES } from './cluster-state';
import { log } from './log';
import {
  clusterLabel,
  clustersOfRequest,
  discardDuplicates,
  discardTwins,
  keptAndTwins,
  LATE_CREATE_MS,
  markTwins,
  PendingCluster,
  parsePendingClusterId,
  pendingClusterId,
  TWINS_TAG,
  unmarkTwins,
} from './pending-cluster';
import { CREATE_REQUEST_TAG, fromTagList, hasTagChanges, parseTagsProperty, tagChanges, TagChanges, toTagList } from './tags';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import { P } from '../src/private/property-names';
import { CLUSTER_ID_PATTERN } from '../src/private/rules';

// The Custom::CloudHsmCluster handler: create, update and the waits that settle them here; the
// properties in cluster-properties.ts, the pending identity and twins in pending-cluster.ts, the
// Delete steps in cluster-delete.ts.
export { createOnlyChanges, parseClusterProperties } from './cluster-properties';
export type { ClusterProperties } from './cluster-properties';
export { LATE_CREATE_MS, parsePendingClusterId, pendingClusterId } from './pending-cluster';
export type { PendingCluster } from './pending-cluster';

async function createCluster(event: ResourceEvent, props: ClusterProperties): Promise<OnEventResponse> {
  const started = Date.now();
  // An earlier (or concurrent) attempt of this request may have created the cluster already.
  const { keep: existing } = keptAndTwins(await clustersOfRequest(event.RequestId));
  if (existing?.ClusterId) {
    log(event, 'found the cluster an earlier attempt of this request created', { clusterId: existing.ClusterId });
    return { PhysicalResourceId: pendingClusterId(existing.VpcId, event.RequestId) };
  }
  // Nothing is created when a subnet is in an Availability Zone without CloudHSM (issue #26).
  await requireCloudHsmZones(event, props.subnetIds);
  // Mode and NetworkType are newer than some SDK versions' models; the JSON serializer passes them through.
  const input: CreateClusterCommandInput & { Mode?: string; NetworkType?: string } = {
    HsmType: props.hsmType,
    SubnetIds: props.subnetIds,
    SourceBackupId: props.sourceBackupId,
    BackupRetentionPolicy: props.backupRetentionDays === undefined
      ? undefined : { Type: 'DAYS', Value: String(props.backupRetentionDays) },
    Mode: props.mode,
    NetworkType: props.networkType,
    TagList: toTagList({ ...props.tags, [CREATE_REQUEST_TAG]: event.RequestId }),
  };
  const out = await cloudHsm().send(new CreateClusterCommand(input));
  const clusterId = out.Cluster?.ClusterId;
  if (!clusterId) throw new Error(`${clusterLabel(event)}: CreateCluster returned no cluster id`);
  const vpcId = out.Cluster?.VpcId;
  log(event, 'CreateCluster', { clusterId, state: out.Cluster?.State, attempts: out.$metadata?.attempts });
  if (Date.now() - started > LATE_CREATE_MS) {
    // A concurrent attempt's waiter may have completed on another cluster of this request already.
    const { keep, twins } = keptAndTwins(await clustersOfRequest(event.RequestId, vpcId));
    if (keep && twins.length > 0) {
      for (const c of [keep, ...twins]) await markTwins(event, c.ClusterId!);
      log(event, 'this request has more than one cluster; marked them for clean-up', { clusterId, kept: keep.ClusterId });
    }
  }
  return { PhysicalResourceId: pendingClusterId(vpcId, event.RequestId) };
}

/**
 * ModifyCluster input as the current API has it: retention and HsmType are each optional. Some SDK
 * versions model only a required retention; the JSON serializer passes the input through as given.
 */
interface Modification {
  readonly ClusterId: string;
  readonly BackupRetentionPolicy?: ModifyClusterCommandInput['BackupRetentionPolicy'];
  readonly HsmType?: string;
}

/** The next change that brings the cluster to the desired properties, or undefined when it matches. */
function nextModification(cluster: Cluster, props: ClusterProperties): Modification | undefined {
  const clusterId = cluster.ClusterId!;
  if (props.backupRetentionDays !== undefined
    && cluster.BackupRetentionPolicy?.Value !== String(props.backupRetentionDays)) {
    return { ClusterId: clusterId, BackupRetentionPolicy: { Type: 'DAYS', Value: String(props.backupRetentionDays) } };
  }
  if (cluster.HsmType !== undefined && cluster.HsmType !== props.hsmType) {
    return { ClusterId: clusterId, HsmType: props.hsmType };
  }
  return undefined;
}

async function applyTags(clusterId: string, changes: TagChanges): Promise<void> {
  if (Object.keys(changes.set).length > 0) {
    await cloudHsm().send(new TagResourceCommand({ ResourceId: clusterId, TagList: toTagList(changes.set) }));
  }
  if (changes.remove.length > 0) {
    await cloudHsm().send(new UntagResourceCommand({ ResourceId: clusterId, TagKeyList: changes.remove }));
  }
}

function attributes(cluster: Cluster): Record<string, string> {
  // Never PreCoPassword: attributes are visible to anyone who can describe the stack.
  const data: Record<string, string> = {
    ClusterId: cluster.ClusterId ?? '',
    SecurityGroupId: cluster.SecurityGroup ?? '',
    VpcId: cluster.VpcId ?? '',
    State: cluster.State ?? '',
    HsmType: cluster.HsmType ?? '',
    BackupRetentionDays: cluster.BackupRetentionPolicy?.Value ?? '',
  };
  return data;
}

/**
 * One reconciliation step towards the desired properties on the cluster as just described: waits
 * out transitional states, applies tag differences and at most one ModifyCluster, and completes
 * when nothing is left to change. Every step is idempotent, so a repeated invocation does no harm.
 */
async function converge(event: ResourceEvent, cluster: Cluster): Promise<IsCompleteResponse> {
  const clusterId = cluster.ClusterId!;
  const props = parseClusterProperties(event.ResourceProperties);
  const previousTags = event.RequestType === 'Update' && event.OldResourceProperties
    ? parseTagsProperty(event.OldResourceProperties.Tags) : {};
  const state = cluster.State ?? '';
  if (state === 'DEGRADED') {
    await discardIfCreatedBy(event, cluster);
    throw new Error(`${clusterLabel(event, clusterId)} is DEGRADED: ${cluster.StateMessage ?? 'no state message'}`);
  }
  if (TRANSITIONAL_STATES.has(state)) {
    log(event, 'waiting', { clusterId, state });
    return NOT_COMPLETE;
  }
  if (!STABLE_STATES.has(state)) {
    throw new Error(`${clusterLabel(event, clusterId)} is in the unexpected state ${state}: ${cluster.StateMessage ?? ''}`);
  }
  const tags = tagChanges(fromTagList(cluster.TagList), props.tags, previousTags);
  if (hasTagChanges(tags)) {
    await applyTags(clusterId, tags);
    log(event, 'tags updated', { clusterId, set: Object.keys(tags.set), removed: tags.remove });
  }
  const modification = nextModification(cluster, props);
  if (modification) {
    try {
      await cloudHsm().send(new ModifyClusterCommand(modification as ModifyClusterCommandInput));
    } catch (err) {
      // The cluster moved into a transitional state since we looked: try again on the next poll.
      if (isInvalidRequest(err) && /in[- ]progress|state/i.test(messageOf(err))) return NOT_COMPLETE;
      throw new Error(`${clusterLabel(event, clusterId)}: ModifyCluster failed: ${messageOf(err)}`);
    }
    log(event, 'ModifyCluster', { clusterId, change: Object.keys(modification).filter((k) => k !== 'ClusterId') });
    return NOT_COMPLETE;
  }
  log(event, 'stable', { clusterId, state });
  return { IsComplete: true, Data: attributes(cluster) };
}

/**
 * A create (or replacement) whose physical id is still the pending one: one listing of the VPC shows
 * the request's cluster and its twins; twins are deleted, the oldest is brought to the desired
 * properties, and its id becomes the physical id when nothing is left to wait for.
 */
async function settleCreate(event: ResourceEvent, pending: PendingCluster): Promise<IsCompleteResponse> {
  const { keep, twins } = keptAndTwins(await clustersOfRequest(pending.requestId, pending.vpcId || undefined));
  if (!keep?.ClusterId) {
    throw new Error(`${clusterLabel(event)}: no cluster of this request exists any more (deleted outside this stack?)`);
  }
  const waitingForTwins = await discardTwins(event, keep.ClusterId, twins);
  const result = await converge(event, keep);
  if (!result.IsComplete) return result;
  if (waitingForTwins) {
    log(event, 'waiting for a twin cluster of this request to settle before deleting it', { clusterId: keep.ClusterId });
    return NOT_COMPLETE;
  }
  if (fromTagList(keep.TagList)[TWINS_TAG] === 'true') await unmarkTwins(event, keep.ClusterId);
  return { ...result, PhysicalResourceId: keep.ClusterId };
}

/** An update (or a legacy create by cluster id): one DescribeClusters by id, plus a listing only for a marked cluster. */
async function settleExisting(event: ResourceEvent, clusterId: string): Promise<IsCompleteResponse> {
  const cluster = await describeCluster(clusterId);
  if (!cluster || cluster.State === 'DELETED') {
    throw new Error(`${clusterLabel(event, clusterId)}: the cluster no longer exists (deleted outside this stack?)`);
  }
  const result = await converge(event, cluster);
  if (!result.IsComplete) return result;
  const own = fromTagList(cluster.TagList);
  if (own[TWINS_TAG] === 'true' && own[CREATE_REQUEST_TAG]) {
    if (await discardDuplicates(event, clusterId, own[CREATE_REQUEST_TAG], cluster.VpcId)) return NOT_COMPLETE;
    await unmarkTwins(event, clusterId);
  }
  return result;
}

/** A cluster this very request created and that failed is deleted, so a failed create leaves nothing behind. */
async function discardIfCreatedBy(event: ResourceEvent, cluster: Cluster): Promise<void> {
  if (fromTagList(cluster.TagList)[CREATE_REQUEST_TAG] !== event.RequestId || (cluster.Hsms?.length ?? 0) > 0) return;
  try {
    await cloudHsm().send(new DeleteClusterCommand({ ClusterId: cluster.ClusterId }));
    log(event, 'deleted the failed cluster this request created', { clusterId: cluster.ClusterId });
  } catch (err) {
    log(event, 'could not delete the failed cluster', { clusterId: cluster.ClusterId, error: messageOf(err) });
  }
}

export const clusterHandler: ResourceHandler = {
  async onEvent(event) {
    switch (event.RequestType) {
      case 'Create':
        return createCluster(event, parseClusterProperties(event.ResourceProperties));
      case 'Update': {
        const props = parseClusterProperties(event.ResourceProperties);
        // Not validated: in a rollback the old properties are the ones that were just refused.
        const oldProps = parseClusterProperties(event.OldResourceProperties ?? {}, false);
        const changed = createOnlyChanges(oldProps, props);
        if (changed.length > 0) {
          if (!props.allowReplacement) {
            throw new Error(`${clusterLabel(event, event.PhysicalResourceId)}: ${changed.join(', ')} can only be set when a cluster `
              + `is created, so this change needs a new cluster. Set ${P.allowReplacement} to true to create one `
              + '(the old cluster and its keys are kept or deleted according to its removal policy), or revert the change.');
          }
          log(event, 'replacing the cluster', { changed });
          return createCluster(event, props);
        }
        return { PhysicalResourceId: event.PhysicalResourceId };
      }
      case 'Delete': {
        const id = event.PhysicalResourceId ?? '';
        const pending = parsePendingClusterId(id);
        if (pending) await deletePending(event, pending);
        // A create that failed before CreateCluster leaves a physical id that is no cluster id.
        else if (CLUSTER_ID_PATTERN.test(id)) await deleteStep(event, id);
        return { PhysicalResourceId: id };
      }
    }
  },

  async isComplete(event) {
    const id = event.PhysicalResourceId ?? '';
    const pending = parsePendingClusterId(id);
    if (event.RequestType === 'Delete') {
      if (pending) return { IsComplete: await deletePending(event, pending) };
      if (!CLUSTER_ID_PATTERN.test(id)) return { IsComplete: true };
      return { IsComplete: await deleteStep(event, id) };
    }
    return pending ? settleCreate(event, pending) : settleExisting(event, id);
  },
};
