// Cluster initialization through the deploy harness with the bundled handler, on the simulator
// and the AWS Private CA fake: VPC + cluster + HSM + initialization reaches INITIALIZED in one
// deployment; after simulated activation an update adds two HSMs. A CA slower than the idempotency
// token's five minutes, with onEvent delivered twice, still gets exactly one IssueCertificate.
import { App, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployHarness } from './engine';
import { CfnTemplate } from './types';
import { ClusterInitialization, HsmCluster } from '../../src';
import { TOTAL_TIMEOUT_CONTEXT } from '../../src/private/provider';
import { IDEMPOTENCY_WINDOW_MS } from '../sim';
import { useServedSimulator } from '../sim/fixtures';

const REGION = 'us-east-1';
const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';

function template(hsms: number, activated = false, context: Record<string, unknown> = {}): CfnTemplate {
  const app = new App({ context });
  const stack = new Stack(app, 'Init', { env: { account: '123456789012', region: REGION } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const ca = acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_ARN);
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc, removalPolicy: RemovalPolicy.DESTROY, activated, initialization: ClusterInitialization.fromPrivateCa(ca),
  });
  for (let i = 1; i <= hsms; i++) cluster.addHsm(`Hsm${i}`);
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  return app.synth().getStackByName('Init').template as CfnTemplate;
}

const served = useServedSimulator(12);
const { sim, pca } = served;

test('the Private CA fake: a token reused within five virtual minutes gets the same certificate, after that a new one', () => {
  pca.addCertificateAuthority(CA_ARN);
  const csr = Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----').toString('base64');
  const request = { CertificateAuthorityArn: CA_ARN, Csr: csr, SigningAlgorithm: 'SHA256WITHRSA', Validity: { Type: 'DAYS', Value: 1 }, IdempotencyToken: 'token' };
  const issue = () => (pca.handle('IssueCertificate', request) as { CertificateArn: string }).CertificateArn;
  const first = issue();
  sim.advance(IDEMPOTENCY_WINDOW_MS - 1);
  expect(issue()).toBe(first);
  sim.advance(1);
  expect(issue()).not.toBe(first);
  expect(pca.issuedCertificates()).toHaveLength(2);
});

test('VPC + cluster + HSM + Private CA initialization: INITIALIZED in one deployment; after activation an update adds two HSMs', async () => {
  pca.addCertificateAuthority(CA_ARN);
  pca.pendingPolls = 2;
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'Init' });

  const first = await h.deploy(template(1));
  expect(first.outcome).toEqual({ status: 'success' });
  const clusterId = first.outputs.ClusterId;
  const cluster = sim.peekCluster(REGION, clusterId) as any;
  expect(cluster.State).toBe('INITIALIZED');
  expect(cluster.Hsms).toHaveLength(1);
  // The cluster certificate is the one the CA issued for the cluster's CSR, with the subordinate template.
  const issued = pca.issuedCertificates();
  expect(issued).toHaveLength(1);
  expect(issued[0].templateArn).toBe('arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1');
  expect(issued[0].csr).toContain('BEGIN CERTIFICATE REQUEST');
  expect(cluster.Certificates.ClusterCertificate).toBe(issued[0].certificate);
  // Issued once by onEvent, which read it until it was issued (two reads in progress, the third
  // issued); the poll that followed read it once more and initialized. The polls only read it.
  expect(pca.callCount('IssueCertificate')).toBe(1);
  expect(pca.callCount('GetCertificate')).toBe(4);
  expect(first.apiCalls.InitializeCluster).toBe(1);
  const nextStep = Object.entries(first.outputs).find(([k]) => k.includes('InitializationNextStep'))?.[1];
  expect(nextStep).toContain('CloudHSM CLI');
  expect(JSON.stringify(first.outputs)).not.toContain(String(cluster.PreCoPassword ?? 'no-pre-co-password'));

  // What the user does between the deployments: activate the cluster with the CloudHSM CLI.
  sim.activateCluster(REGION, clusterId);
  const updated = await h.deploy(template(3, true));
  expect(updated.outcome).toEqual({ status: 'success' });
  expect((sim.peekCluster(REGION, clusterId) as any).Hsms).toHaveLength(3);
  // The initialization saw an ACTIVE cluster and issued nothing more.
  expect(pca.issuedCertificates()).toHaveLength(1);

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  // Deleting the initialization changed nothing; the cluster and HSMs went with their own resources.
  expect(destroyed.leftInSimulator.filter((r) => r.type !== 'backup')).toEqual([]);
});

