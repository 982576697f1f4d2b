import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { clusterArnOf, HSM_CLIENT_PORT_RANGE, HsmClusterBase } from './cluster-base';
import { hsmChainOf } from './hsm-chain';
import type { HsmClusterAttributes } from '../cluster-attributes';
import { IHsmCluster } from '../hsm';

/** The cluster `HsmCluster.fromClusterAttributes` returns: an existing cluster, known by its attributes. */
export function importCluster(scope: Construct, id: string, attrs: HsmClusterAttributes): IHsmCluster {
  class Imported extends HsmClusterBase {
    public readonly clusterId = attrs.clusterId;
    public readonly clusterArn = clusterArnOf(this, attrs.clusterId);
    public readonly connections: ec2.Connections;
    public readonly subnets = attrs.subnets ?? [];
    private readonly importedSecurityGroup?: ec2.ISecurityGroup;
    constructor() {
      super(scope, id);
      hsmChainOf(this).activated = attrs.activated ?? false;
      this.importedSecurityGroup = attrs.securityGroupId === undefined
        ? undefined : ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', attrs.securityGroupId);
      this.connections = new ec2.Connections({
        securityGroups: this.importedSecurityGroup ? [this.importedSecurityGroup] : [],
        defaultPort: HSM_CLIENT_PORT_RANGE,
      });
    }
    public get securityGroup(): ec2.ISecurityGroup {
      if (!this.importedSecurityGroup) {
        throw new Error(`HsmCluster ${this.node.path}: securityGroup is unknown; pass securityGroupId to fromClusterAttributes`);
      }
      return this.importedSecurityGroup;
    }
  }
  return new Imported();
}
