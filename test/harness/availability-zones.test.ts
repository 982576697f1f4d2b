// Issue #26, done-when 4, through the deploy harness: a stack whose cluster has a subnet in an
// Availability Zone where CloudHSM is not offered fails before any CreateCluster, naming the zone;
// nothing is left behind. The same stack deploys where every zone is offered.
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployHarness } from './engine';
import { CfnTemplate } from './types';
import { HsmCluster } from '../../src';
import { setCloudHsmZones } from '../sim/ec2';
import { useServedSimulator } from '../sim/fixtures';

const REGION = 'us-east-1';
const served = useServedSimulator(44);
const { sim } = served;

function template(): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Zones', { env: { account: '123456789012', region: REGION } });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1e'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  new HsmCluster(stack, 'Cluster', { vpc, removalPolicy: RemovalPolicy.DESTROY });
  return app.synth().getStackByName('Zones').template as CfnTemplate;
}

test('a subnet in a zone without CloudHSM: the deployment fails before CreateCluster, naming the zone', async () => {
  setCloudHsmZones(sim, REGION, ['us-east-1a', 'us-east-1b', 'us-east-1c']);
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'Zones' });
  const report = await h.deploy(template());
  expect(report.outcome).toMatchObject({ status: 'failed', resourceType: 'Custom::CloudHsmCluster' });
  const message = report.outcome.status === 'failed' ? report.outcome.message : '';
  expect(message).toMatch(/HsmCluster \S+: CloudHSM is not offered in the Availability Zone us-east-1e/);
  expect(sim.callCounts(REGION).CreateCluster ?? 0).toBe(0);
  expect(sim.listResources().filter((r) => r.type === 'cluster')).toEqual([]);
});

test('every zone offered: the same stack deploys', async () => {
  setCloudHsmZones(sim, REGION, ['us-east-1a', 'us-east-1e']);
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'Zones' });
  const report = await h.deploy(template());
  expect(report.outcome).toEqual({ status: 'success' });
  expect(sim.callCounts(REGION).CreateCluster).toBe(1);
  expect((await h.destroy()).outcome).toEqual({ status: 'success' });
});
