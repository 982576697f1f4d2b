/**
 * Integration test of examples/basic: the example's stack deployed for real in us-east-1 (its
 * Availability Zones are named), then DescribeClusters must show the stack's tags, its backup
 * retention and an ACTIVE HSM. Without an account, `npx projen integ` only compares the synthesized
 * templates with the committed snapshot. See docs/testing.md.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { BasicStack } from '../../examples/basic/app';

const app = new App();
// destroyOnRemoval: the run deletes the HSM and the cluster with the stack, so nothing keeps billing.
const stack = new BasicStack(app, 'CloudHsmIntegBasic', {
  env: { region: 'us-east-1' },
  destroyOnRemoval: true,
  retentionDays: 30,
  team: 'integ',
});

const integ = new IntegTest(app, 'CloudHsmBasicInteg', {
  testCases: [stack],
  // The assertions deploy with the example's stack, in its region.
  assertionStack: stack,
  regions: ['us-east-1'],
  // Deploying the previous snapshot first would double the HSM hours of a run.
  stackUpdateWorkflow: false,
});

integ.assertions.awsApiCall('CloudHSMV2', 'describeClusters', {
  Filters: { clusterIds: [stack.cluster.clusterId] },
}).expect(ExpectedResult.objectLike({
  Clusters: [Match.objectLike({
    ClusterId: stack.cluster.clusterId,
    // The cluster waits for its CSR to be signed: initialization is a step of its own.
    State: 'UNINITIALIZED',
    BackupRetentionPolicy: { Type: 'DAYS', Value: '30' },
    TagList: Match.arrayWith([{ Key: 'team', Value: 'integ' }]),
    Hsms: [Match.objectLike({ HsmId: stack.hsm.hsmId, AvailabilityZone: 'us-east-1a', State: 'ACTIVE' })],
  })],
}));
