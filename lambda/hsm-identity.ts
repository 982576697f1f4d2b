// How an HSM resource recognises its own HSM while it is being created, without state kept between
// invocations and without waiting for the cluster's other HSMs. HSMs carry no tags, so the handle is
// the HSM's address: given by the user, or derived from the subnet CIDR and the resource's slot
// (src/private/hsm-address.ts). The pending physical id records it, with the HSMs that were in the
// cluster before, so that every poll and a rollback's Delete find the HSM, and only it:
// `cdk-cloudhsm:pending-hsm:<clusterId>:<eniId>,<eniId>:<address>`. The HSMs before are named by their
// ENI ids, which survive the service replacing an HSM (hsm-eni.ts); ids written by earlier versions
// name HSM ids, and both are understood. A resource without an address
// (subnet CIDR unknown) recognises "the HSM that was not there before", which holds only while the
// cluster's HSMs are created one after another (the construct orders them so).

import { Cluster, DescribeClustersCommand, Hsm } from '@aws-sdk/client-cloudhsm-v2';
import { cloudHsm } from './aws';
import { slotAddresses } from '../src/private/hsm-address';

const PENDING_PREFIX = 'cdk-cloudhsm:pending-hsm:';

export interface PendingHsm {
  readonly clusterId: string;
  /** The HSMs in the cluster before: ENI ids (HSM ids in ids of earlier versions). */
  readonly before: ReadonlySet<string>;
  /** The address of the HSM this resource creates, when it has one. */
  readonly address?: string;
}

/** What the resource asks for (the properties that place and identify the HSM). */
export interface HsmPlacement {
  readonly availabilityZone?: string;
  readonly ipAddress?: string;
  readonly subnetCidr?: string;
  readonly slot?: number;
}

/** @param hsmsBefore the ENI ids of the HSMs in the cluster before this resource's */
export function pendingId(clusterId: string, hsmsBefore: readonly string[], address?: string): string {
  return `${PENDING_PREFIX}${clusterId}:${[...hsmsBefore].sort().join(',')}${address ? `:${address}` : ''}`;
}

export function parsePendingId(physicalId: string | undefined): PendingHsm | undefined {
  if (!physicalId?.startsWith(PENDING_PREFIX)) return undefined;
  const [clusterId, list = '', address] = physicalId.slice(PENDING_PREFIX.length).split(':');
  return { clusterId, before: new Set(list.split(',').filter((h) => h.length > 0)), address: address || undefined };
}

/** The addresses held by HSMs of the clusters in a VPC (a derived address must not be one of them). */
async function addressesInVpc(vpcId: string | undefined, cluster: Cluster): Promise<Set<string>> {
  const used = new Set((cluster.Hsms ?? []).map((h) => h.EniIp ?? ''));
  if (!vpcId) return used;
  let NextToken: string | undefined;
  do {
    const out = await cloudHsm().send(new DescribeClustersCommand({ Filters: { vpcIds: [vpcId] }, NextToken }));
    for (const c of out.Clusters ?? []) for (const h of c.Hsms ?? []) used.add(h.EniIp ?? '');
    NextToken = out.NextToken;
  } while (NextToken);
  return used;
}

/**
 * Starts a create: the HSMs there before and this resource's address. An HSM already being created
 * at one of the resource's own addresses is a delivery of this same request that went first (no
 * sibling shares an address), so it is not "before" and its address is taken again: the service then
 * refuses a second HSM there, and the polls find the first.
 */
export async function beginPending(cluster: Cluster, placement: HsmPlacement): Promise<PendingHsm> {
  const clusterId = cluster.ClusterId ?? '';
  const hsms = cluster.Hsms ?? [];
  const own = ownAddresses(placement);
  const inFlight = hsms.find((h) => h.State === 'CREATE_IN_PROGRESS' && own.includes(h.EniIp ?? ''));
  const before = new Set(hsms.filter((h) => h !== inFlight).map((h) => h.EniId ?? h.HsmId ?? ''));
  if (placement.ipAddress) return { clusterId, before, address: placement.ipAddress };
  if (own.length === 0) return { clusterId, before };
  if (inFlight) return { clusterId, before, address: inFlight.EniIp };
  const used = await addressesInVpc(cluster.VpcId, cluster);
  const free = own.find((a) => !used.has(a));
  if (!free) {
    throw new Error(`every address of this HSM's slot ${placement.slot} in ${placement.subnetCidr} is held by another HSM; give ipAddress`);
  }
  return { clusterId, before, address: free };
}

/** The addresses the resource may have: the one given, or its slot's in the subnet. */
function ownAddresses(placement: HsmPlacement): string[] {
  if (placement.ipAddress) return [placement.ipAddress];
  if (placement.subnetCidr === undefined || placement.slot === undefined) return [];
  return slotAddresses(placement.subnetCidr, placement.slot);
}

/** The HSM this resource made: not in the cluster before, at its address (or, without one, in its AZ). */
export function findOurs(cluster: Cluster, pending: PendingHsm, placement: HsmPlacement): Hsm | undefined {
  const address = pending.address ?? placement.ipAddress;
  return (cluster.Hsms ?? [])
    .filter((h) => !pending.before.has(h.EniId ?? '') && !pending.before.has(h.HsmId ?? ''))
    .filter((h) => !address || h.EniIp === address)
    .filter((h) => !placement.availabilityZone || h.AvailabilityZone === placement.availabilityZone)
    .sort((a, b) => (a.HsmId ?? '').localeCompare(b.HsmId ?? ''))[0];
}
