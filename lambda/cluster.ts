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
import { describeCluster, STABLE_STATES, TRANSITIONAL_STATES } from './cluster-state';
import { log } from './log';
import { CREATE_REQUEST_TAG, fromTagList, INTERNAL_TAG_PREFIX, hasTagChanges, parseTagsProperty, tagChanges, TagChanges, toTagList } from './tags';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import { P } from '../src/private/property-names';
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
    checkHsmType(P.hsmType, props.hsmType),
    checkSubnetCount(P.vpcSubnets, subnetIds),
    props.sourceBackupId === undefined ? undefined : checkSourceBackup(P.sourceBackupId, props.sourceBackupId),
    retention === undefined ? undefined : checkRetentionDays(P.backupRetention, retention),
    props.mode === undefined ? undefined : checkOneOf(P.mode, props.mode, CLUSTER_MODES),
    props.networkType === undefined ? undefined : checkOneOf(P.networkType, props.networkType, NETWORK_TYPES),
    ...checkTags(P.tags, props.tags),
  ].filter((e): e is string => e !== undefined);
  if (validate && errors.length > 0) throw new Error(errors.join('; '));
  return props;
}

/** Properties that CreateCluster alone sets: changing one needs a new cluster. */
const CREATE_ONLY: { name: string; read: (p: ClusterProperties) => string }[] = [
  { name: P.vpcSubnets, read: (p) => [...p.subnetIds].sort().join(',') },
  { name: P.mode, read: (p) => p.mode ?? 'FIPS' },
  { name: P.networkType, read: (p) => p.networkType ?? 'IPV4' },
  { name: P.sourceBackupId, read: (p) => p.sourceBackupId ?? '' },
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
async function clustersOfRequest(requestId: string, vpcId?: string): Promise<Cluster[]> {
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
function split(clusters: Cluster[]): { keep?: Cluster; twins: Cluster[] } {
  const [keep, ...twins] = clusters.filter((c) => c.State !== 'DELETE_IN_PROGRESS');
  return { keep, twins };
}

/** Marks a cluster whose request made twins: its next update and its deletion look for them. */
async function markTwins(event: ResourceEvent, clusterId: string): Promise<void> {
  try {
    await cloudHsm().send(new TagResourceCommand({ ResourceId: clusterId, TagList: [{ Key: TWINS_TAG, Value: 'true' }] }));
  } catch (err) {
    log(event, 'could not mark the cluster for twin clean-up', { clusterId, error: messageOf(err) });
  }
}

async function createCluster(event: ResourceEvent, props: ClusterProperties): Promise<OnEventResponse> {
  const started = Date.now();
  // An earlier (or concurrent) attempt of this request may have created the cluster already.
  const { keep: existing } = split(await clustersOfRequest(event.RequestId));
  if (existing?.ClusterId) {
    log(event, 'found the cluster an earlier attempt of this request created', { clusterId: existing.ClusterId });
    return { PhysicalResourceId: pendingClusterId(existing.VpcId, event.RequestId) };
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
  const clusterId = out.Cluster?.ClusterId;
  if (!clusterId) throw new Error(`${label(event)}: CreateCluster returned no cluster id`);
  const vpcId = out.Cluster?.VpcId;
  log(event, 'CreateCluster', { clusterId, state: out.Cluster?.State, attempts: out.$metadata?.attempts });
  if (Date.now() - started > LATE_CREATE_MS) {
    // A concurrent attempt's waiter may have completed on another cluster of this request already.
    const { keep, twins } = split(await clustersOfRequest(event.RequestId, vpcId));
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
  log(event, 'stable', { clusterId, state });
  return { IsComplete: true, Data: attributes(cluster) };
}

/**
 * A create (or replacement) whose physical id is still the pending one: one listing of the VPC shows
 * the request's cluster and its twins; twins are deleted, the oldest is brought to the desired
 * properties, and its id becomes the physical id when nothing is left to wait for.
 */
async function settleCreate(event: ResourceEvent, pending: PendingCluster): Promise<IsCompleteResponse> {
  const { keep, twins } = split(await clustersOfRequest(pending.requestId, pending.vpcId || undefined));
  if (!keep?.ClusterId) {
    throw new Error(`${label(event)}: no cluster of this request exists any more (deleted outside this stack?)`);
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
    throw new Error(`${label(event, clusterId)}: the cluster no longer exists (deleted outside this stack?)`);
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

/** The twins are gone (or going): the mark is removed, so later polls make one call again. */
async function unmarkTwins(event: ResourceEvent, clusterId: string): Promise<void> {
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
async function discardTwins(event: ResourceEvent, keep: string, twins: readonly Cluster[]): Promise<boolean> {
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
      throw new Error(`${label(event, keep)}: DeleteCluster of the twin cluster ${c.ClusterId} failed: ${messageOf(err)}`);
    }
  }
  return waiting;
}

/** Lists the request's clusters (in the kept cluster's VPC) and deletes the twins; true while one is still settling. */
async function discardDuplicates(event: ResourceEvent, keep: string, requestId: string, vpcId?: string): Promise<boolean> {
  const twins = (await clustersOfRequest(requestId, vpcId))
    .filter((c) => c.ClusterId !== keep && c.State !== 'DELETE_IN_PROGRESS');
  return discardTwins(event, keep, twins);
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

function hsmsError(event: ResourceEvent, clusterId: string, hsms: readonly { HsmId?: string }[]): Error {
  return new Error(`${label(event, clusterId)} cannot be deleted: it still has ${hsms.length} HSM(s) `
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
    throw new Error(`${label(event, clusterId)}: DeleteCluster failed: ${messageOf(err)}`);
  }
  return false;
}

/** Calls DeleteCluster unless the cluster is gone or already going; true when nothing is left to wait for. */
async function deleteStep(event: ResourceEvent, clusterId: string): Promise<boolean> {
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
async function deletePending(event: ResourceEvent, pending: PendingCluster): Promise<boolean> {
  const clusters = await clustersOfRequest(pending.requestId, pending.vpcId || undefined);
  for (const c of clusters) {
    if (c.State !== 'DELETE_IN_PROGRESS') await requestDelete(event, c);
  }
  return clusters.length === 0;
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
