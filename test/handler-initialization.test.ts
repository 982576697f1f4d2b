import {
  ACMPCAClient, GetCertificateAuthorityCertificateCommand, GetCertificateCommand, IssueCertificateCommand,
  RequestInProgressException,
} from '@aws-sdk/client-acm-pca';
import { CloudHSMV2Client, DescribeClustersCommand, InitializeClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { setClientFactory } from '../lambda/aws';
import { isComplete, onEvent } from '../lambda/index';
import { lastPem, SUBORDINATE_CA_TEMPLATE } from '../lambda/initialization';
import { ResourceEvent } from '../lambda/types';

const hsmMock = mockClient(CloudHSMV2Client);
const pcaMock = mockClient(ACMPCAClient);
const CLUSTER_ID = 'cluster-abcdefghijk';
const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';
const CERT_ARN = `${CA_ARN}/certificate/abc123`;
const CSR = '-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----';
const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
const CLUSTER_CERT = pem('MIIclustercert');
const ROOT = pem('MIIroot');

process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.CDK_CLOUDHSM_QUIET = '1';

const PCA_PROPS = { ServiceToken: 'x', ClusterId: CLUSTER_ID, CertificateAuthorityArn: CA_ARN, ValidityDays: '365' };
const CERT_PROPS = { ServiceToken: 'x', ClusterId: CLUSTER_ID, SignedCert: CLUSTER_CERT, TrustAnchor: ROOT };

function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, any>, extra: Partial<ResourceEvent> = {}): ResourceEvent {
  return {
    RequestType: type,
    RequestId: '6a1e5a8e-1b2c-4d3e-8f90-0123456789ab',
    ResourceType: 'Custom::CloudHsmClusterInitialization',
    LogicalResourceId: 'ClusterInit',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
    PhysicalResourceId: type === 'Create' ? undefined : `cdk-cloudhsm:initialization:${CLUSTER_ID}`,
    ResourceProperties: props,
    ...extra,
  };
}

function cluster(state: string, certificates: Record<string, string> = {}): any {
  return {
    ClusterId: CLUSTER_ID,
    State: state,
    PreCoPassword: 'secret-pre-co-password',
    Hsms: [{ HsmId: 'hsm-firstone2222', State: 'ACTIVE' }],
    Certificates: certificates,
  };
}

const describeReturns = (c: any) => hsmMock.on(DescribeClustersCommand).resolves({ Clusters: [c] });

beforeEach(() => {
  hsmMock.reset();
  pcaMock.reset();
  setClientFactory(() => new CloudHSMV2Client({ region: 'us-east-1' }));
});
afterAll(() => setClientFactory());

describe('onEvent', () => {
  test('Create returns a physical id per cluster and calls nothing', async () => {
    const out = await onEvent(event('Create', PCA_PROPS));
    expect(out.PhysicalResourceId).toBe(`cdk-cloudhsm:initialization:${CLUSTER_ID}`);
    expect(hsmMock.calls()).toHaveLength(0);
    expect(pcaMock.calls()).toHaveLength(0);
  });

  test('bad properties are refused with the rule', async () => {
    await expect(onEvent(event('Create', { ...CERT_PROPS, SignedCert: 'nope' })))
      .rejects.toThrow('ClusterInitialization: signedCertificate: "nope" is not a PEM certificate');
    await expect(onEvent(event('Create', { ClusterId: CLUSTER_ID })))
      .rejects.toThrow('give either a Private CA (fromPrivateCa) or both signedCertificate and trustAnchor');
  });

  test('Delete changes nothing in AWS', async () => {
    const out = await onEvent(event('Delete', PCA_PROPS));
    expect(out.PhysicalResourceId).toBe(`cdk-cloudhsm:initialization:${CLUSTER_ID}`);
    expect(await isComplete(event('Delete', PCA_PROPS))).toEqual({ IsComplete: true });
    expect(hsmMock.calls()).toHaveLength(0);
    expect(pcaMock.calls()).toHaveLength(0);
  });
});

