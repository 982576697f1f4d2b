import { Cluster, CreateHsmCommand, DeleteHsmCommand, Hsm } from '@aws-sdk/client-cloudhsm-v2';
import { cloudHsm, isInvalidRequest, isNotFound, messageOf } from './aws';
import { describeCluster, STABLE_STATES, TRANSITIONAL_STATES } from './cluster-state';
import { clearRecord, DEFAULT_DEGRADED_RETRIES, degradedSoFar, recordDegraded, recordKey } from './hsm-degraded';
import { HsmRef, hsmPhysicalId, locateHsm, parseHsmPhysicalId, replacementOf } from './hsm-eni';
import { beginPending, findOurs, parsePendingId, PendingHsm, pendingId } from './hsm-identity';
import { backupsOf, isEmptied, restoreReadiness } from './hsm-restore';
export { parsePendingId, pendingId } from './hsm-identity';
import { log } from './log';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import { P } from '../src/private/property-names';
import {
  ACTIVATION_RULE_ADVICE, checkAvailabilityZone, checkClusterId, checkIpv4, HSM_ID_PATTERN, MAX_DEGRADED_RETRIES, NOT_ACTIVATED_PATTERN,
} from '../src/private/rules';

/** The `Custom::CloudHsmHsm` properties. */
export interface HsmProperties {
  readonly clusterId: string;
  readonly availabilityZone?: string;
  readonly ipAddress?: string;
  /** The CIDR block of the HSM's subnet, when the stack knows it: with the slot, it gives the HSM its address. */
  readonly subnetCidr?: string;
  /** The HSM's place among its cluster's HSMs in the stack (0, 1, ...). */
  readonly slot?: number;
  /** How often an HSM that goes DEGRADED on create is deleted and created again before the create fails. */
  readonly degradedRetries?: number;
}

export function parseHsmProperties(raw: Record<string, any>): HsmProperties {
  const props: HsmProperties = {
    clusterId: String(raw.ClusterId ?? ''),
    availabilityZone: raw.AvailabilityZone || undefined,
    ipAddress: raw.IpAddress || undefined,
    subnetCidr: raw.SubnetCidr || undefined,
    slot: raw.Slot === undefined || raw.Slot === '' ? undefined : Number(raw.Slot),
    degradedRetries: raw.DegradedRetries === undefined || raw.DegradedRetries === '' ? undefined : Number(raw.DegradedRetries),
  };
  const retries = props.degradedRetries;
  const errors = [
    props.slot === undefined || Number.isInteger(props.slot) ? undefined : `Slot: ${JSON.stringify(raw.Slot)} is not a whole number`,
    retries === undefined || (Number.isInteger(retries) && retries >= 0 && retries <= MAX_DEGRADED_RETRIES) ? undefined
      : `${P.degradedRetries}: ${JSON.stringify(raw.DegradedRetries)} is not a whole number from 0 to ${MAX_DEGRADED_RETRIES}`,
    checkClusterId(P.cluster, props.clusterId),
    props.availabilityZone === undefined ? undefined : checkAvailabilityZone(P.availabilityZone, props.availabilityZone),
    props.ipAddress === undefined ? undefined : checkIpv4(P.ipAddress, props.ipAddress),
  ].filter((e): e is string => e !== undefined);
  if (errors.length > 0) throw new Error(errors.join('; '));
  return props;
}

function label(event: ResourceEvent, hsmId?: string): string {
  const id = hsmId && HSM_ID_PATTERN.test(hsmId) ? ` (${hsmId})` : '';
  return `Hsm ${event.LogicalResourceId}${id}`;
}

const ids = (cluster: Cluster): string[] => (cluster.Hsms ?? []).map((h) => h.HsmId ?? '');

async function requireCluster(event: ResourceEvent, clusterId: string): Promise<Cluster> {
  const cluster = await describeCluster(clusterId);
  if (!cluster || cluster.State === 'DELETED' || cluster.State === 'DELETE_IN_PROGRESS') {
    throw new Error(`${label(event)}: cluster ${clusterId} does not exist (or is being deleted)`);
  }
  return cluster;
}

