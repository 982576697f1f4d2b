import { trustAnchorOf } from './private-ca';
import { CA_ARN_PATTERN, INSTANCE_ID_PATTERN, SECRET_ARN_PATTERN, SECRET_FIELD_PATTERN } from '../src/private/host-rules';
import { checkCertificatePem, checkClusterId } from '../src/private/rules';

/**
 * What every resource that works through the admin host carries (the activation, the key store's
 * kmsuser, and the crypto users and rotation to come): the cluster, the host, the admin secret and
 * the trust anchor, parsed and checked the same way for all of them.
 */
export interface AdminAccess {
  readonly clusterId: string;
  readonly instanceId: string;
  readonly adminSecretArn: string;
  readonly adminSecretField?: string;
  readonly trustAnchor?: string;
  readonly certificateAuthorityArn?: string;
}

/** How a resource's construct names the host and the admin secret in its messages. */
export interface AdminAccessNames {
  /** e.g. `host`, or `cluster.adminHost` where the host comes with the cluster. */
  readonly host: string;
  /** e.g. `adminSecret`, or `cluster.adminSecret`. */
  readonly adminSecret: string;
}

const q = (v: unknown) => JSON.stringify(v);

/** The admin access properties of a resource, with what is wrong with them (empty when valid). */
export function parseAdminAccess(raw: Record<string, any>, names: AdminAccessNames): { access: AdminAccess; errors: string[] } {
  const access: AdminAccess = {
    clusterId: String(raw.ClusterId ?? ''),
    instanceId: String(raw.InstanceId ?? ''),
    adminSecretArn: String(raw.AdminSecretArn ?? ''),
    adminSecretField: raw.AdminSecretField || undefined,
    trustAnchor: raw.TrustAnchor || undefined,
    certificateAuthorityArn: raw.CertificateAuthorityArn || undefined,
  };
  const errors = [checkClusterId('cluster (ClusterId)', access.clusterId)].filter((e): e is string => e !== undefined);
  if (!INSTANCE_ID_PATTERN.test(access.instanceId)) {
    errors.push(`${names.host} (InstanceId): ${q(access.instanceId)} is not an EC2 instance id (must match ${INSTANCE_ID_PATTERN.source})`);
  }
  if (!SECRET_ARN_PATTERN.test(access.adminSecretArn)) {
    errors.push(`${names.adminSecret} (AdminSecretArn): ${q(access.adminSecretArn)} is not a Secrets Manager secret ARN`);
  }
  if (access.adminSecretField !== undefined && !SECRET_FIELD_PATTERN.test(access.adminSecretField)) {
    errors.push(`adminSecretField (AdminSecretField): ${q(access.adminSecretField)} is not valid (must match ${SECRET_FIELD_PATTERN.source})`);
  }
  if (access.trustAnchor !== undefined) errors.push(...checkCertificatePem('trustAnchor (TrustAnchor)', access.trustAnchor));
  if (access.certificateAuthorityArn !== undefined && !CA_ARN_PATTERN.test(access.certificateAuthorityArn)) {
    errors.push(`certificateAuthority (CertificateAuthorityArn): ${q(access.certificateAuthorityArn)} is not an AWS Private CA ARN`);
  }
  return { access, errors };
}

/** The cluster's trust anchor: given, or read from the CA that signed the cluster; undefined when neither is known. */
export async function trustAnchorFor(who: string, access: AdminAccess): Promise<string | undefined> {
  if (access.trustAnchor) return access.trustAnchor;
  if (access.certificateAuthorityArn) return trustAnchorOf(who, access.certificateAuthorityArn);
  return undefined;
}

/** A secret's own region (a secret of another region is read there), else the handler's. */
export const regionOf = (secretArn: string) => secretArn.split(':')[3] || (process.env.AWS_REGION ?? '');