describe('isComplete', () => {
  test('no CSR yet: waits without signing or initializing', async () => {
    describeReturns(cluster('UNINITIALIZED'));
    expect(await isComplete(event('Create', PCA_PROPS))).toEqual({ IsComplete: false });
    expect(pcaMock.calls()).toHaveLength(0);
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(0);
  });

  test('certificates form: InitializeCluster with the given certificates', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    hsmMock.on(InitializeClusterCommand).resolves({ State: 'INITIALIZE_IN_PROGRESS' });
    expect(await isComplete(event('Create', CERT_PROPS))).toEqual({ IsComplete: false });
    expect(hsmMock.commandCalls(InitializeClusterCommand)[0].args[0].input).toEqual({
      ClusterId: CLUSTER_ID, SignedCert: CLUSTER_CERT, TrustAnchor: ROOT,
    });
    expect(pcaMock.calls()).toHaveLength(0);
  });

  test('Private CA form: issues with the subordinate template, reads the certificate and the root, initializes', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    pcaMock.on(IssueCertificateCommand).resolves({ CertificateArn: CERT_ARN });
    pcaMock.on(GetCertificateCommand).resolves({ Certificate: CLUSTER_CERT, CertificateChain: ROOT });
    pcaMock.on(GetCertificateAuthorityCertificateCommand).resolves({ Certificate: ROOT });
    hsmMock.on(InitializeClusterCommand).resolves({ State: 'INITIALIZE_IN_PROGRESS' });
    expect(await isComplete(event('Create', PCA_PROPS))).toEqual({ IsComplete: false });
    const issue = pcaMock.commandCalls(IssueCertificateCommand)[0].args[0].input;
    expect(issue).toMatchObject({
      CertificateAuthorityArn: CA_ARN,
      SigningAlgorithm: 'SHA256WITHRSA',
      TemplateArn: SUBORDINATE_CA_TEMPLATE,
      Validity: { Type: 'DAYS', Value: 365 },
      IdempotencyToken: '6a1e5a8e1b2c4d3e8f900123456789ab',
    });
    expect(Buffer.from(issue.Csr as Uint8Array).toString('utf8')).toBe(CSR);
    expect(pcaMock.commandCalls(GetCertificateCommand)[0].args[0].input).toEqual({ CertificateAuthorityArn: CA_ARN, CertificateArn: CERT_ARN });
    expect(hsmMock.commandCalls(InitializeClusterCommand)[0].args[0].input).toEqual({
      ClusterId: CLUSTER_ID, SignedCert: CLUSTER_CERT, TrustAnchor: ROOT,
    });
  });

  test('Private CA form: a subordinate CA\'s chain gives its root as the trust anchor', async () => {
    const intermediate = pem('MIIintermediate');
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    pcaMock.on(IssueCertificateCommand).resolves({ CertificateArn: CERT_ARN });
    pcaMock.on(GetCertificateCommand).resolves({ Certificate: CLUSTER_CERT });
    pcaMock.on(GetCertificateAuthorityCertificateCommand).resolves({ Certificate: intermediate, CertificateChain: ROOT });
    hsmMock.on(InitializeClusterCommand).resolves({});
    await isComplete(event('Create', PCA_PROPS));
    expect(hsmMock.commandCalls(InitializeClusterCommand)[0].args[0].input.TrustAnchor).toBe(ROOT);
    expect(lastPem(`${intermediate}\n${ROOT}`)).toBe(ROOT);
  });

  test('Private CA form: certificate not issued yet → waits, does not initialize', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    pcaMock.on(IssueCertificateCommand).resolves({ CertificateArn: CERT_ARN });
    pcaMock.on(GetCertificateCommand).rejects(new RequestInProgressException({ message: 'in progress', $metadata: {} }));
    expect(await isComplete(event('Create', PCA_PROPS))).toEqual({ IsComplete: false });
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(0);
  });

  test('Private CA refusal is reported with the CA', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    pcaMock.on(IssueCertificateCommand).rejects(new Error('CA is not ACTIVE'));
    await expect(isComplete(event('Create', PCA_PROPS)))
      .rejects.toThrow(`ClusterInit (${CLUSTER_ID}): IssueCertificate with ${CA_ARN} failed: CA is not ACTIVE`);
  });

  test('INITIALIZE_IN_PROGRESS: waits', async () => {
    describeReturns(cluster('INITIALIZE_IN_PROGRESS', { ClusterCsr: CSR }));
    expect(await isComplete(event('Create', PCA_PROPS))).toEqual({ IsComplete: false });
    expect(pcaMock.calls()).toHaveLength(0);
  });

  test.each(['INITIALIZED', 'ACTIVE'])('already %s: done with the cluster certificate, no PreCoPassword, nothing called', async (state) => {
    describeReturns(cluster(state, { ClusterCertificate: CLUSTER_CERT }));
    const out = await isComplete(event('Create', PCA_PROPS));
    expect(out.IsComplete).toBe(true);
    expect(out.Data?.ClusterCertificate).toBe(CLUSTER_CERT);
    expect(out.Data?.NextStep).toContain(CLUSTER_ID);
    if (state === 'INITIALIZED') expect(out.Data?.NextStep).toContain('CloudHSM CLI');
    expect(JSON.stringify(out)).not.toContain('secret-pre-co-password');
    expect(pcaMock.calls()).toHaveLength(0);
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(0);
  });

  test('a DEGRADED cluster fails with its state message', async () => {
    describeReturns({ ...cluster('DEGRADED'), StateMessage: 'broken' });
    await expect(isComplete(event('Create', CERT_PROPS))).rejects.toThrow(`ClusterInit (${CLUSTER_ID}): the cluster is DEGRADED: broken`);
  });
});
