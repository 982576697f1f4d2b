// How an Hsm resource finds its HSM once it exists: by the HSM's elastic network interface (ENI).
//
// AWS replaces an HSM that fails or loses its network on its own; the replacement has a new HSM id on
// the same ENI, with the same address and AZ (CloudHSM FAQ; hashicorp/terraform-provider-aws #8648 and
// PR #12435, which tracks HSMs by ENI id for this reason). An HSM id is therefore no lasting name for
// the HSM a resource made; its ENI id is.
//
// The ENI reaches every later step in the physical id: `cdk-cloudhsm:hsm:<clusterId>:<eniId>:<hsmId>`
// (the HSM id the resource created, for the log when the service replaced it). A physical id is the
// one thing CloudFormation hands to every Update and Delete, and it must not change unless the resource
// is replaced, so the id has to name what lasts. Properties would not do: a Delete gets the properties
// of the last successful deployment, but the ENI id is known only after CreateHsm, and an address
// derived from the slot can be one of several (see src/private/hsm-address.ts).
//
// Resources created by earlier versions have the bare HSM id (`hsm-...`) as physical id. They keep it
// (a new physical id on Update would make CloudFormation replace the HSM), and are found by that id,
// or, once the service replaced that HSM, by their address: the `ipAddress` given, or the one HSM of
// the cluster at the addresses of the resource's slot. Without an address and after a replacement such
// a resource no longer finds its HSM; the log says so.

import { Cluster, Hsm } from '@aws-sdk/client-cloudhsm-v2';
import { slotAddresses } from '../src/private/hsm-address';
import { HSM_ID_PATTERN } from '../src/private/rules';

const PREFIX = 'cdk-cloudhsm:hsm:';

/** What a final physical id says about the resource's HSM. */
export interface HsmRef {
  /** The ENI the HSM was created on; undefined for ids of earlier versions (bare HSM ids). */
  readonly eniId?: string;
  /** The HSM id the resource created (or, for ids of earlier versions, the only one it knows). */
  readonly createdHsmId: string;
  /** The cluster, when the id names it. */
  readonly clusterId?: string;
}

/** Where the resource asked its HSM to be (its properties). */
export interface HsmAddressing {
  readonly availabilityZone?: string;
  readonly ipAddress?: string;
  readonly subnetCidr?: string;
  readonly slot?: number;
}

export function hsmPhysicalId(clusterId: string, hsm: Hsm): string {
  return `${PREFIX}${clusterId}:${hsm.EniId ?? ''}:${hsm.HsmId ?? ''}`;
}

/** The HSM reference of a final physical id (this format or a bare HSM id); undefined for anything else. */
export function parseHsmPhysicalId(physicalId: string | undefined): HsmRef | undefined {
  if (physicalId === undefined) return undefined;
  if (HSM_ID_PATTERN.test(physicalId)) return { createdHsmId: physicalId };
  if (!physicalId.startsWith(PREFIX)) return undefined;
  const [clusterId, eniId, createdHsmId] = physicalId.slice(PREFIX.length).split(':');
  if (!clusterId || !eniId?.startsWith('eni-') || !createdHsmId) return undefined;
  return { clusterId, eniId, createdHsmId };
}

/** The resource's HSM in the cluster now: on its ENI, or (ids of earlier versions) by id, then by address. */
export function locateHsm(cluster: Cluster, ref: HsmRef, addressing: HsmAddressing): Hsm | undefined {
  const hsms = cluster.Hsms ?? [];
  if (ref.eniId) return hsms.find((h) => h.EniId === ref.eniId);
  return hsms.find((h) => h.HsmId === ref.createdHsmId) ?? byAddress(hsms, addressing);
}

/** The one HSM at the resource's own addresses (in its AZ); none when that is not unambiguous. */
function byAddress(hsms: readonly Hsm[], addressing: HsmAddressing): Hsm | undefined {
  const own = addressing.ipAddress ? [addressing.ipAddress]
    : addressing.subnetCidr !== undefined && addressing.slot !== undefined ? slotAddresses(addressing.subnetCidr, addressing.slot) : [];
  const found = hsms.filter((h) => own.includes(h.EniIp ?? ''))
    .filter((h) => !addressing.availabilityZone || h.AvailabilityZone === addressing.availabilityZone);
  return found.length === 1 ? found[0] : undefined;
}

/** When the service replaced the resource's HSM: what the log records. */
export function replacementOf(ref: HsmRef, hsm: Hsm): { oldHsmId: string; newHsmId: string; eniId: string } | undefined {
  if (!hsm.HsmId || hsm.HsmId === ref.createdHsmId) return undefined;
  return { oldHsmId: ref.createdHsmId, newHsmId: hsm.HsmId, eniId: hsm.EniId ?? '' };
}
