// A stack with activation for the harness tests (one deployment, no leaks) and what it needs
// around the simulator: the Private CA fake's CA and a host sandbox for the admin host.

import { App, CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CfnTemplate, DeploymentReport } from './harness/types';
import { CloudHsmSimulator, PrivateCaFake } from './sim';
import { ClusterInitialization, HsmCluster } from '../src';
import { HostSandbox } from './sim/host/sandbox';

export const REGION = 'us-east-1';
export const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';

/**
 * VPC in two AZs, cluster with initialization and activation, three HSMs: two in us-east-1a, one in
 * us-east-1b; `extend` adds to the stack (e.g. a key store on the cluster).
 */
export function activationTemplate(stackName = 'Activation', context: Record<string, unknown> = {},
  extend?: (stack: Stack, cluster: HsmCluster) => void): CfnTemplate {
  const app = new App({ context });
  const stack = new Stack(app, stackName, { env: { account: '123456789012', region: REGION } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const ca = acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_ARN);
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc,
    removalPolicy: RemovalPolicy.DESTROY,
    initialization: ClusterInitialization.fromPrivateCa(ca),
    activation: {},
  });
  cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  cluster.addHsm('Hsm2', { availabilityZone: 'us-east-1b' });
  cluster.addHsm('Hsm3', { availabilityZone: 'us-east-1a' });
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  new CfnOutput(stack, 'AdminSecretArn', { value: cluster.adminSecret.secretArn });
  extend?.(stack, cluster);
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  return app.synth().getStackByName(stackName).template as CfnTemplate;
}

/** What a stack with activation needs around the simulator: the CA and a sandbox for its hosts. */
export function activationWorld(sim: CloudHsmSimulator, pca: PrivateCaFake, endpoint: string): HostSandbox {
  pca.addCertificateAuthority(CA_ARN);
  const sandbox = new HostSandbox({ endpoint, region: REGION });
  sim.setCommandRunner(sandbox.runner);
  return sandbox;
}

/**
 * What is left in the simulator that nothing retained on purpose accounts for. The backups the
 * service itself makes when an HSM is deleted (kept by the cluster's backup retention policy)
 * are the service's, as in the other harness tests: they are listed apart in `serviceBackups`.
 */
export function leftOver(report: DeploymentReport, retainedIds: readonly string[], clusterId: string):
{ unexpected: string[]; serviceBackups: number } {
  const serviceBackup = (r: DeploymentReport['leftInSimulator'][number]) => r.type === 'backup' && r.clusterId === clusterId;
  return {
    unexpected: report.leftInSimulator
      .filter((r) => !serviceBackup(r) && !retainedIds.includes(r.id) && !(r.clusterId !== undefined && retainedIds.includes(r.clusterId)))
      .map((r) => `${r.type} ${r.id} ${r.state}`),
    serviceBackups: report.leftInSimulator.filter(serviceBackup).length,
  };
}