/** The refusal the service gives for a second HSM before activation, said so that the user knows what to do. */
function activationError(event: ResourceEvent, cluster: Cluster): Error {
  const count = cluster.Hsms?.length ?? 0;
  return new Error(`${label(event)}: cluster ${cluster.ClusterId} is ${cluster.State} and already has ${count} HSM(s) `
    + `(${ids(cluster).join(', ')}), so it cannot take another one yet. ${ACTIVATION_RULE_ADVICE}.`);
}

/**
 * Create (or replacement): checks the cluster can take an HSM and returns a pending id. CreateHsm is
 * called by isComplete, which also waits out transitional cluster states first.
 */
async function begin(event: ResourceEvent, props: HsmProperties): Promise<OnEventResponse> {
  const cluster = await requireCluster(event, props.clusterId);
  const existing = ids(cluster);
  if (existing.length > 0 && cluster.State !== 'ACTIVE' && !TRANSITIONAL_STATES.has(cluster.State ?? '')) {
    throw activationError(event, cluster);
  }
  const zones = (Object.keys(cluster.SubnetMapping ?? {}));
  if (props.availabilityZone && zones.length > 0 && !zones.includes(props.availabilityZone)) {
    throw new Error(`${label(event)}: ${P.availabilityZone}: "${props.availabilityZone}" is not one of the Availability Zones `
      + `of cluster ${props.clusterId} (${zones.sort().join(', ')})`);
  }
  let pending: PendingHsm;
  try {
    pending = await beginPending(cluster, props);
  } catch (err) {
    throw new Error(`${label(event)}: ${messageOf(err)}`);
  }
  log(event, 'placing HSM', { clusterId: props.clusterId, hsmsBefore: existing.length, address: pending.address });
  return { PhysicalResourceId: pendingId(props.clusterId, [...pending.before], pending.address) };
}

