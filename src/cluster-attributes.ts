import * as ec2 from 'aws-cdk-lib/aws-ec2';

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
   * @default false
   */
  readonly activated?: boolean;
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
