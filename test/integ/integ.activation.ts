/**
 * Integration test of examples/activation: one deployment in us-east-1 from nothing to an ACTIVE
 * cluster with three HSMs in two Availability Zones. DescribeClusters must show the cluster ACTIVE
 * with three ACTIVE HSMs; SSM must report the admin host that ran `cluster activate` online.
 *
 * The cluster's CSR is signed by an ACTIVE AWS Private CA of the account, whose ARN the maintainer
 * puts in the SSM parameter CA_ARN_PARAMETER in us-east-1 before the run (docs/testing.md).
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Lazy } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ActivationStack } from '../../examples/activation/app';

const CA_ARN_PARAMETER = '/cdk-cloudhsm/integ/activation-ca-arn';

const app = new App();
// The parameter belongs to the stack, which needs the CA's ARN when it is declared.
let caArn = '';
// destroyOnRemoval: the run deletes the HSMs, the cluster and its admin secret with the stack.
const stack = new ActivationStack(app, 'CloudHsmIntegActivation', {
  env: { region: 'us-east-1' },
  destroyOnRemoval: true,
  certificateAuthorityArn: Lazy.string({ produce: () => caArn }),
});
caArn = ssm.StringParameter.valueForStringParameter(stack, CA_ARN_PARAMETER);

const integ = new IntegTest(app, 'CloudHsmActivationInteg', {
  testCases: [stack],
  // The assertions deploy with the example's stack, in its region.
  assertionStack: stack,
  regions: ['us-east-1'],
  // Deploying the previous snapshot first would double the HSM hours of a run.
  stackUpdateWorkflow: false,
});

// The stack completes only after activation and the HSMs that follow it. Three like patterns: the
// order in which DescribeClusters lists the HSMs does not matter, their number does.
const activeHsm = Match.objectLike({ State: 'ACTIVE' });
integ.assertions.awsApiCall('CloudHSMV2', 'describeClusters', {
  Filters: { clusterIds: [stack.cluster.clusterId] },
}).expect(ExpectedResult.objectLike({
  Clusters: [Match.objectLike({
    ClusterId: stack.cluster.clusterId,
    State: 'ACTIVE',
    Hsms: [activeHsm, activeHsm, activeHsm],
  })],
}));

// The SSM agent reports in a minute or so after boot; it had to be online for the activation.
integ.assertions.awsApiCall('SSM', 'describeInstanceInformation', {
  Filters: [{ Key: 'InstanceIds', Values: [stack.cluster.adminHost.instanceId] }],
}).expect(ExpectedResult.objectLike({
  InstanceInformationList: [Match.objectLike({
    InstanceId: stack.cluster.adminHost.instanceId,
    PingStatus: 'Online',
  })],
})).waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(30) });