/** The cluster AZ with the fewest HSMs (ties by name), so default placement spreads HSMs out. */
export function leastUsedZone(cluster: Cluster): string | undefined {
  const count = new Map<string, number>(Object.keys(cluster.SubnetMapping ?? {}).map((az) => [az, 0]));
  for (const h of cluster.Hsms ?? []) {
    if (h.AvailabilityZone && count.has(h.AvailabilityZone)) count.set(h.AvailabilityZone, count.get(h.AvailabilityZone)! + 1);
  }
  return [...count.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/**
 * Attributes of the HSM: ids and addresses and the cluster's CSR, never credentials.
 * HsmType and EniIpV6 (DUALSTACK clusters) are in the current API model's Hsm but not in every SDK's;
 * the SDK passes a cluster's Hsms through as the service sent them, so they are read from there.
 */
function attributes(hsm: Hsm, cluster: Cluster, degradedHsmIds: readonly string[] = []): Record<string, string> {
  const extra = hsm as Hsm & { EniIpV6?: string; HsmType?: string };
  return {
    HsmId: hsm.HsmId ?? '',
    EniId: hsm.EniId ?? '',
    EniIp: hsm.EniIp ?? '',
    EniIpV6: extra.EniIpV6 ?? '',
    HsmType: extra.HsmType ?? cluster.HsmType ?? '',
    AvailabilityZone: hsm.AvailabilityZone ?? '',
    SubnetId: hsm.SubnetId ?? '',
    ClusterCsr: cluster.Certificates?.ClusterCsr ?? '',
    // The HSMs of the create that went DEGRADED and were replaced (hsm-degraded.ts); empty on updates.
    DegradedHsmIds: degradedHsmIds.join(' '),
  };
}

/**
 * Whether to wait for the cluster's other HSMs before creating this one. A resource without an
 * address recognises its HSM as the one that was not there before, so it waits until no other HSM
 * is being created. With an address, nothing to wait for: an activated cluster takes several
 * CreateHsm at once, and one that is not activated refuses the second HSM anyway.
 */
const mustWaitForOthers = (cluster: Cluster, pending: PendingHsm): boolean => pending.address === undefined
  && (cluster.Hsms ?? []).some((h) => h.State === 'CREATE_IN_PROGRESS' || h.State === 'DELETE_IN_PROGRESS');

async function createStep(event: ResourceEvent, pending: PendingHsm, props: HsmProperties): Promise<IsCompleteResponse> {
  const cluster = await requireCluster(event, pending.clusterId);
  const state = cluster.State ?? '';
  const ours = findOurs(cluster, pending, props);

  if (!ours) {
    if (TRANSITIONAL_STATES.has(state) || mustWaitForOthers(cluster, pending)) {
      log(event, 'waiting for the cluster', { clusterId: pending.clusterId, state });
      return NOT_COMPLETE;
    }
    if (!STABLE_STATES.has(state)) {
      throw new Error(`${label(event)}: cluster ${pending.clusterId} is ${state}: ${cluster.StateMessage ?? 'no state message'}`);
    }
    if ((cluster.Hsms?.length ?? 0) > 0 && state !== 'ACTIVE') throw activationError(event, cluster);
    // An emptied cluster's first HSM is made from its latest backup: it must be READY (lambda/hsm-restore.ts).
    if (isEmptied(cluster) && restoreReadiness(label(event), cluster, await backupsOf(pending.clusterId)) === 'wait') {
      log(event, 'waiting for the latest backup of the emptied cluster', { clusterId: pending.clusterId });
      return NOT_COMPLETE;
    }
    const zone = props.availabilityZone ?? leastUsedZone(cluster);
    try {
      const out = await cloudHsm().send(new CreateHsmCommand({
        ClusterId: pending.clusterId, AvailabilityZone: zone, IpAddress: pending.address,
      }));
      log(event, 'CreateHsm', { clusterId: pending.clusterId, hsmId: out.Hsm?.HsmId, availabilityZone: zone, address: pending.address });
    } catch (err) {
      if (isInvalidRequest(err) && NOT_ACTIVATED_PATTERN.test(messageOf(err))) {
        // The cluster had no HSM when described just now, so one has appeared since: another waiter
        // execution of this request (a duplicated onEvent starts one each) created it at the same moment.
        // The next poll finds it as this resource's HSM.
        if ((cluster.Hsms?.length ?? 0) === 0) {
          log(event, 'an HSM appeared while CreateHsm was being called; waiting for it', { clusterId: pending.clusterId });
          return NOT_COMPLETE;
        }
        throw activationError(event, cluster);
      }
      if (pending.address && isInvalidRequest(err) && await madeMeanwhile(pending, props)) {
        // Another waiter execution of this request created the HSM at this address a moment ago.
        log(event, 'the HSM at this address appeared while CreateHsm was being called; waiting for it', { clusterId: pending.clusterId });
        return NOT_COMPLETE;
      }
      const at = pending.address ? ` at ${pending.address}` : '';
      throw new Error(`${label(event)}: CreateHsm${at} in ${zone} of cluster ${pending.clusterId} failed: ${messageOf(err)}`);
    }
    return NOT_COMPLETE;
  }

  const key = recordKey(event);
  switch (ours.State) {
    case 'CREATE_IN_PROGRESS':
      return NOT_COMPLETE;
    case 'ACTIVE': {
      // The CSR of an uninitialized cluster appears with its first HSM; users need it to initialize.
      if (state === 'UNINITIALIZED' && !cluster.Certificates?.ClusterCsr) return NOT_COMPLETE;
      const degraded = degradedSoFar(cluster, key);
      await clearRecord(cluster, key);
      log(event, 'HSM active', {
        clusterId: pending.clusterId,
        hsmId: ours.HsmId,
        eniId: ours.EniId,
        availabilityZone: ours.AvailabilityZone,
        ...(degraded.length > 0 ? { replacedDegradedHsms: degraded } : {}),
      });
      return { IsComplete: true, PhysicalResourceId: hsmPhysicalId(pending.clusterId, ours), Data: attributes(ours, cluster, degraded) };
    }
    case 'DEGRADED':
      return healDegraded(event, cluster, ours, props, key);
    case 'DELETE_IN_PROGRESS':
      // A DEGRADED HSM of this create on its way out: once it is gone, its replacement is created.
      if (degradedSoFar(cluster, key).includes(ours.HsmId ?? '')) return NOT_COMPLETE;
      throw new Error(`${label(event, ours.HsmId)} is ${ours.State} while being created: ${ours.StateMessage ?? ''}`);
    default:
      throw new Error(`${label(event, ours.HsmId)} is ${ours.State} while being created: ${ours.StateMessage ?? ''}`);
  }
}

/**
 * An HSM of this create went DEGRADED: it is deleted (a failed create leaves nothing behind) and,
 * while the resource's retries last, created again by a later poll, at the same address; otherwise
 * the create fails with the service's StateMessage.
 */
async function healDegraded(event: ResourceEvent, cluster: Cluster, hsm: Hsm, props: HsmProperties, key: string)
  : Promise<IsCompleteResponse> {
  const clusterId = cluster.ClusterId ?? props.clusterId;
  const retries = props.degradedRetries ?? DEFAULT_DEGRADED_RETRIES;
  let degraded: string[];
  try {
    degraded = await recordDegraded(cluster, key, hsm.HsmId ?? '');
  } catch (err) {
    // Without a record (the cluster has 50 tags, or tagging is refused) retries cannot be counted: none.
    log(event, 'cannot record the DEGRADED HSM on the cluster; not retrying', { clusterId, hsmId: hsm.HsmId, error: messageOf(err) });
    degraded = [...degradedSoFar(cluster, key), hsm.HsmId ?? '', ...Array(retries).fill('')];
  }
  await deleteHsm(event, clusterId, hsm.HsmId!);
  const message = hsm.StateMessage ?? 'no state message';
  if (degraded.length <= retries) {
    log(event, 'HSM DEGRADED while being created; deleted, to be created again', {
      clusterId, hsmId: hsm.HsmId, eniId: hsm.EniId, stateMessage: message, attempt: degraded.length, retries,
    });
    return NOT_COMPLETE;
  }
  await clearRecord({ ...cluster, TagList: [...(cluster.TagList ?? []), { Key: key, Value: degraded.join(' ') }] }, key).catch(() => undefined);
  const failed = degraded.filter((id) => id.length > 0);
  const before = failed.length > 1 ? `; ${failed.length} HSMs of this create went DEGRADED (${failed.join(', ')}), `
    + `${failed.length - 1} of them replaced (${P.degradedRetries}: ${retries})` : '';
  throw new Error(`${label(event, hsm.HsmId)} in ${hsm.AvailabilityZone} of cluster ${clusterId} is DEGRADED `
    + `(${message}); it was deleted${before}`);
}

/** Whether this resource's HSM exists now (another waiter execution made it since the last look). */
async function madeMeanwhile(pending: PendingHsm, props: HsmProperties): Promise<boolean> {
  const cluster = await describeCluster(pending.clusterId);
  return cluster !== undefined && findOurs(cluster, pending, props) !== undefined;
}

async function deleteHsm(event: ResourceEvent, clusterId: string, hsmId: string): Promise<void> {
  try {
    await cloudHsm().send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: hsmId }));
    log(event, 'DeleteHsm', { clusterId, hsmId });
  } catch (err) {
    if (isNotFound(err)) return;
    throw new Error(`${label(event, hsmId)}: DeleteHsm in cluster ${clusterId} failed: ${messageOf(err)}`);
  }
}

