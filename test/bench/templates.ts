// Templates the benchmarks deploy and synthesize: the library's cluster + HSMs, and stacks of
// aws-cdk-lib's native CfnCluster for the synth comparison.
import { App, RemovalPolicy, Stack, aws_cloudhsm as cloudhsm } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { HsmCluster } from '../../src';
import { QUERY_INTERVAL_CONTEXT } from '../../src/private/provider';
import { CfnTemplate } from '../harness/types';

export const REGION = 'us-east-1';
const ENV = { account: '123456789012', region: REGION };

function vpcOf(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
}

/** One cluster with `hsms` HSMs; the provider polls every `intervalS` seconds (context key). */
export function clusterTemplate(stackName: string, hsms: number, activated: boolean, intervalS?: number): CfnTemplate {
  const app = new App({ context: intervalS === undefined ? {} : { [QUERY_INTERVAL_CONTEXT]: intervalS } });
  const stack = new Stack(app, stackName, { env: ENV });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc: vpcOf(stack), removalPolicy: RemovalPolicy.DESTROY, activated });
  for (let i = 1; i <= hsms; i++) cluster.addHsm(`Hsm${i}`);
  return app.synth().getStackByName(stackName).template as CfnTemplate;
}

/** `clusters` library clusters with `hsmsEach` HSMs each, in one stack over one VPC. */
export function libraryStack(clusters: number, hsmsEach: number): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Lib', { env: ENV });
  const vpc = vpcOf(stack);
  for (let c = 0; c < clusters; c++) {
    const cluster = new HsmCluster(stack, `Cluster${c}`, { vpc, activated: hsmsEach > 1 });
    for (let i = 1; i <= hsmsEach; i++) cluster.addHsm(`Hsm${i}`);
  }
  return app.synth().getStackByName('Lib').template as CfnTemplate;
}

/** `clusters` native AWS::CloudHSM::Cluster resources (no HSM resource exists natively). */
export function nativeStack(clusters: number): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Native', { env: ENV });
  const vpc = vpcOf(stack);
  const subnetIds = vpc.isolatedSubnets.map((s) => s.subnetId);
  for (let c = 0; c < clusters; c++) {
    new cloudhsm.CfnCluster(stack, `Cluster${c}`, { hsmType: 'hsm2m.medium', subnetIds });
  }
  return app.synth().getStackByName('Native').template as CfnTemplate;
}

export function countType(t: CfnTemplate, type: string): number {
  return Object.values(t.Resources ?? {}).filter((r) => r.Type === type).length;
}
