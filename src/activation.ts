import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { HsmAdminHostOptions, IHsmAdminHost } from './admin-host';
import { PasswordRotationOptions } from './rotation';

/**
 * How the stack activates a cluster (`activation` of an `HsmCluster`, or `HsmCluster.activate`):
 * a `Custom::CloudHsmActivation` resource runs the CloudHSM CLI's `cluster activate` on an admin
 * host with SSM Run Command, once the cluster is INITIALIZED, and waits until it is ACTIVE. The
 * cluster's other HSMs are created after that, in the same deployment.
 *
 * The admin password is read on the host from Secrets Manager; it is in no template, output,
 * resource property, command or log. Activation cannot be undone: removing it changes nothing in AWS.
 */
export interface ClusterActivationOptions {
  /**
   * The host that runs the CloudHSM CLI, in the cluster's VPC.
   *
   * @default - a new `HsmAdminHost` in the cluster's VPC, made with `hostOptions`
   */
  readonly host?: IHsmAdminHost;

  /**
   * Options of the admin host made when `host` is not given (subnets, package source, VPC endpoints).
   *
   * @default - a t3.micro in the VPC's first private subnet, downloading AWS's CloudHSM CLI package
   */
  readonly hostOptions?: HsmAdminHostOptions;

  /**
   * The secret holding the admin password to set (8 to 32 characters; no whitespace, quotes or
   * backslash). Only the admin host reads it.
   *
   * For a cluster restored from a backup (`sourceBackupId`) it is required: the restored cluster has
   * the backup's users, so its admin password is the source cluster's. Nothing is activated then;
   * the admin host logs in once with this secret (after the first HSM) and a password that does not
   * log in fails the deployment, naming the secret (docs/disaster-recovery.md).
   *
   * @default - a secret the stack generates: 32 letters and digits, kept or deleted with the cluster (its `removalPolicy`); required for a restored cluster
   */
  readonly adminSecret?: secretsmanager.ISecret;

  /**
   * The JSON field of `adminSecret` that holds the password, for a secret stored as JSON.
   *
   * @default - the whole secret string is the password
   */
  readonly adminSecretField?: string;

  /**
   * The cluster's trust anchor (PEM): the certificate that signed the cluster certificate. Required
   * with `initializedOutsideStack` and for a cluster restored from a backup (the source cluster's
   * trust anchor): the CloudHSM CLI and a KMS key store need it.
   *
   * @default - the trust anchor of the stack's `initialization` (or `hostOptions.trustAnchor`)
   */
  readonly trustAnchor?: string;

  /**
   * The cluster was initialized outside this stack (it has no `initialization`), so it can be
   * activated. Needs `trustAnchor`.
   *
   * @default false
   */
  readonly initializedOutsideStack?: boolean;

  /**
   * Rotate the admin password with Secrets Manager: a rotation function sets a new password on the
   * HSMs through the admin host (the CloudHSM CLI's `user change-password`), tests it by logging
   * in, then makes it the secret's current version. The secret's readers get the new password
   * after the rotation; during one (seconds), the HSMs already take the new password while the
   * secret's AWSCURRENT version still holds the old one (docs/operations.md).
   *
   * @default - no rotation
   */
  readonly rotation?: PasswordRotationOptions;
}
