/**
 * Input rules of the CloudHSM v2 API (API reference 2017-04-28), as plain functions with no CDK
 * imports, so the constructs (at synth time) and the bundled handler (at deploy time, for values
 * that were tokens at synth time) check the same rules and say the same thing.
 *
 * Each check returns an error message naming the property, the value and the rule, or undefined.
 */

import { P } from './property-names';

export const BACKUP_ID_PATTERN = /^backup-[2-7a-zA-Z]{11,16}$/;
export const CLUSTER_ID_PATTERN = /^cluster-[2-7a-zA-Z]{11,16}$/;
export const HSM_ID_PATTERN = /^hsm-[2-7a-zA-Z]{11,16}$/;
export const SUBNET_ID_PATTERN = /^subnet-[0-9a-fA-F]{8,17}$/;
export const REGION_PATTERN = /^[a-z]{2}(-(gov))?-(east|west|north|south|central){1,2}-\d$/;
export const AZ_PATTERN = /^[a-z]{2}(-(gov))?-(east|west|north|south|central){1,2}-\d[a-z]$/;
export const IPV4_PATTERN = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
/** Tag keys and values: letters, separators, digits and `_ . : / + = - @` (API reference, Tag). */
export const TAG_PATTERN = /^([\p{L}\p{Z}\p{N}_.: /+=\-@]*)$/u;
/** HSM type names (current API reference: `((p|)hsm[0-9][a-z.]*\.[a-zA-Z]+)`, at most 32 characters). */
export const HSM_TYPE_PATTERN = /^(p|)hsm[0-9][a-z.]*\.[a-zA-Z]+$/;
/** SourceBackupId takes a backup id or, for a backup in another account, its ARN. */
export const SOURCE_BACKUP_PATTERN = /^(arn:aws(-(us-gov))?:cloudhsm:([a-z]{2}(-(gov|isob|iso))?-(east|west|north|south|central){1,2}-[0-9]{1}):[0-9]{12}:backup\/)?backup-[2-7a-zA-Z]{11,16}$/;

/** At most this many retries of an HSM that goes DEGRADED on create (each is another HSM creation, 10-20 minutes). */
export const MAX_DEGRADED_RETRIES = 5;

export const MIN_SUBNETS = 1;
export const MAX_SUBNETS = 10;
export const MIN_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 379;
/** The API allows 50 tags; cdk-cloudhsm writes one itself to make retried creates idempotent. */
export const MAX_USER_TAGS = 49;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;
export const RESERVED_TAG_PREFIXES = ['aws:', 'cdk-cloudhsm:'];

export const CLUSTER_MODES = ['FIPS', 'NON_FIPS'];
export const NETWORK_TYPES = ['IPV4', 'DUALSTACK'];

const q = (v: unknown) => JSON.stringify(v);

export function checkPattern(prop: string, value: string, pattern: RegExp, what: string): string | undefined {
  return pattern.test(value) ? undefined : `${prop}: ${q(value)} is not ${what} (must match ${pattern.source})`;
}

export function checkBackupId(prop: string, value: string): string | undefined {
  return checkPattern(prop, value, BACKUP_ID_PATTERN, 'a CloudHSM backup id');
}

export function checkSourceBackup(prop: string, value: string): string | undefined {
  return checkPattern(prop, value, SOURCE_BACKUP_PATTERN, 'a CloudHSM backup id or backup ARN');
}

/** An AWS account id: twelve digits (the account field of the CloudHSM ARN pattern). */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/**
 * The accounts a backup copy is shared with: account ids, none of them the copy's own account
 * (which needs no resource policy); `ownAccount` undefined when unknown.
 */
export function checkShareWith(prop: string, accounts: readonly string[], ownAccount?: string): string[] {
  const errors = accounts.filter((a) => !ACCOUNT_ID_PATTERN.test(a))
    .map((a) => `${prop}: ${q(a)} is not an AWS account id (12 digits)`);
  if (ownAccount !== undefined && accounts.includes(ownAccount)) {
    errors.push(`${prop}: ${ownAccount} is the copy's own account, which can restore from the copy without sharing it`);
  }
  return errors;
}

/**
 * A SourceBackupId given as an ARN names a backup of the cluster's own region: a cluster is restored
 * from a backup in its region only (copy a backup to another region first, CopyBackupToRegion).
 */
export function checkSourceBackupRegion(prop: string, value: string, clusterRegion: string): string | undefined {
  const arnRegion = /^arn:[^:]+:cloudhsm:([^:]+):/.exec(value)?.[1];
  if (arnRegion === undefined || arnRegion === clusterRegion) return undefined;
  return `${prop}: ${q(value)} is a backup in ${arnRegion}, but the cluster is in ${clusterRegion}; a cluster is restored from a backup `
    + 'of its own region (copy the backup there first, for example with a BackupCopy)';
}

export function checkClusterId(prop: string, value: string): string | undefined {
  return checkPattern(prop, value, CLUSTER_ID_PATTERN, 'a CloudHSM cluster id');
}