test('a CA slower than the idempotency window, onEvent delivered twice: one IssueCertificate, one certificate, INITIALIZED', async () => {
  pca.addCertificateAuthority(CA_ARN);
  pca.pendingPolls = 0;
  pca.issueDelayMs = IDEMPOTENCY_WINDOW_MS + 60_000;
  const duplicateOnEvent = { resourceType: 'Custom::CloudHsmClusterInitialization', requestType: 'Create' } as const;
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'Init', faults: { duplicateOnEvent } });
  const report = await h.deploy(template(1));
  expect(report.outcome).toEqual({ status: 'success' });
  const cluster = sim.peekCluster(REGION, report.outputs.ClusterId) as any;
  expect(cluster.State).toBe('INITIALIZED');
  // Both onEvent runs sent the request's token within seconds: one certificate. Polls went on past
  // the token's five minutes without issuing again.
  expect(pca.callCount('IssueCertificate')).toBe(2);
  expect(pca.issuedCertificates()).toHaveLength(1);
  expect(pca.callCount('GetCertificate')).toBeGreaterThan(5);
  expect(cluster.Certificates.ClusterCertificate).toBe(pca.issuedCertificates()[0].certificate);
  expect(report.warnings.some((w) => w.includes('onEvent (Create) ran twice'))).toBe(true);
});

test('onEvent delivered twice at the same moment: both waiter executions reach InitializeCluster at one poll; one initialization, success', async () => {
  pca.addCertificateAuthority(CA_ARN);
  pca.pendingPolls = 0;
  const duplicateOnEvent = { resourceType: 'Custom::CloudHsmClusterInitialization', requestType: 'Create' } as const;
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'Init', faults: { duplicateOnEvent, duplicateConcurrently: true } });
  const report = await h.deploy(template(1));
  expect(report.outcome).toEqual({ status: 'success' });
  expect(sim.peekCluster(REGION, report.outputs.ClusterId)).toMatchObject({ State: 'INITIALIZED' });
  // Both executions asked; the service took the first, and the second's refusal was read as "in progress".
  expect(report.apiCalls.InitializeCluster).toBe(2);
  expect(pca.issuedCertificates()).toHaveLength(1);
  expect(report.warnings.filter((w) => /answered differently/.test(w))).toEqual([]);
});

test('a CA slower than the idempotency window: exactly one IssueCertificate over the whole lifecycle', async () => {
  pca.addCertificateAuthority(CA_ARN);
  pca.pendingPolls = 0;
  pca.issueDelayMs = IDEMPOTENCY_WINDOW_MS + 60_000;
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'Init' });
  const created = await h.deploy(template(1));
  expect(created.outcome).toEqual({ status: 'success' });
  expect((sim.peekCluster(REGION, created.outputs.ClusterId) as any).State).toBe('INITIALIZED');
  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  expect(pca.callCount('IssueCertificate')).toBe(1);
  expect(pca.issuedCertificates()).toHaveLength(1);
});

test('a CA that never issues: the deployment times out, the rollback deletes the pending initialization without calling AWS', async () => {
  pca.addCertificateAuthority(CA_ARN);
  pca.pendingPolls = 0;
  pca.issueDelayMs = 24 * 3600_000;
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'Init' });
  // A 15-minute provider time-out (HSMs take 12 in the simulator) keeps the polling short (the default is 50 minutes).
  const report = await h.deploy(template(1, false, { [TOTAL_TIMEOUT_CONTEXT]: 15 }));
  expect(report.outcome).toMatchObject({
    status: 'failed',
    resourceType: 'Custom::CloudHsmClusterInitialization',
    requestType: 'Create',
    message: 'Operation timed out',
    rolledBack: true,
  });
  const [certificate] = pca.issuedCertificates();
  const deleted = report.transitions.find((t) => t.kind === 'resource' && t.resourceType === 'Custom::CloudHsmClusterInitialization'
    && t.requestType === 'Delete' && t.status === 'DELETE_COMPLETE');
  expect(deleted?.physicalId).toMatch(new RegExp(`^cdk-cloudhsm:pending-initialization:cluster-[^:]+:csr-[0-9a-f]{16}:${certificate.arn}$`));
  expect(pca.callCount('IssueCertificate')).toBe(1);
  expect(pca.issuedCertificates()).toHaveLength(1);
  expect(report.apiCalls.InitializeCluster ?? 0).toBe(0);
  expect(report.leftInSimulator.filter((r) => r.type !== 'backup')).toEqual([]);
});
