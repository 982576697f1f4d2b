import { DescribeSubnetsCommand, DescribeVpcEndpointServicesCommand } from '@aws-sdk/client-ec2';
import { ec2, messageOf } from './aws';
import { log } from './log';
import { ResourceEvent } from './types';

/**
 * The early Availability Zone check: before CreateCluster, every subnet's Availability Zone must be
 * one where CloudHSM is offered, or the cluster would be created and the HSM in that zone would
 * fail minutes later (CreateHsm). CloudHSM v2 has no API that lists its zones (ListAvailableZones
 * belongs to CloudHSM Classic). What the account can ask is EC2: DescribeVpcEndpointServices for
 * the region's CloudHSM endpoint service `com.amazonaws.<region>.cloudhsmv2` returns the zones it is
 * offered in, by this account's zone names; DescribeSubnets gives each subnet's zone in the same
 * names. When the region has no such endpoint service, or EC2 refuses to answer, the check cannot
 * tell and lets CreateCluster go ahead (the caller logs why): it only ever fails on evidence.
 */

/** The region's CloudHSM endpoint service name. */
export function cloudHsmServiceName(region: string): string {
  return `com.amazonaws.${region}.cloudhsmv2`;
}

/** What the check found: the subnets whose zone lacks CloudHSM, or why it could not tell. */
export interface ZoneCheck {
  /** subnet id -> zone, for the subnets in a zone where CloudHSM is not offered */
  readonly unsupported: ReadonlyArray<{ subnetId: string; zone: string }>;
  /** the zones where CloudHSM is offered (empty when unknown) */
  readonly offered: readonly string[];
  /** set when the check could not tell: why */
  readonly skipped?: string;
}

/** The zones the region's CloudHSM endpoint service is offered in, or why they are unknown. */
async function offeredZones(region: string): Promise<{ zones?: string[]; skipped?: string }> {
  try {
    const out = await ec2().send(new DescribeVpcEndpointServicesCommand({ ServiceNames: [cloudHsmServiceName(region)] }));
    const detail = (out.ServiceDetails ?? []).find((d) => d.ServiceName === cloudHsmServiceName(region));
    if (!detail?.AvailabilityZones?.length) return { skipped: `EC2 lists no zones for ${cloudHsmServiceName(region)}` };
    return { zones: detail.AvailabilityZones };
  } catch (err) {
    return { skipped: `DescribeVpcEndpointServices failed: ${messageOf(err)}` };
  }
}

/** Checks the subnets' zones against the zones where CloudHSM is offered in `region`. */
export async function checkSubnetZones(region: string, subnetIds: readonly string[]): Promise<ZoneCheck> {
  const { zones, skipped } = await offeredZones(region);
  if (!zones) return { unsupported: [], offered: [], skipped };
  let subnets;
  try {
    subnets = (await ec2().send(new DescribeSubnetsCommand({ SubnetIds: [...subnetIds] }))).Subnets ?? [];
  } catch (err) {
    // A subnet that does not exist is CreateCluster's to report, with its own message.
    return { unsupported: [], offered: zones, skipped: `DescribeSubnets failed: ${messageOf(err)}` };
  }
  const unsupported = subnets
    .filter((s) => s.SubnetId && s.AvailabilityZone && !zones.includes(s.AvailabilityZone))
    .map((s) => ({ subnetId: s.SubnetId!, zone: s.AvailabilityZone! }));
  return { unsupported, offered: zones };
}

/** The error of a check that found subnets in zones without CloudHSM: it names the zones and the subnets. */
export function unsupportedZonesMessage(check: ZoneCheck): string {
  const zones = [...new Set(check.unsupported.map((u) => u.zone))].sort();
  const subnets = check.unsupported.map((u) => `${u.subnetId} (${u.zone})`).join(', ');
  return `CloudHSM is not offered in the Availability Zone${zones.length > 1 ? 's' : ''} ${zones.join(', ')}, `
    + `so no HSM could be created there; nothing was created. Subnets concerned: ${subnets}. `
    + `Choose subnets in the zones where it is offered: ${[...check.offered].sort().join(', ')}.`;
}

/**
 * The check as the cluster's create runs it: fails, before anything is created, when a subnet is in
 * a zone without CloudHSM; logs why when it could not tell.
 */
export async function requireCloudHsmZones(event: ResourceEvent, subnetIds: readonly string[]): Promise<void> {
  const region = process.env.AWS_REGION ?? '';
  const check = await checkSubnetZones(region, subnetIds);
  if (check.skipped) log(event, 'Availability Zone check skipped', { reason: check.skipped });
  if (check.unsupported.length > 0) throw new Error(unsupportedZonesMessage(check));
}
