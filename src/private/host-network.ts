import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IDependable } from 'constructs';
import type { IHsmCluster } from '../hsm';

/**
 * TCP 2223-2225 from each of the host's security groups to each of the cluster's, as standalone
 * rules in `scope`: inline rules would make the host depend on the cluster, whose provider's role
 * names the host (a dependency cycle). `label` names the host in the cluster side's descriptions.
 * Returns the construct holding the rules.
 */
export function allowHostToCluster(scope: Construct, id: string, host: ec2.IConnectable, cluster: IHsmCluster, label: string): IDependable {
  const rules = new Construct(scope, id);
  host.connections.securityGroups.forEach((hostGroup, h) => {
    cluster.connections.securityGroups.forEach((clusterGroup, c) => {
      new ec2.CfnSecurityGroupEgress(rules, `Egress${h}x${c}`, {
        groupId: hostGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: 2223,
        toPort: 2225,
        destinationSecurityGroupId: clusterGroup.securityGroupId,
        description: `CloudHSM cluster ${cluster.node.path} (TCP 2223-2225)`,
      });
      new ec2.CfnSecurityGroupIngress(rules, `Ingress${h}x${c}`, {
        groupId: clusterGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: 2223,
        toPort: 2225,
        sourceSecurityGroupId: hostGroup.securityGroupId,
        description: label,
      });
    });
  });
  return rules;
}