export function checkRegion(prop: string, value: string): string | undefined {
  return checkPattern(prop, value, REGION_PATTERN, 'an AWS region name');
}

export function checkAvailabilityZone(prop: string, value: string): string | undefined {
  return checkPattern(prop, value, AZ_PATTERN, 'an Availability Zone name');
}

export function checkHsmType(prop: string, value: string): string | undefined {
  if (value.length > 32) return `${prop}: ${q(value)} is not an HSM type (at most 32 characters)`;
  return checkPattern(prop, value, HSM_TYPE_PATTERN, 'an HSM type (such as hsm1.medium or hsm2m.medium)');
}

export function checkOneOf(prop: string, value: string, allowed: readonly string[]): string | undefined {
  return allowed.includes(value) ? undefined : `${prop}: ${q(value)} is not one of ${allowed.join(', ')}`;
}

export function checkRetentionDays(prop: string, days: number): string | undefined {
  if (Number.isInteger(days) && days >= MIN_RETENTION_DAYS && days <= MAX_RETENTION_DAYS) return undefined;
  return `${prop}: ${days} days is not valid; CloudHSM keeps backups for a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`;
}

export function checkSubnetCount(prop: string, subnetIds: readonly string[]): string | undefined {
  const n = subnetIds.length;
  if (n >= MIN_SUBNETS && n <= MAX_SUBNETS) return undefined;
  return `${prop}: ${n} subnets selected (${subnetIds.join(', ') || 'none'}); a CloudHSM cluster needs ${MIN_SUBNETS} to ${MAX_SUBNETS} subnets`;
}

/** At most one subnet per Availability Zone; `azs[i]` is the AZ of `subnetIds[i]` (undefined if unknown). */
export function checkOneSubnetPerAz(
  prop: string,
  subnetIds: readonly string[],
  azs: readonly (string | undefined)[],
): string | undefined {
  const seen = new Map<string, string>();
  for (let i = 0; i < subnetIds.length; i++) {
    const az = azs[i];
    if (az === undefined) continue;
    const first = seen.get(az);
    if (first !== undefined) {
      return `${prop}: subnets ${first} and ${subnetIds[i]} are both in ${az}; a CloudHSM cluster takes at most one subnet per Availability Zone`;
    }
    seen.set(az, subnetIds[i]);
  }
  return undefined;
}

/** Tag count, key and value rules; a key or value that is undefined (a token) is skipped. */
export function checkTags(prop: string, tags: Readonly<Record<string, string>>): string[] {
  const errors: string[] = [];
  const keys = Object.keys(tags);
  if (keys.length > MAX_USER_TAGS) {
    errors.push(`${prop}: ${keys.length} tags given; at most ${MAX_USER_TAGS} are allowed (CloudHSM allows 50 and cdk-cloudhsm uses one to make retried creates idempotent)`);
  }
  for (const key of keys) {
    const value = tags[key];
    if (key.length < 1 || key.length > MAX_TAG_KEY_LENGTH) {
      errors.push(`${prop}: tag key ${q(key)} is ${key.length} characters long; tag keys must be 1 to ${MAX_TAG_KEY_LENGTH} characters`);
    } else if (!TAG_PATTERN.test(key)) {
      errors.push(`${prop}: tag key ${q(key)} has characters CloudHSM does not allow (letters, digits, spaces and _ . : / + = - @ only)`);
    }
    const reserved = RESERVED_TAG_PREFIXES.find((p) => key.toLowerCase().startsWith(p));
    if (reserved) {
      errors.push(`${prop}: tag key ${q(key)} uses the reserved prefix ${q(reserved)}`);
    }
    if (value.length > MAX_TAG_VALUE_LENGTH) {
      errors.push(`${prop}: the value of tag ${q(key)} is ${value.length} characters long; tag values must be at most ${MAX_TAG_VALUE_LENGTH} characters`);
    } else if (!TAG_PATTERN.test(value)) {
      errors.push(`${prop}: the value of tag ${q(key)} (${q(value)}) has characters CloudHSM does not allow (letters, digits, spaces and _ . : / + = - @ only)`);
    }
  }
  return errors;
}

