import {
  Cluster,
  CreateClusterCommand,
  CreateClusterCommandInput,
  DeleteClusterCommand,
  DescribeClustersCommand,
  ModifyClusterCommand,
  ModifyClusterCommandInput,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { cloudHsm, isInvalidRequest, isNotFound, messageOf } from './aws';
import { log } from './log';
import { CREATE_REQUEST_TAG, fromTagList, INTERNAL_TAG_PREFIX, hasTagChanges, parseTagsProperty, tagChanges, TagChanges, toTagList } from './tags';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import {
  checkHsmType,
  checkOneOf,
  checkRetentionDays,
  checkSourceBackup,
  checkSubnetCount,
  checkTags,
  CLUSTER_ID_PATTERN,
  CLUSTER_MODES,
  NETWORK_TYPES,
} from '../src/private/rules';

/** Set on a cluster whose create request may have made twins (see markTwins). */
const TWINS_TAG = `${INTERNAL_TAG_PREFIX}twins`;

/** States in which the cluster accepts changes. */
export const STABLE_STATES = new Set(['UNINITIALIZED', 'INITIALIZED', 'ACTIVE']);
/** States the cluster leaves by itself; the handler waits them out. */
export const TRANSITIONAL_STATES = new Set([
  'CREATE_IN_PROGRESS', 'INITIALIZE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'MODIFY_IN_PROGRESS',
  'ROLLBACK_IN_PROGRESS', 'DELETE_IN_PROGRESS',
]);

/** The `Custom::CloudHsmCluster` properties, parsed from CloudFormation's strings. */
export interface ClusterProperties {
  readonly hsmType: string;
  readonly subnetIds: string[];
  readonly sourceBackupId?: string;
  readonly backupRetentionDays?: number;
  readonly mode?: string;
  readonly networkType?: string;
  readonly tags: Record<string, string>;
  readonly allowReplacement: boolean;
}

/** Parses and checks the properties; values that were tokens at synth time are first seen here. */
export function parseClusterProperties(raw: Record<string, any>, validate = true): ClusterProperties {
  const subnetIds: string[] = Array.isArray(raw.SubnetIds) ? raw.SubnetIds.map(String) : [];
  const retention = raw.BackupRetentionDays === undefined || raw.BackupRetentionDays === ''
    ? undefined : Number(raw.BackupRetentionDays);
  const props: ClusterProperties = {
    hsmType: String(raw.HsmType ?? ''),
    subnetIds,
    sourceBackupId: raw.SourceBackupId || undefined,
    backupRetentionDays: retention,
    mode: raw.Mode || undefined,
    networkType: raw.NetworkType || undefined,
    tags: parseTagsProperty(raw.Tags),
    allowReplacement: String(raw.AllowReplacement) === 'true',
  };
  const errors = [
    checkHsmType('hsmType', props.hsmType),
    checkSubnetCount('vpcSubnets', subnetIds),
    props.sourceBackupId === undefined ? undefined : checkSourceBackup('sourceBackupId', props.sourceBackupId),
    retention === undefined ? undefined : checkRetentionDays('backupRetention', retention),
    props.mode === undefined ? undefined : checkOneOf('mode', props.mode, CLUSTER_MODES),
    props.networkType === undefined ? undefined : checkOneOf('networkType', props.networkType, NETWORK_TYPES),
    ...checkTags('tags', props.tags),
  ].filter((e): e is string => e !== undefined);
  if (validate && errors.length > 0) throw new Error(errors.join('; '));
  return props;
}

/** Properties that CreateCluster alone sets: changing one needs a new cluster. */
const CREATE_ONLY: { name: string; read: (p: ClusterProperties) => string }[] = [
  { name: 'vpcSubnets (SubnetIds)', read: (p) => [...p.subnetIds].sort().join(',') },
  { name: 'mode', read: (p) => p.mode ?? 'FIPS' },
  { name: 'networkType', read: (p) => p.networkType ?? 'IPV4' },
  { name: 'sourceBackupId', read: (p) => p.sourceBackupId ?? '' },
];

/** The create-only properties that differ between two property sets. */
export function createOnlyChanges(oldProps: ClusterProperties, newProps: ClusterProperties): string[] {
  return CREATE_ONLY
    .filter((c) => c.read(oldProps) !== c.read(newProps))
    .map((c) => `${c.name} (${JSON.stringify(c.read(oldProps))} -> ${JSON.stringify(c.read(newProps))})`);
}

function label(event: ResourceEvent, clusterId?: string): string {
  return `HsmCluster ${event.LogicalResourceId}${clusterId ? ` (${clusterId})` : ''}`;
}

export async function describeCluster(clusterId: string): Promise<Cluster | undefined> {
  try {
    const out = await cloudHsm().send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }));
    return out.Clusters?.find((c) => c.ClusterId === clusterId);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * The live clusters of a create request (Lambda retries onEvent; the SDK retries a CreateCluster whose
 * response was lost, which makes a twin). The oldest is the request's cluster, so every attempt
 * settles on the same one; twins are deleted once they settle.
 */