/**
 * Deletes the HSM (or, for a create that never finished, the HSM it may have made) once nothing else
 * is changing in the cluster; true when nothing of it is left.
 */
async function deleteStep(event: ResourceEvent): Promise<boolean> {
  const physicalId = event.PhysicalResourceId ?? '';
  const props = parseLoosely(event.ResourceProperties);
  const pending = parsePendingId(physicalId);
  const ref = pending ? undefined : parseHsmPhysicalId(physicalId);
  const clusterId = pending?.clusterId ?? ref?.clusterId ?? props.clusterId;
  if (!pending && !ref) return true; // a create that failed before it began
  const cluster = await describeCluster(clusterId);
  if (!cluster || cluster.State === 'DELETED') return true;
  // After the service replaced it, the resource's HSM is the one on its ENI (hsm-eni.ts).
  const hsm = pending ? findOurs(cluster, pending, props) : locateHsm(cluster, ref!, props);
  if (!hsm) {
    if (ref && !ref.eniId) log(event, 'HSM not found by id nor address; nothing to delete', { clusterId, hsmId: ref.createdHsmId });
    return true;
  }
  if (hsm.State === 'DELETE_IN_PROGRESS' || hsm.State === 'CREATE_IN_PROGRESS') return false;
  if (TRANSITIONAL_STATES.has(cluster.State ?? '')) return false;
  try {
    await deleteHsm(event, clusterId, hsm.HsmId!);
  } catch (err) {
    // The cluster or HSM started another change since we looked: try again on the next poll.
    if (/in[- ]progress|state/i.test(messageOf(err))) return false;
    throw err;
  }
  return false;
}

