// The cluster's first HSM replaced by the service before initialization (issue #29 item 4): the
// replacement brings a new CSR. Through the deploy harness with the bundled handler, on the simulator
// and the Private CA fake; InitializeCluster refuses a certificate made for another CSR (sim/csr.ts).
import { App, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployHarness } from './engine';
import { InvocationInfo } from './faults';
import { CfnTemplate } from './types';
import { ClusterInitialization, HsmCluster } from '../../src';
import { certificateFor, csrDigest, csrDigestNamedBy } from '../sim/csr';
import { PEM, useServedSimulator } from '../sim/fixtures';

const REGION = 'us-east-1';
const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';

function template(init?: 'ca' | { signedCertificate: string }): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'First', { env: { account: '123456789012', region: REGION } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const initialization = init === undefined ? undefined : init === 'ca'
    ? ClusterInitialization.fromPrivateCa(acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_ARN))
    : ClusterInitialization.fromCertificates({ signedCertificate: init.signedCertificate, trustAnchor: PEM });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, removalPolicy: RemovalPolicy.DESTROY, initialization });
  const hsm = cluster.addHsm('Hsm1');
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  new CfnOutput(stack, 'HsmId', { value: hsm.hsmId });
  new CfnOutput(stack, 'ClusterCsr', { value: hsm.clusterCsr });
  return app.synth().getStackByName('First').template as CfnTemplate;
}

const served = useServedSimulator(29);
const { sim, pca } = served;
const cluster = (id: string): any => sim.peekCluster(REGION, id);
const isInit = (info: InvocationInfo) => info.event.ResourceType === 'Custom::CloudHsmClusterInitialization';
const firstHsm = () => sim.listResources().find((r) => r.type === 'hsm' && r.state === 'ACTIVE')!.id;

/** Deploys with a Private CA; the service replaces the first HSM just before the initialization's first `fn` invocation. */
async function deployReplacingBefore(fn: 'onEvent' | 'isComplete'): Promise<any> {
  pca.addCertificateAuthority(CA_ARN);
  let done = false;
  const replaceOnce = (info: InvocationInfo) => {
    if (done || !isInit(info) || info.fn !== fn) return;
    done = true;
    sim.replaceHsm(REGION, firstHsm(), { failedMs: 0 });
  };
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'First', faults: { beforeInvoke: replaceOnce } });
  const report = await h.deploy(template('ca'));
  expect(report.outcome).toEqual({ status: 'success' });
  expect(done).toBe(true);
  const c = cluster(report.outputs.ClusterId);
  expect(c.State).toBe('INITIALIZED');
  return c;
}

describe('with a Private CA, initialization signs the CSR the cluster has now', () => {
  test('the first HSM replaced after its resource completed, before initialization began', async () => {
    const c = await deployReplacingBefore('onEvent');
    expect(pca.issuedCertificates()).toHaveLength(1);
    expect(csrDigestNamedBy(c.Certificates.ClusterCertificate)).toBe(csrDigest(pca.issuedCertificates()[0].csr));
  });

  test('the first HSM replaced after onEvent had the old CSR signed: the current CSR is signed again and initializes', async () => {
    const c = await deployReplacingBefore('isComplete');
    const issued = pca.issuedCertificates();
    expect(issued).toHaveLength(2);
    expect(issued[0].csr).not.toBe(issued[1].csr);
    expect(c.Certificates.ClusterCertificate).toBe(issued[1].certificate);
  });
});

describe('with given certificates (fromCertificates)', () => {
  test('a certificate for the replaced HSM\'s CSR fails, saying the first HSM was replaced, the CSR changed and where the new CSR is; one for the new CSR initializes', async () => {
    const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'First' });
    const first = await h.deploy(template());
    expect(first.outcome).toEqual({ status: 'success' });
    const clusterId = first.outputs.ClusterId;
    // The user signs the CSR of the stack output; meanwhile the service replaces the first HSM.
    const signedForOld = certificateFor(first.outputs.ClusterCsr);
    const r = sim.replaceHsm(REGION, first.outputs.HsmId, { failedMs: 0 });
    sim.advance(60 * 60_000);

    const refused = await h.deploy(template({ signedCertificate: signedForOld }));
    expect(refused.outcome.status).toBe('failed');
    if (refused.outcome.status !== 'failed') return;
    expect(refused.outcome.logicalId).toMatch(/Initialization/);
    expect(refused.outcome.message).toContain(`The service replaced the cluster's first HSM before initialization (${r.oldHsmId} -> ${r.newHsmId} on ${r.eniId})`);
    expect(refused.outcome.message).toContain('so the CSR changed');
    expect(refused.outcome.message).toContain(`aws cloudhsmv2 describe-clusters --filters clusterIds=${clusterId}`);
    expect(cluster(clusterId).State).toBe('UNINITIALIZED');

    const newCsr = cluster(clusterId).Certificates.ClusterCsr;
    const accepted = await h.deploy(template({ signedCertificate: certificateFor(newCsr) }));
    expect(accepted.outcome).toEqual({ status: 'success' });
    expect(cluster(clusterId).State).toBe('INITIALIZED');
  });

  test('a certificate for another CSR without any replacement fails with the service\'s refusal only', async () => {
    const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'First' });
    const first = await h.deploy(template());
    const report = await h.deploy(template({ signedCertificate: certificateFor('-----BEGIN CERTIFICATE REQUEST-----\nb3RoZXI=\n-----END CERTIFICATE REQUEST-----') }));
    expect(report.outcome.status).toBe('failed');
    if (report.outcome.status !== 'failed') return;
    expect(report.outcome.message).toContain(`SignedCert was not issued for the current certificate signing request of cluster '${first.outputs.ClusterId}'`);
    expect(report.outcome.message).not.toContain('first HSM');
  });
});
