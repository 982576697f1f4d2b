import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IDependable } from 'constructs';
import type { IHsmAdminHost } from '../admin-host';
import type { IHsmCluster } from '../hsm';

/**
 * TCP 2223-2225 from each of the host's security groups to each of the cluster's, as standalone
 * rules in `scope`: inline rules would make the host depend on the cluster, whose provider's role
 * names the host (a dependency cycle). Returns the construct holding the rules.
 */
export function allowHostToCluster(scope: Construct, id: string, host: IHsmAdminHost, cluster: IHsmCluster): IDependable {
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
        description: `cdk-cloudhsm admin host ${host.node.path}`,
      });
    });
  });
  return rules;
}
