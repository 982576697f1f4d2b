import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import {
  checkHsmType,
  checkOneSubnetPerAz,
  checkRetentionDays,
  checkSourceBackup,
  checkSourceBackupRegion,
  checkSubnetCount,
  checkTags,
} from './rules';

/**
 * Synth-time checks shared by the constructs. Each returns error messages (empty when valid)
 * and skips values that are unresolved tokens: the handler checks those at deploy time.
 */

const known = (value: string | undefined): value is string => value !== undefined && !Token.isUnresolved(value);

export function validateHsmType(prop: string, name: string): string[] {
  return known(name) ? compact(checkHsmType(prop, name)) : [];
}

/** A backup id, or a backup ARN (another account's backup) of the cluster's region where that region is known. */
export function validateSourceBackupId(prop: string, id: string | undefined, clusterRegion?: string): string[] {
  if (!known(id)) return [];
  const errors = compact(checkSourceBackup(prop, id));
  if (errors.length === 0 && known(clusterRegion)) errors.push(...compact(checkSourceBackupRegion(prop, id, clusterRegion)));
  return errors;
}

/** Whole days from 7 to 379. */
export function validateRetention(prop: string, retention: Duration | undefined): string[] {
  if (retention === undefined) return [];
  const days = retention.toDays({ integral: false });
  return Token.isUnresolved(days) ? [] : compact(checkRetentionDays(prop, Number(days.toFixed(3))));
}

/** 1 to 10 subnets, at most one per Availability Zone, all from the cluster's VPC. */
export function validateClusterSubnets(prop: string, vpc: ec2.IVpc, subnets: readonly ec2.ISubnet[]): string[] {
  const ids = subnets.map((s) => s.subnetId);
  const errors = compact(checkSubnetCount(prop, Token.isUnresolved(ids) ? ['(unresolved)'] : ids));
  const azs = subnets.map((s) => (known(s.availabilityZone) ? s.availabilityZone : undefined));
  errors.push(...compact(checkOneSubnetPerAz(prop, ids, azs)));
  for (const subnet of subnets) {
    const owner = owningVpc(subnet);
    if (owner && owner !== vpc) {
      errors.push(`${prop}: subnet ${subnet.node.path} belongs to VPC ${owner.node.path}, not to the cluster's VPC ${vpc.node.path}; all subnets of a cluster must be in one VPC`);
    }
  }
  return errors;
}

/** Tag limits of CloudHSM; tags whose key or value is a token are skipped. */
export function validateTags(prop: string, tags: Record<string, string>): string[] {
  const concrete: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (known(k) && known(v)) concrete[k] = v;
  }
  return checkTags(prop, concrete);
}

/** The VPC construct a subnet was declared in, when it was declared in one. */
function owningVpc(subnet: ec2.ISubnet): IConstruct | undefined {
  return subnet.node.scopes.slice(0, -1).reverse().find((s) => isVpc(s));
}

function isVpc(c: IConstruct): boolean {
  return c instanceof ec2.Vpc || (typeof (c as any).vpcId === 'string' && typeof (c as any).selectSubnets === 'function');
}

function compact(...messages: (string | undefined)[]): string[] {
  return messages.filter((m): m is string => m !== undefined);
}
