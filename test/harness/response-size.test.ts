// CloudFormation refuses a custom-resource response over 4096 bytes. The harness measures the full
// body the Provider framework sends (Status, Reason, ids, Data) for every custom resource and fails
// the resource over the limit, as CloudFormation does. Every resource type of cdk-cloudhsm is
// deployed here with its largest inputs (certificate chains of 20000 characters, a Private CA with a
// long chain, 49 tags, long names) and must stay under half the limit.
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployHarness } from './engine';
import { MAX_RESPONSE_BYTES, RESPONSE_TOO_LONG_MESSAGE } from './provider';
import { CfnTemplate, DeploymentReport } from './types';
import { BackupCopy, ClusterInitialization, HsmCluster } from '../../src';
import { seedBackup } from '../fault/suite';
import { pemChain } from '../fixtures/pem';
import { useServedSimulator } from '../sim/fixtures';

const REGION = 'us-east-1';
const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';
/** Half of CloudFormation's limit: room for values the service makes longer than the simulator's. */
const BUDGET_BYTES = MAX_RESPONSE_BYTES / 2;
const LONG_NAME = 'AVeryLongConstructIdForMeasuringTheResponseSize';
const ALL_TYPES = ['Custom::CloudHsmBackupCopy', 'Custom::CloudHsmCluster', 'Custom::CloudHsmClusterInitialization', 'Custom::CloudHsmHsm'];

function stackTemplate(init: (stack: Stack) => ClusterInitialization, backupId?: string): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'ResponseSize', { env: { account: '123456789012', region: REGION } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const cluster = new HsmCluster(stack, `${LONG_NAME}Cluster`, {
    vpc, removalPolicy: RemovalPolicy.DESTROY, backupRetention: Duration.days(379), initialization: init(stack),
  });
  for (let i = 0; i < 49; i++) cluster.tags.setTag(`tag-key-${i}-${'k'.repeat(100)}`, 'v'.repeat(256));
  cluster.addHsm(`${LONG_NAME}Hsm`);
  if (backupId) {
    new BackupCopy(stack, `${LONG_NAME}Copy`, { backupId, destinationRegion: 'us-west-2', removalPolicy: RemovalPolicy.DESTROY });
  }
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  return app.synth().getStackByName('ResponseSize').template as CfnTemplate;
}

/** The custom resource types of the report and the largest response of each. */
function largestByType(report: DeploymentReport, template: CfnTemplate): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, bytes] of Object.entries(report.responseBytes)) {
    const type = template.Resources![id].Type;
    out[type] = Math.max(out[type] ?? 0, bytes);
  }
  return out;
}

/** Each type's largest response is within the budget (the type and size show in a failure). */
function expectUnderBudget(sizes: Record<string, number>): void {
  for (const [type, bytes] of Object.entries(sizes)) {
    expect({ type, bytes, underBudget: bytes <= BUDGET_BYTES }).toEqual({ type, bytes, underBudget: true });
  }
}

const served = useServedSimulator(31);
const { sim, pca } = served;

test('every resource type answers well under 4096 bytes, with certificate chains of 20000 characters', async () => {
  const backupId = seedBackup(sim, REGION);
  const chain = pemChain(20000);
  const t = stackTemplate(() => ClusterInitialization.fromCertificates({ signedCertificate: chain, trustAnchor: chain }), backupId);
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'ResponseSize' });
  const created = await h.deploy(t);
  expect(created.outcome).toEqual({ status: 'success' });
  // The certificate did reach the service whole; it is only kept out of the response.
  const clusterId = created.outputs.ClusterId;
  expect((sim.peekCluster(REGION, clusterId) as any).Certificates.ClusterCertificate).toBe(chain);

  const sizes = largestByType(created, t);
  expect(Object.keys(sizes).sort()).toEqual(ALL_TYPES);
  expectUnderBudget(sizes);

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  const deletes = largestByType(destroyed, t);
  expectUnderBudget(deletes);
});

test('the Private CA form answers well under 4096 bytes, with a CA whose chain is long', async () => {
  pca.addCertificateAuthority(CA_ARN, { chain: pemChain(8000) });
  const t = stackTemplate((stack) => ClusterInitialization.fromPrivateCa(
    acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_ARN)));
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'ResponseSize' });
  const created = await h.deploy(t);
  expect(created.outcome).toEqual({ status: 'success' });
  const sizes = largestByType(created, t);
  expect(sizes['Custom::CloudHsmClusterInitialization']).toBeGreaterThan(0);
  expectUnderBudget(sizes);
  expect((await h.destroy()).outcome).toEqual({ status: 'success' });
});

test('the harness fails a resource whose response is over 4096 bytes, as CloudFormation does', async () => {
  const data = (n: number) => ({ Value: 'x'.repeat(n) });
  const handler = {
    onEvent: async (e: any) => ({ PhysicalResourceId: e.PhysicalResourceId ?? 'id-1' }),
    isComplete: async (e: any) => ({ IsComplete: true, Data: data(Number(e.ResourceProperties.Size)) }),
  };
  const template = (size: number): CfnTemplate => ({
    Resources: { Big: { Type: 'Custom::Big', Properties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:x', Size: size } } },
  });
  const fits = await new DeployHarness({ sim, endpoint: served.url, stackName: 'Fits', handler }).deploy(template(3000));
  expect(fits.outcome).toEqual({ status: 'success' });
  expect(fits.responseBytes.Big).toBeGreaterThan(3000);
  expect(fits.responseBytes.Big).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);

  const tooLong = await new DeployHarness({ sim, endpoint: served.url, stackName: 'TooLong', handler }).deploy(template(4000));
  expect(tooLong.outcome.status).toBe('failed');
  expect(tooLong.transitions.find((t) => t.status === 'CREATE_FAILED')?.reason).toBe(RESPONSE_TOO_LONG_MESSAGE);
});