async function findCreatedBy(requestId: string): Promise<{ oldest?: Cluster; count: number }> {
  let oldest: Cluster | undefined;
  let count = 0;
  let NextToken: string | undefined;
  do {
    const out = await cloudHsm().send(new DescribeClustersCommand({ NextToken }));
    for (const c of out.Clusters ?? []) {
      if (c.State === 'DELETED' || c.State === 'DELETE_IN_PROGRESS' || fromTagList(c.TagList)[CREATE_REQUEST_TAG] !== requestId) continue;
      count++;
      if (!oldest || olderThan(c, oldest)) oldest = c;
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return { oldest, count };
}

/**
 * Marks a cluster whose request may have made twins, so that only then does completion (and deletion)
 * spend a listing call on finding them: every other poll stays at one DescribeClusters.
 */
async function markTwins(event: ResourceEvent, clusterId: string): Promise<void> {
  try {
    await cloudHsm().send(new TagResourceCommand({ ResourceId: clusterId, TagList: [{ Key: TWINS_TAG, Value: 'true' }] }));
  } catch (err) {
    log(event, 'could not mark the cluster for twin clean-up', { clusterId, error: messageOf(err) });
  }
}

function olderThan(a: Cluster, b: Cluster): boolean {
  const ta = Number(a.CreateTimestamp ?? 0);
  const tb = Number(b.CreateTimestamp ?? 0);
  return ta !== tb ? ta < tb : (a.ClusterId ?? '') < (b.ClusterId ?? '');
}

async function createCluster(event: ResourceEvent, props: ClusterProperties): Promise<OnEventResponse> {
  const { oldest: existing, count } = await findCreatedBy(event.RequestId);
  if (existing?.ClusterId) {
    log(event, 'found the cluster an earlier attempt of this request created', { clusterId: existing.ClusterId });
    if (count > 1) await markTwins(event, existing.ClusterId);
    return { PhysicalResourceId: existing.ClusterId };
  }
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
  let clusterId = out.Cluster?.ClusterId;
  if (!clusterId) throw new Error(`${label(event)}: CreateCluster returned no cluster id`);
  if ((out.$metadata?.attempts ?? 1) > 1) {
    // The SDK retried: an earlier attempt may have created a cluster whose response was lost.
    clusterId = (await findCreatedBy(event.RequestId)).oldest?.ClusterId ?? clusterId;
    await markTwins(event, clusterId);
  }
  log(event, 'CreateCluster', { clusterId, state: out.Cluster?.State });
  return { PhysicalResourceId: clusterId };
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
 * One reconciliation step towards the desired properties: waits out transitional states, applies
 * tag differences and at most one ModifyCluster, and completes when nothing is left to change.
 * Every step is idempotent, so a repeated invocation does no harm.
 */
async function converge(event: ResourceEvent, clusterId: string): Promise<IsCompleteResponse> {
  const props = parseClusterProperties(event.ResourceProperties);
  const previousTags = event.RequestType === 'Update' && event.OldResourceProperties
    ? parseTagsProperty(event.OldResourceProperties.Tags) : {};
  const cluster = await describeCluster(clusterId);
  if (!cluster || cluster.State === 'DELETED') {
    throw new Error(`${label(event, clusterId)}: the cluster no longer exists (deleted outside this stack?)`);
  }
  const state = cluster.State ?? '';
  if (state === 'DEGRADED') {
    await discardIfCreatedBy(event, cluster);
    throw new Error(`${label(event, clusterId)} is DEGRADED: ${cluster.StateMessage ?? 'no state message'}`);
  }
  if (TRANSITIONAL_STATES.has(state)) {
    log(event, 'waiting', { clusterId, state });
    return NOT_COMPLETE;
  }
  if (!STABLE_STATES.has(state)) {
    throw new Error(`${label(event, clusterId)} is in the unexpected state ${state}: ${cluster.StateMessage ?? ''}`);
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
      throw new Error(`${label(event, clusterId)}: ModifyCluster failed: ${messageOf(err)}`);
    }
    log(event, 'ModifyCluster', { clusterId, change: Object.keys(modification).filter((k) => k !== 'ClusterId') });
    return NOT_COMPLETE;
  }
  const own = fromTagList(cluster.TagList);
  if (own[TWINS_TAG] === 'true' && own[CREATE_REQUEST_TAG] === event.RequestId && await discardDuplicates(event, clusterId, event.RequestId)) {
    return NOT_COMPLETE;
  }
  log(event, 'stable', { clusterId, state });
  return { IsComplete: true, Data: attributes(cluster) };
}

/**
 * A CreateCluster whose response was lost is retried by the SDK and makes a second cluster with the
 * same request tag. Once ours is stable, the others are deleted; true while one is still settling.
 */
async function discardDuplicates(event: ResourceEvent, keep: string, requestId: string): Promise<boolean> {
  let waiting = false;
  let NextToken: string | undefined;
  do {
    const out = await cloudHsm().send(new DescribeClustersCommand({ NextToken }));
    for (const c of out.Clusters ?? []) {
      if (c.ClusterId === keep || fromTagList(c.TagList)[CREATE_REQUEST_TAG] !== requestId) continue;
      if (c.State === 'DELETED' || c.State === 'DELETE_IN_PROGRESS') continue;
      if (TRANSITIONAL_STATES.has(c.State ?? '') || (c.Hsms?.length ?? 0) > 0) {
        waiting = true;
        continue;
      }
      await cloudHsm().send(new DeleteClusterCommand({ ClusterId: c.ClusterId }));
      log(event, 'deleted a duplicate cluster of this request', { clusterId: c.ClusterId, kept: keep });
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return waiting;
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

/** Calls DeleteCluster unless the cluster is gone or already going; true when nothing is left to wait for. */
async function deleteStep(event: ResourceEvent, clusterId: string): Promise<boolean> {
  const cluster = await describeCluster(clusterId);
  if (!cluster) return true;
  if (cluster.State === 'DELETED') {
    // A create whose CreateCluster response was lost may have left a twin with the same request tag.
    const own = fromTagList(cluster.TagList);
    const requestId = own[CREATE_REQUEST_TAG];
    return own[TWINS_TAG] !== 'true' || !requestId || !(await discardDuplicates(event, clusterId, requestId));
  }
  const state = cluster.State ?? '';
  if (TRANSITIONAL_STATES.has(state)) return false;
  const hsms = cluster.Hsms ?? [];
  if (hsms.length > 0) {
    throw new Error(`${label(event, clusterId)} cannot be deleted: it still has ${hsms.length} HSM(s) `
      + `(${hsms.map((h) => h.HsmId).join(', ')}) that this stack does not manage; delete them first`);
  }
  try {
    await cloudHsm().send(new DeleteClusterCommand({ ClusterId: clusterId }));
    log(event, 'DeleteCluster', { clusterId });
  } catch (err) {
    if (isNotFound(err)) return true;
    if (isInvalidRequest(err) && /in[- ]progress|state/i.test(messageOf(err))) return false;
    throw new Error(`${label(event, clusterId)}: DeleteCluster failed: ${messageOf(err)}`);
  }
  return false;
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
            throw new Error(`${label(event, event.PhysicalResourceId)}: ${changed.join(', ')} can only be set when a cluster `
              + 'is created, so this change needs a new cluster. Set allowReplacement: true to create one '
              + '(the old cluster and its keys are kept or deleted according to its removal policy), or revert the change.');
          }
          log(event, 'replacing the cluster', { changed });
          return createCluster(event, props);
        }
        return { PhysicalResourceId: event.PhysicalResourceId };
      }
      case 'Delete': {
        const id = event.PhysicalResourceId ?? '';
        // A create that failed before CreateCluster leaves a physical id that is no cluster id.
        if (CLUSTER_ID_PATTERN.test(id)) await deleteStep(event, id);
        return { PhysicalResourceId: id };
      }
    }
  },

  async isComplete(event) {
    const id = event.PhysicalResourceId ?? '';
    if (event.RequestType === 'Delete') {
      if (!CLUSTER_ID_PATTERN.test(id)) return { IsComplete: true };
      return { IsComplete: await deleteStep(event, id) };
    }
    return converge(event, id);
  },
};
