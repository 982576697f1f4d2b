import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { HsmAdminHostOptions, IHsmAdminHost } from './admin-host';

/** What identifies an existing cluster for `HsmCluster.fromClusterAttributes`. */
export interface HsmClusterAttributes {
  /** The cluster id, such as `cluster-jxhlf7644ne`. */
  readonly clusterId: string;

  /**
   * The id of the cluster's security group.
   *
   * @default - the cluster has no `securityGroup` and `connections` has no security group
   */
  readonly securityGroupId?: string;

  /**
   * The cluster's subnets, so HSMs added to it are placed and checked at synth time.
   *
   * @default - unknown: HSMs without an `availabilityZone` go to the cluster's AZ with the fewest HSMs at deploy time
   */
  readonly subnets?: ec2.ISubnet[];

  /**
   * Whether the cluster is initialized and activated, so it can hold more than one HSM.
   * Only silences the synth-time warning about the one-HSM-until-activated rule.
   *
   * @default - true when `adminSecret` is given (a cluster with an admin password is activated), otherwise false
   */
  readonly activated?: boolean;

  /**
   * The VPC of the cluster: the admin host made for the cluster (with `adminSecret`) runs in it.
   *
   * @default - unknown; required with `adminSecret` unless `adminHost` is given
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The secret with the password of the cluster's admin user `admin` (the crypto officer that
   * `cluster activate` made), for work on the cluster through an admin host: a KMS key store's
   * kmsuser (`HsmKeyStore`). Only the admin host reads it; it is in no template, output, command or log.
   *
   * Its value is the password as a plain string, or a JSON object with the password in the field
   * that `adminSecretField` names (for example `{"username":"admin","password":"..."}` with
   * `adminSecretField: 'password'`; other keys are ignored). The password must be the CloudHSM
   * CLI's: 8 to 32 characters, no whitespace, quotes or backslash. A password that does not log in
   * fails the deployment naming the secret, and the same secret version is not tried again (the
   * CLI locks a user after five failed logins): put the right password in the secret and deploy again.
   * Needs `trustAnchor`, and `vpc` with `securityGroupId` (or `adminHost`).
   *
   * @default - no admin access: the cluster can have HSMs, but no key store
   */
  readonly adminSecret?: secretsmanager.ISecret;

  /**
   * The JSON field of `adminSecret` that holds the password, for a secret stored as JSON.
   *
   * @default - the whole secret string is the password
   */
  readonly adminSecretField?: string;

  /**
   * The cluster's trust anchor (PEM): the certificate that signed the cluster certificate (the
   * `customerCA.crt` of its initialization). Required with `adminSecret`: the admin host's CLI and
   * a KMS key store need it.
   *
   * @default - none; required with `adminSecret`
   */
  readonly trustAnchor?: string;

  /**
   * An admin host of your own (with the CloudHSM CLI, managed by SSM) for the work done through
   * `adminSecret`. It must already reach the cluster's HSMs on TCP 2223-2225.
   *
   * @default - a new `HsmAdminHost` in `vpc`, made with `adminHostOptions` when first needed (by a key store), allowed into `securityGroupId`
   */
  readonly adminHost?: IHsmAdminHost;

  /**
   * Options of the admin host made for the cluster when `adminHost` is not given.
   *
   * @default - a t3.micro in the VPC's first private subnet, downloading AWS's CloudHSM CLI package
   */
  readonly adminHostOptions?: HsmAdminHostOptions;
}

/** Options of `HsmCluster.fromCfnCluster`. */
export interface CfnClusterImportOptions {
  /**
   * Whether the cluster is initialized and activated (or restored from a backup), so it can hold
   * more than one HSM. Only silences the synth-time warning about the one-HSM-until-activated rule.
   *
   * @default false
   */
  readonly activated?: boolean;
}
