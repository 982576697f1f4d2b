import { CfnOutput, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { activationOf, describeVpc, differentVpcs } from './activation-resource';
import { checkAdminSecret } from './admin-secret';
import { allowHostToCluster } from './host-network';
import { checkCertificatePem } from './rules';
import { HsmAdminHost, HsmAdminHostOptions, IHsmAdminHost } from '../admin-host';
import type { IHsmCluster } from '../hsm';

/**
 * What works on a cluster through its admin host (the key store's kmsuser, and what later features
 * add) needs: the host, the admin secret, the trust anchor, and what to wait for. A cluster has it
 * when this stack activates it (`activation`), or when it was imported with its admin secret and
 * trust anchor (`HsmCluster.fromClusterAttributes`).
 */
export interface ClusterAdmin {
  readonly host: IHsmAdminHost;
  readonly adminSecret: secretsmanager.ISecret;
  /** The JSON field of the admin secret that holds the password, if it is JSON. */
  readonly adminSecretField?: string;
  /** The cluster's trust anchor (PEM), when known at synth time. */
  readonly trustAnchor?: string;
  /** The Private CA whose certificate is the trust anchor, when `trustAnchor` is not known. */
  readonly certificateAuthorityArn?: string;
  /** Makes `resource` (a resource that sends host commands) wait until the host may run them. */
  waitFor(resource: IConstruct): void;
}

/** The admin attributes of `HsmCluster.fromClusterAttributes` (see HsmClusterAttributes for each). */
export interface ImportedAdminAttributes {
  readonly vpc?: ec2.IVpc;
  readonly securityGroupId?: string;
  readonly adminSecret?: secretsmanager.ISecret;
  readonly adminSecretField?: string;
  readonly trustAnchor?: string;
  readonly adminHost?: IHsmAdminHost;
  readonly adminHostOptions?: HsmAdminHostOptions;
}

/** How an imported cluster's admin is made on first use, and what it became. */
interface ImportedAdmin {
  readonly attrs: ImportedAdminAttributes;
  made?: ClusterAdmin;
}

const imported = new WeakMap<object, ImportedAdmin>();

/**
 * What is wrong with the admin attributes of an imported cluster: each message names the
 * attribute, its value where it helps, and the rule. Empty when valid (or when none is given).
 */
export function checkImportedAdmin(attrs: ImportedAdminAttributes): string[] {
  const errors: string[] = [];
  if (!attrs.adminSecret) {
    for (const name of ['adminSecretField', 'trustAnchor', 'adminHost', 'adminHostOptions'] as const) {
      if (attrs[name] !== undefined) {
        errors.push(`${name}: applies only with adminSecret (the admin password of the cluster, for work through its admin host)`);
      }
    }
    return errors;
  }
  if (attrs.trustAnchor === undefined) {
    errors.push('trustAnchor: not given, but adminSecret is; the admin host\'s CloudHSM CLI and a KMS key store need the cluster\'s '
      + 'trust anchor (the PEM certificate that signed the cluster certificate, the customerCA.crt of its initialization)');
  } else if (!Token.isUnresolved(attrs.trustAnchor)) {
    errors.push(...checkCertificatePem('trustAnchor', attrs.trustAnchor));
  }
  errors.push(...checkAdminSecret('adminSecret', 'adminSecretField', attrs.adminSecret, attrs.adminSecretField));
  if (attrs.adminHost && attrs.adminHostOptions) {
    errors.push('adminHostOptions: applies only to the admin host made for the cluster; it cannot be used with adminHost');
  }
  if (!attrs.adminHost) {
    if (!attrs.vpc) errors.push('vpc: not given, but adminSecret is; the admin host made for the cluster runs in the cluster\'s VPC (or pass adminHost)');
    if (attrs.securityGroupId === undefined) {
      errors.push('securityGroupId: not given, but adminSecret is; the admin host made for the cluster reaches the HSMs on TCP 2223-2225 '
        + 'through a rule in the cluster\'s security group (or pass adminHost, a host that reaches the HSMs already)');
    }
  } else if (attrs.adminHost.vpc && attrs.vpc && differentVpcs(attrs.adminHost.vpc, attrs.vpc)) {
    errors.push(`adminHost: ${attrs.adminHost.node.path} is in VPC ${describeVpc(attrs.adminHost.vpc)}, not in the cluster's VPC `
      + `${describeVpc(attrs.vpc)}; the CloudHSM CLI must reach the HSMs from inside the cluster's VPC`);
  }
  return errors;
}

/** Records an imported cluster's admin attributes (checked with checkImportedAdmin); the host is made on first use. */
export function registerImportedAdmin(cluster: IHsmCluster, attrs: ImportedAdminAttributes): void {
  if (attrs.adminSecret) imported.set(cluster, { attrs });
}

/**
 * The admin of a cluster: its activation by this stack, or its imported admin attributes (the admin
 * host, its access to the cluster and to the secret are made here, once); undefined when it has neither.
 */
export function clusterAdminOf(cluster: IHsmCluster): ClusterAdmin | undefined {
  const activation = activationOf(cluster);
  if (activation) {
    return { ...activation, waitFor: (resource) => resource.node.addDependency(activation.resource) };
  }
  const entry = imported.get(cluster);
  if (!entry) return undefined;
  entry.made ??= makeImportedAdmin(cluster, entry.attrs);
  return entry.made;
}

/** The imported cluster's admin host (given, or made in its VPC), with read access to the admin secret and a way to the HSMs. */
function makeImportedAdmin(cluster: IHsmCluster, attrs: ImportedAdminAttributes): ClusterAdmin {
  const adminSecret = attrs.adminSecret!;
  const host = attrs.adminHost ?? new HsmAdminHost(cluster, 'AdminHost', {
    // The trust anchor at setup serves the operator's own CLI sessions; every command carries it anyway.
    trustAnchor: attrs.trustAnchor,
    ...attrs.adminHostOptions,
    vpc: attrs.vpc!,
  });
  const grants: iam.Grant[] = host.grantPrincipal ? [adminSecret.grantRead({ grantPrincipal: host.grantPrincipal })] : [];
  const rules = allowHostToCluster(cluster, 'AdminHostAccess', host, cluster, `cdk-cloudhsm admin host ${host.node.path}`);
  new CfnOutput(cluster, 'AdminHostInstanceId', {
    description: `The admin host of the CloudHSM cluster ${cluster.node.path} (Session Manager; /opt/cloudhsm/bin/cloudhsm-cli)`,
    value: host.instanceId,
  });
  return {
    host,
    adminSecret,
    adminSecretField: attrs.adminSecretField,
    trustAnchor: attrs.trustAnchor,
    waitFor: (resource) => {
      resource.node.addDependency(host, rules);
      grants.forEach((g) => g.applyBefore(resource));
    },
  };
}