/** Delete must work even with properties that no longer validate (it only needs the cluster id). */
function parseLoosely(raw: Record<string, any>): HsmProperties {
  const slot = raw.Slot === undefined || raw.Slot === '' ? undefined : Number(raw.Slot);
  return {
    clusterId: String(raw.ClusterId ?? ''),
    availabilityZone: raw.AvailabilityZone || undefined,
    ipAddress: raw.IpAddress || undefined,
    subnetCidr: raw.SubnetCidr || undefined,
    slot: Number.isInteger(slot) ? slot : undefined,
  };
}

/** Placement and cluster are fixed at creation: changing one means a new HSM (CloudFormation deletes the old one). */
function needsNewHsm(oldProps: HsmProperties, props: HsmProperties): boolean {
  return oldProps.clusterId !== props.clusterId
    || (props.availabilityZone !== undefined && oldProps.availabilityZone !== props.availabilityZone)
    || oldProps.ipAddress !== props.ipAddress;
}

/**
 * An update that keeps the HSM: its attributes as they are now. The HSM is the one on the resource's
 * ENI, which may be a replacement the service made (new HSM id, same ENI): the attributes then give
 * the new id, and the log records the replacement. A replacement still being made is waited for.
 */
async function current(event: ResourceEvent, ref: HsmRef, props: HsmProperties): Promise<IsCompleteResponse> {
  const cluster = await requireCluster(event, props.clusterId);
  const hsm = locateHsm(cluster, ref, props);
  const where = ref.eniId ? ` on ${ref.eniId}` : '';
  if (!hsm) throw new Error(`${label(event, ref.createdHsmId)}${where} no longer exists in cluster ${props.clusterId} (deleted outside this stack?)`);
  if (hsm.State !== 'ACTIVE') {
    log(event, 'waiting for the HSM to be ACTIVE', { clusterId: props.clusterId, hsmId: hsm.HsmId, eniId: hsm.EniId, state: hsm.State });
    return NOT_COMPLETE;
  }
  const replaced = replacementOf(ref, hsm);
  if (replaced) log(event, 'the service replaced the HSM (same ENI, new HSM id)', { clusterId: props.clusterId, ...replaced });
  return { IsComplete: true, Data: attributes(hsm, cluster) };
}

function currentOrUnknown(event: ResourceEvent, props: HsmProperties): Promise<IsCompleteResponse> {
  const ref = parseHsmPhysicalId(event.PhysicalResourceId);
  if (!ref) throw new Error(`${label(event)}: physical id ${JSON.stringify(event.PhysicalResourceId)} names no HSM`);
  return current(event, ref, props);
}

export const hsmHandler: ResourceHandler = {
  async onEvent(event) {
    switch (event.RequestType) {
      case 'Create':
        return begin(event, parseHsmProperties(event.ResourceProperties));
      case 'Update': {
        const props = parseHsmProperties(event.ResourceProperties);
        if (!needsNewHsm(parseLoosely(event.OldResourceProperties ?? {}), props)) {
          return { PhysicalResourceId: event.PhysicalResourceId };
        }
        log(event, 'replacing the HSM', { clusterId: props.clusterId });
        return begin(event, props);
      }
      case 'Delete':
        await deleteStep(event);
        return { PhysicalResourceId: event.PhysicalResourceId };
    }
  },

  async isComplete(event) {
    if (event.RequestType === 'Delete') return { IsComplete: await deleteStep(event) };
    const props = parseHsmProperties(event.ResourceProperties);
    const pending = parsePendingId(event.PhysicalResourceId);
    return pending ? createStep(event, pending, props) : currentOrUnknown(event, props);
  },
};