function ipv4ToNumber(ip: string): number | undefined {
  if (!IPV4_PATTERN.test(ip)) return undefined;
  const parts = ip.split('.').map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function checkIpv4(prop: string, ip: string): string | undefined {
  return ipv4ToNumber(ip) === undefined ? `${prop}: ${q(ip)} is not an IPv4 address` : undefined;
}

/** The address lies in the CIDR block (e.g. 10.0.1.0/24). Arithmetic, not bitwise: JS bit operators are 32-bit signed. */
export function checkIpInCidr(prop: string, ip: string, cidr: string, subnetName: string): string | undefined {
  const [base, bits] = cidr.split('/');
  const ipNum = ipv4ToNumber(ip);
  const baseNum = ipv4ToNumber(base);
  const prefix = Number(bits);
  if (ipNum === undefined || baseNum === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  if (Math.floor(ipNum / size) === Math.floor(baseNum / size)) return undefined;
  return `${prop}: ${q(ip)} is not in ${cidr}, the CIDR block of subnet ${subnetName} where the HSM is placed`;
}

/** The message the service gives when a second HSM is requested before activation (matched loosely). */
export const NOT_ACTIVATED_PATTERN = /not (yet )?been fully activated|not been activated|until .*activated/i;

/** What to do about the one-HSM-until-activated rule, for warnings and errors alike. */
export const ACTIVATION_RULE_ADVICE = 'A CloudHSM cluster holds only one HSM until it is initialized and activated. '
  + 'Deploy with one HSM, initialize the cluster with its CSR (InitializeCluster) and activate it with the CloudHSM CLI, '
  + 'then add more HSMs (and set activated: true on the cluster)';

/** BackupCopy: CopyBackupToRegion refuses the backup's own region. */
export function checkDestinationRegion(prop: string, destination: string, source: string): string | undefined {
  if (destination !== source) return undefined;
  return `${prop}: ${q(destination)} is the region of the source backup (the stack's region); a backup copy must go to another region`;
}

/** BackupCopy: exactly one of a backup id or a cluster says what to copy. */
export function checkOneBackupSource(hasBackupId: boolean, hasCluster: boolean): string | undefined {
  if (hasBackupId !== hasCluster) return undefined;
  return hasBackupId
    ? `${P.backupId} and ${P.cluster}: both are given; give exactly one (a backup to copy, or a cluster whose newest READY backup is copied)`
    : `${P.backupId} and ${P.cluster}: neither is given; give exactly one (a backup to copy, or a cluster whose newest READY backup is copied)`;
}

/**
 * InitializeCluster SignedCert and TrustAnchor: at most 20000 characters. The current CloudHSM v2 API
 * model (shape `Cert`) allows 20000; the 2017 API reference said 5000, too short for some chains.
 */
export const MAX_CERTIFICATE_LENGTH = 20000;
/** The characters InitializeCluster allows in SignedCert and TrustAnchor (API reference: `[a-zA-Z0-9+ -/=\s]*`). */
export const CERTIFICATE_PATTERN = /^[a-zA-Z0-9+ -/=\s]*$/;
const PEM_CERTIFICATE = /^\s*(-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*)+$/;

/** A PEM certificate as InitializeCluster takes it: PEM shape, allowed characters, at most MAX_CERTIFICATE_LENGTH characters. */
export function checkCertificatePem(prop: string, value: string): string[] {
  const errors: string[] = [];
  const shown = value.length > 40 ? `${q(value.slice(0, 37))}...` : q(value);
  if (value.length > MAX_CERTIFICATE_LENGTH) {
    errors.push(`${prop}: the certificate is ${value.length} characters long; InitializeCluster takes at most ${MAX_CERTIFICATE_LENGTH}`);
  }
  if (!CERTIFICATE_PATTERN.test(value)) {
    errors.push(`${prop}: ${shown} has characters InitializeCluster does not allow (must match ${CERTIFICATE_PATTERN.source})`);
  } else if (!PEM_CERTIFICATE.test(value)) {
    errors.push(`${prop}: ${shown} is not a PEM certificate (-----BEGIN CERTIFICATE----- base64 -----END CERTIFICATE-----)`);
  }
  return errors;
}

/** What is left once the cluster is INITIALIZED: activation is done with the CloudHSM CLI, not the API. */
export function activationNextStep(clusterId: string): string {
  return `Cluster ${clusterId} is initialized. Left to do: activate it with the CloudHSM CLI from a client in the cluster's VPC `
    + '(cloudhsm-cli interactive; cluster activate), then set activated: true and add more HSMs (docs/initialization.md).';
}

/**
 * CloudHSM's hard limit of HSMs in one cluster (user guide, Quotas). Accounts start with a lower
 * quota of HSMs per Region, which the Service Quotas console shows (AWS CloudHSM).
 */
export const MAX_HSMS_PER_CLUSTER = 28;

/** At most MAX_HSMS_PER_CLUSTER HSMs in a cluster; `count` is how many the cluster would have. */
export function checkHsmCount(prop: string, count: number, cluster: string): string | undefined {
  if (count <= MAX_HSMS_PER_CLUSTER) return undefined;
  return `${prop}: ${count} HSMs in cluster ${cluster}; CloudHSM allows at most ${MAX_HSMS_PER_CLUSTER} HSMs in a cluster `
    + '(and accounts start with a lower quota of HSMs per Region: see Service Quotas, AWS CloudHSM)';
}

/**
 * The key-store property that says the stack declares no HSM for the cluster (`allowZeroHsms`):
 * present with EMPTY_FLEET only then, so the store's resource is updated when the fleet empties and
 * when it comes back.
 */
export const FLEET_PROPERTY = 'HsmFleet';
export const EMPTY_FLEET = 'EMPTY';
