import { CfnOutput, CustomResource, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { checkAdminSecret, generatedPasswordSecret } from './admin-secret';
import { allowHostToCluster } from './host-network';
import { hsmChainOf } from './hsm-chain';
import { addPasswordRotation } from './password-rotation';
import { CloudHsmProvider, SERVICE_TIMEOUT } from './provider';
import { checkCertificatePem } from './rules';
import { ClusterActivationOptions } from '../activation';
import { HsmAdminHost, IHsmAdminHost } from '../admin-host';
import type { IHsmCluster } from '../hsm';
import { ClusterInitializationConfig } from '../initialization';

/** What the activation needs to know of its cluster. */
export interface ActivationTarget {
  /** The cluster construct: the activation's resources are its children. */
  readonly cluster: IHsmCluster;
  readonly vpc: ec2.IVpc;
  readonly removalPolicy: RemovalPolicy;
  /** The stack's initialization of the cluster, if any. */
  readonly initialization?: { readonly resource: CustomResource; readonly config: ClusterInitializationConfig };
  /**
   * The cluster is restored from a backup (`sourceBackupId`): it is ACTIVE with the backup's users,
   * so nothing is activated; the source cluster's admin secret is checked to log in instead.
   */
  readonly restored?: boolean;
}

export interface Activation {
  readonly resource: CustomResource;
  readonly adminSecret: secretsmanager.ISecret;
  readonly host: IHsmAdminHost;
  /** The JSON field of the admin secret that holds the password, if it is JSON. */
  readonly adminSecretField?: string;
  /** The cluster's trust anchor (PEM), when known at synth time. */
  readonly trustAnchor?: string;
  /** The Private CA whose certificate is the trust anchor, when `trustAnchor` is not known. */
  readonly certificateAuthorityArn?: string;
}

const activations = new WeakMap<object, Activation>();

/** The activation of a cluster by this stack, if it has one (what a key store on the cluster needs). */
export function activationOf(cluster: IHsmCluster): Activation | undefined {
  return activations.get(cluster);
}

/**
 * Adds the `Custom::CloudHsmActivation` resource of a cluster, its admin host (unless given), its
 * admin password secret (unless given), the host's access to the cluster and to the secret, and
 * makes the cluster's later HSMs wait for it.
 */
export function addActivation(target: ActivationTarget, options: ClusterActivationOptions): Activation {
  const scope = target.cluster;
  const where = `HsmCluster ${scope.node.path}`;
  const errors: string[] = target.restored ? restoreErrors(target, options) : [];
  if (!target.restored && !target.initialization && !options.initializedOutsideStack) {
    errors.push('activation: the cluster must be initialized first; add initialization (or set activation.initializedOutsideStack if it was initialized outside this stack)');
  }
  if (options.host && options.hostOptions) {
    errors.push('activation.hostOptions: applies only to the host the activation makes; it cannot be used with activation.host');
  }
  if (options.host?.vpc && differentVpcs(options.host.vpc, target.vpc)) {
    errors.push(`activation.host (InstanceId): ${options.host.node.path} is in VPC ${describeVpc(options.host.vpc)}, not in the cluster's VPC ${describeVpc(target.vpc)}; the CloudHSM CLI must reach the HSMs from inside the cluster's VPC`);
  }
  const trustAnchor = options.trustAnchor ?? target.initialization?.config.trustAnchor ?? options.hostOptions?.trustAnchor;
  if (options.initializedOutsideStack && !target.restored && !target.initialization && trustAnchor === undefined) {
    errors.push('activation.trustAnchor (TrustAnchor): not given, but activation.initializedOutsideStack is set; a cluster initialized '
      + 'outside this stack needs its trust anchor (the PEM certificate that signed the cluster certificate) for the CloudHSM CLI '
      + 'and for a KMS key store: pass it as activation.trustAnchor');
  } else if (options.trustAnchor !== undefined && !Token.isUnresolved(options.trustAnchor)) {
    errors.push(...checkCertificatePem('activation.trustAnchor (TrustAnchor)', options.trustAnchor));
  }
  if (options.adminSecret) errors.push(...checkAdminSecret('activation.adminSecret (AdminSecretArn)', 'activation.adminSecretField (AdminSecretField)', options.adminSecret, options.adminSecretField));
  else if (options.adminSecretField !== undefined) errors.push('activation.adminSecretField (AdminSecretField): applies only to a secret given as activation.adminSecret');
  if (errors.length > 0) throw new Error(`${where}: ${errors.join('; ')}`);

  const host = options.host ?? new HsmAdminHost(scope, 'AdminHost', { ...options.hostOptions, vpc: target.vpc });
  // A restored cluster always has adminSecret (restoreErrors): a generated one would not log in.
  const adminSecret = options.adminSecret ?? generatedSecret(scope, target.removalPolicy, options.rotation !== undefined);
  const grants = host.grantPrincipal ? [adminSecret.grantRead({ grantPrincipal: host.grantPrincipal })] : [];
  const rules = allowHostToCluster(scope, 'AdminHostAccess', host, target.cluster, `cdk-cloudhsm admin host ${host.node.path}`);

  const provider = CloudHsmProvider.of(scope);
  provider.enableActivation(host.instanceArn);
  const config = target.initialization?.config;
  const resource = new CustomResource(scope, 'Activation', {
    serviceToken: provider.serviceToken,
    resourceType: 'Custom::CloudHsmActivation',
    serviceTimeout: SERVICE_TIMEOUT,
    properties: {
      ClusterId: target.cluster.clusterId,
      InstanceId: host.instanceId,
      AdminSecretArn: adminSecret.secretArn,
      AdminSecretField: options.adminSecretField,
      TrustAnchor: trustAnchor,
      CertificateAuthorityArn: trustAnchor === undefined ? config?.certificateAuthorityArn : undefined,
      // Absent for a new cluster, so that templates of earlier versions stay as they were.
      Restored: target.restored ? true : undefined,
    },
  });
  if (target.initialization) resource.node.addDependency(target.initialization.resource);
  // The admin check of a restored cluster runs on an HSM: after the first one.
  if (target.restored) hsmChainOf(target.cluster).onFirstHsm((hsm) => resource.node.addDependency(hsm));
  resource.node.addDependency(host, rules);
  grants.forEach((g) => g.applyBefore(resource));
  hsmChainOf(target.cluster).setActivation(resource);

  new CfnOutput(scope, 'AdminSecretArn', {
    description: `The secret with the admin password of the CloudHSM cluster ${scope.node.path} (read it in Secrets Manager)`,
    value: adminSecret.secretArn,
  });
  new CfnOutput(scope, 'AdminHostInstanceId', {
    description: `The admin host of the CloudHSM cluster ${scope.node.path} (Session Manager; /opt/cloudhsm/bin/cloudhsm-cli)`,
    value: host.instanceId,
  });
  if (options.rotation) {
    // The schedule rotates at once when created: only once the cluster is activated with the secret's password.
    addPasswordRotation(scope, 'AdminRotation', {
      secret: adminSecret,
      secretField: options.adminSecretField,
      username: 'admin',
      role: 'admin',
      clusterId: target.cluster.clusterId,
      host,
      adminSecret,
      adminSecretField: options.adminSecretField,
      trustAnchor,
      certificateAuthorityArn: trustAnchor === undefined ? config?.certificateAuthorityArn : undefined,
    }, options.rotation, [resource]);
  }
  const activation: Activation = {
    resource,
    adminSecret,
    host,
    adminSecretField: options.adminSecretField,
    trustAnchor,
    certificateAuthorityArn: trustAnchor === undefined ? config?.certificateAuthorityArn : undefined,
  };
  activations.set(target.cluster, activation);
  return activation;
}

/**
 * What activation needs for a cluster restored from a backup. Its users come from the backup, so
 * its admin password is the source cluster's: a generated secret would hold a password that does not
 * log in. Its certificate is the source's too, so the trust anchor is the source's (and no
 * initialization applies). The admin check runs on an HSM of the cluster.
 */
function restoreErrors(target: ActivationTarget, options: ClusterActivationOptions): string[] {
  const errors: string[] = [];
  const restored = 'the cluster is restored from a backup (sourceBackupId)';
  if (!options.adminSecret) {
    errors.push(`activation.adminSecret (AdminSecretArn): required, because ${restored}: its users are the backup's, so a new `
      + 'secret would hold a password that does not log in; pass the source cluster\'s admin secret (a replica in this Region: '
      + 'docs/disaster-recovery.md)');
  }
  if (target.initialization) {
    errors.push(`initialization: ${restored}, which is initialized and ACTIVE with the source cluster's certificate; remove initialization `
      + 'and pass the source cluster\'s trust anchor as activation.trustAnchor');
  } else if (options.trustAnchor === undefined && options.hostOptions?.trustAnchor === undefined) {
    errors.push(`activation.trustAnchor (TrustAnchor): required, because ${restored}: pass the source cluster's trust anchor (the PEM `
      + 'certificate that signed its cluster certificate), which the CloudHSM CLI and a KMS key store need');
  }
  const chain = hsmChainOf(target.cluster);
  target.cluster.node.addValidation({
    validate: () => (chain.count === 0
      ? [`HsmCluster ${target.cluster.node.path}: activation: ${restored}; its admin secret is checked on an HSM of the cluster: add one with addHsm`]
      : []),
  });
  return errors;
}

function generatedSecret(scope: Construct, removalPolicy: RemovalPolicy, rotated: boolean): secretsmanager.ISecret {
  // The password of a kept cluster is kept with it.
  return generatedPasswordSecret(scope, 'AdminSecret', `Admin password of the CloudHSM cluster ${scope.node.path} (cdk-cloudhsm)`, removalPolicy,
    rotated ? undefined : 'The HSM admin password lives on the HSMs: only a rotation function that changes it there through the admin host can rotate it; '
      + 'set activation.rotation for one (docs/operations.md), or rotate it by hand as docs/activation.md describes.');
}

/** Whether two VPC objects are known to be different VPCs. */
export function differentVpcs(a: ec2.IVpc, b: ec2.IVpc): boolean {
  if (a === b || a.vpcId === b.vpcId) return false;
  if (!Token.isUnresolved(a.vpcId) && !Token.isUnresolved(b.vpcId)) return true;
  // A VPC made in this app has an id no other VPC object shares (unless imported from it, by the same token).
  return a instanceof ec2.Vpc || b instanceof ec2.Vpc;
}

/** A VPC as a message names it: its id, or its construct path while the id is a token. */
export function describeVpc(vpc: ec2.IVpc): string {
  return Token.isUnresolved(vpc.vpcId) ? vpc.node.path : JSON.stringify(vpc.vpcId);
}
