// What the handler tests of Custom::CloudHsmCluster share (cluster*.test.ts): the mocked CloudHSM
// client, the resource, its properties and events, and a described cluster. Importing it registers
// the beforeEach that resets the mock in the importing test file.

import { CloudHSMV2Client, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { DescribeSubnetsCommand, DescribeVpcEndpointServicesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { resourceEvent, useHandlerEnv } from './fixtures';
import { setClientFactory } from '../../lambda/aws';
import { pendingClusterId } from '../../lambda/cluster';
import { ResourceEvent } from '../../lambda/types';

export const hsm = mockClient(CloudHSMV2Client);
/** EC2, asked before CreateCluster where CloudHSM is offered (lambda/availability-zones.ts). */
// The newer EC2 client's types do not match aws-sdk-client-mock 2.x's (as for SSM in activation.test.ts): typed loosely.
export const ec2: any = mockClient(EC2Client as any);
export const REQUEST_TAG = 'cdk-cloudhsm:create-request';
export const CLUSTER_ID = 'cluster-abcdefghijk';
export const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];
export const VPC = 'vpc-0123456789abcdef0';
export const TWINS_TAG = 'cdk-cloudhsm:twins';
/** The physical id of the create request req-1 until its cluster is settled. */
export const PENDING = pendingClusterId(VPC, 'req-1');

useHandlerEnv();

export function props(overrides: Record<string, any> = {}): Record<string, any> {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework',
    HsmType: 'hsm2m.medium',
    SubnetIds: SUBNETS,
    BackupRetentionDays: '30',
    Tags: [{ Key: 'team', Value: 'payments' }],
    AllowReplacement: 'false',
    ...overrides,
  };
}

export const RESOURCE = { type: 'Custom::CloudHsmCluster', logicalId: 'Cluster', requestId: 'req-1' };
export const event = (type: 'Create' | 'Update' | 'Delete', extra: Partial<ResourceEvent> = {}) => resourceEvent(RESOURCE, type, props(), extra);

export function cluster(overrides: Record<string, any> = {}): any {
  return {
    ClusterId: CLUSTER_ID,
    State: 'UNINITIALIZED',
    HsmType: 'hsm2m.medium',
    SecurityGroup: 'sg-0123456789abcdef0',
    VpcId: VPC,
    CreateTimestamp: 1700000000,
    BackupRetentionPolicy: { Type: 'DAYS', Value: '30' },
    PreCoPassword: 'secret-pre-co-password',
    Hsms: [],
    TagList: [{ Key: 'team', Value: 'payments' }, { Key: REQUEST_TAG, Value: 'req-1' }],
    ...overrides,
  };
}

export function describes(...clusters: any[]): void {
  hsm.on(DescribeClustersCommand).resolves({ Clusters: clusters });
}

/** EC2's answers: CloudHSM offered in `offered`; the subnets of SUBNETS in us-east-1a and us-east-1b (or `zones`). */
export function zones(offered = ['us-east-1a', 'us-east-1b', 'us-east-1c'], subnetZones = ['us-east-1a', 'us-east-1b']): void {
  ec2.on(DescribeVpcEndpointServicesCommand).resolves({
    ServiceDetails: [{ ServiceName: 'com.amazonaws.us-east-1.cloudhsmv2', AvailabilityZones: offered }],
  });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: SUBNETS.map((SubnetId, i) => ({ SubnetId, AvailabilityZone: subnetZones[i] })) });
}

beforeEach(() => {
  hsm.reset();
  ec2.reset();
  zones();
  setClientFactory();
});
