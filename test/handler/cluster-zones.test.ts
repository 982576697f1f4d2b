// Issue #26, done-when 4: a subnet in an Availability Zone where CloudHSM is not offered fails the
// cluster's create before any CreateCluster, naming the zone; where EC2 cannot tell, the create goes on.
import { CreateClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { DescribeVpcEndpointServicesCommand } from '@aws-sdk/client-ec2';
import { cluster, describes, ec2, event, hsm, SUBNETS, zones } from './cluster-fixtures';
import { clusterHandler } from '../../lambda/cluster';

test('a subnet in a zone without CloudHSM: the create fails naming the zone and the subnet, no CreateCluster', async () => {
  zones(['us-east-1a', 'us-east-1c'], ['us-east-1a', 'us-east-1b']);
  describes();
  await expect(clusterHandler.onEvent(event('Create'))).rejects.toThrow(/not offered in the Availability Zone us-east-1b.*subnet-0123456789abcdef1 \(us-east-1b\).*us-east-1a, us-east-1c/s);
  expect(hsm.commandCalls(CreateClusterCommand)).toHaveLength(0);
  expect(ec2.commandCalls(DescribeVpcEndpointServicesCommand)[0].args[0].input).toEqual({ ServiceNames: ['com.amazonaws.us-east-1.cloudhsmv2'] });
});

test('subnets in offered zones, or EC2 unable to tell: CreateCluster goes ahead', async () => {
  describes();
  hsm.on(CreateClusterCommand).resolves({ Cluster: cluster({ State: 'CREATE_IN_PROGRESS' }) });
  await clusterHandler.onEvent(event('Create'));
  expect(hsm.commandCalls(CreateClusterCommand)[0].args[0].input.SubnetIds).toEqual(SUBNETS);

  hsm.resetHistory();
  ec2.on(DescribeVpcEndpointServicesCommand).rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));
  await clusterHandler.onEvent(event('Create'));
  expect(hsm.commandCalls(CreateClusterCommand)).toHaveLength(1);
});
