import { createHash } from 'crypto';
import {
  ACMPCAClient, GetCertificateAuthorityCertificateCommand, GetCertificateCommand, IssueCertificateCommand,
  RequestInProgressException,
} from '@aws-sdk/client-acm-pca';
import { CloudHSMV2Client, DescribeClustersCommand, InitializeClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { pem, resourceEvent, useHandlerEnv } from './fixtures';
import { setClientFactory } from '../../lambda/aws';
import { isComplete, onEvent } from '../../lambda/index';
import { ISSUE_WAIT_PAUSES_MS, LATE_ISSUE_WAIT_MS, parsePendingId, pendingId } from '../../lambda/initialization';
import { lastPem, SUBORDINATE_CA_TEMPLATE } from '../../lambda/private-ca';
import { IsCompleteResponse, ResourceEvent } from '../../lambda/types';
import { pemChain } from '../fixtures/pem';

const hsmMock = mockClient(CloudHSMV2Client);
const pcaMock = mockClient(ACMPCAClient);
const CLUSTER_ID = 'cluster-abcdefghijk';
const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';
const CERT_ARN = `${CA_ARN}/certificate/abc123`;
const CSR = '-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----';
const CLUSTER_CERT = pem('MIIclustercert');
const ROOT = pem('MIIroot');
const FINAL_ID = `cdk-cloudhsm:initialization:${CLUSTER_ID}`;
const PENDING_ID = `cdk-cloudhsm:pending-initialization:${CLUSTER_ID}:${CERT_ARN}`;
/** The pending id onEvent returns now: it names the CSR the certificate is for (PENDING_ID is an earlier version's). */
const ISSUED_ID = `cdk-cloudhsm:pending-initialization:${CLUSTER_ID}:csr-${createHash('sha256').update(CSR).digest('hex').slice(0, 16)}:${CERT_ARN}`;
const TOKEN = '6a1e5a8e1b2c4d3e8f900123456789ab';

useHandlerEnv();

const PCA_PROPS = { ServiceToken: 'x', ClusterId: CLUSTER_ID, CertificateAuthorityArn: CA_ARN, ValidityDays: '365' };
const CERT_PROPS = { ServiceToken: 'x', ClusterId: CLUSTER_ID, SignedCert: CLUSTER_CERT, TrustAnchor: ROOT };

const RESOURCE = { type: 'Custom::CloudHsmClusterInitialization', logicalId: 'ClusterInit', requestId: '6a1e5a8e-1b2c-4d3e-8f90-0123456789ab' };
function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, any>, extra: Partial<ResourceEvent> = {}): ResourceEvent {
  return resourceEvent(RESOURCE, type, props, { PhysicalResourceId: type === 'Create' ? undefined : FINAL_ID, ...extra });
}

/** The isComplete event of a create whose onEvent returned `id`. */
const polled = (props: Record<string, any>, id: string) => event('Create', props, { PhysicalResourceId: id });

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
const inProgress = () => new RequestInProgressException({ message: 'in progress', $metadata: {} });

/** Private CA that has issued CERT_ARN and answers GetCertificate "in progress" `pending` times first. */
function caIssuing(pending: number): void {
  pcaMock.on(IssueCertificateCommand).resolves({ CertificateArn: CERT_ARN });
  const get = pcaMock.on(GetCertificateCommand);
  for (let i = 0; i < pending; i++) get.rejectsOnce(inProgress());
  get.resolves({ Certificate: CLUSTER_CERT, CertificateChain: ROOT });
  pcaMock.on(GetCertificateAuthorityCertificateCommand).resolves({ Certificate: ROOT });
}

/** A cluster that has its CSR and goes INITIALIZE_IN_PROGRESS -> INITIALIZED after InitializeCluster. */
function clusterThatInitializes(): void {
  let state = 'UNINITIALIZED';
  hsmMock.on(DescribeClustersCommand).callsFake(() => {
    const c = cluster(state, state === 'INITIALIZED' ? { ClusterCsr: CSR, ClusterCertificate: CLUSTER_CERT } : { ClusterCsr: CSR });
    if (state === 'INITIALIZE_IN_PROGRESS') state = 'INITIALIZED';
    return { Clusters: [c] };
  });
  hsmMock.on(InitializeClusterCommand).callsFake(() => {
    state = 'INITIALIZE_IN_PROGRESS';
    return { State: state };
  });
}

/**
 * One create as the Provider framework runs it: onEvent, then isComplete until complete, each poll
 * with the event onEvent left (the framework drops what an unfinished isComplete returns).
 */
async function create(props: Record<string, any>): Promise<{ polls: ResourceEvent[]; final: IsCompleteResponse }> {
  const started = event('Create', props);
  const merged = { ...started, ...(await onEvent(started)) } as ResourceEvent;
  const polls: ResourceEvent[] = [];
  for (let i = 0; i < 20; i++) {
    polls.push(merged);
    const out = await isComplete(merged);
    if (out.IsComplete) return { polls, final: { ...out, PhysicalResourceId: out.PhysicalResourceId ?? merged.PhysicalResourceId } };
  }
  throw new Error('not complete after 20 polls');
}

beforeEach(() => {
  hsmMock.reset();
  pcaMock.reset();
  setClientFactory(() => new CloudHSMV2Client({ region: 'us-east-1' }));
});
afterAll(() => setClientFactory());

describe('physical ids', () => {
  test('the pending id carries the cluster and the certificate ARN', () => {
    expect(pendingId(CLUSTER_ID, CERT_ARN)).toBe(PENDING_ID);
    expect(parsePendingId(PENDING_ID)).toEqual({ clusterId: CLUSTER_ID, certificateArn: CERT_ARN });
    expect(pendingId(CLUSTER_ID, CERT_ARN, CSR)).toBe(ISSUED_ID);
    expect(parsePendingId(ISSUED_ID)).toEqual({ clusterId: CLUSTER_ID, certificateArn: CERT_ARN, csrDigest: ISSUED_ID.split(':csr-')[1].slice(0, 16) });
  });

  test.each([FINAL_ID, undefined, 'cdk-cloudhsm:pending-initialization:', `cdk-cloudhsm:pending-initialization:${CLUSTER_ID}:not-an-arn`,
    `cdk-cloudhsm:pending-initialization::${CERT_ARN}`])('%s is not pending', (id) => {
    expect(parsePendingId(id)).toBeUndefined();
  });
});

describe('onEvent', () => {
  test('certificates form: Create returns the final id and calls nothing', async () => {
    const out = await onEvent(event('Create', CERT_PROPS));
    expect(out.PhysicalResourceId).toBe(FINAL_ID);
    expect(hsmMock.calls()).toHaveLength(0);
    expect(pcaMock.calls()).toHaveLength(0);
  });

  test('Private CA form: Create issues the certificate with the subordinate template and returns the pending id', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    caIssuing(0);
    const out = await onEvent(event('Create', PCA_PROPS));
    expect(out.PhysicalResourceId).toBe(ISSUED_ID);
    // Issued, then read once (issued at once here): nothing else of the CA.
    expect(pcaMock.calls()).toHaveLength(2);
    expect(pcaMock.commandCalls(GetCertificateCommand)[0].args[0].input).toEqual({ CertificateAuthorityArn: CA_ARN, CertificateArn: CERT_ARN });
    const issue = pcaMock.commandCalls(IssueCertificateCommand)[0].args[0].input;
    expect(issue).toMatchObject({
      CertificateAuthorityArn: CA_ARN,
      SigningAlgorithm: 'SHA256WITHRSA',
      TemplateArn: SUBORDINATE_CA_TEMPLATE,
      Validity: { Type: 'DAYS', Value: 365 },
      IdempotencyToken: TOKEN,
    });
    expect(Buffer.from(issue.Csr as Uint8Array).toString('utf8')).toBe(CSR);
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(0);
  });

  test('a duplicate onEvent (Lambda retry) sends the same idempotency token and returns the same id', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    pcaMock.on(IssueCertificateCommand, { IdempotencyToken: TOKEN }).resolves({ CertificateArn: CERT_ARN });
    const first = await onEvent(event('Create', PCA_PROPS));
    const second = await onEvent(event('Create', PCA_PROPS));
    expect(second).toEqual(first);
    const tokens = pcaMock.commandCalls(IssueCertificateCommand).map((c) => c.args[0].input.IdempotencyToken);
    expect(tokens).toEqual([TOKEN, TOKEN]);
  });

  test.each([
    ['UNINITIALIZED without a CSR', cluster('UNINITIALIZED')],
    ['INITIALIZED', cluster('INITIALIZED', { ClusterCsr: CSR, ClusterCertificate: CLUSTER_CERT })],
    ['INITIALIZE_IN_PROGRESS', cluster('INITIALIZE_IN_PROGRESS', { ClusterCsr: CSR })],
  ])('Private CA form, cluster %s: issues nothing, returns the final id', async (_, c) => {
    describeReturns(c);
    expect((await onEvent(event('Create', PCA_PROPS))).PhysicalResourceId).toBe(FINAL_ID);
    expect(pcaMock.calls()).toHaveLength(0);
  });

  test('Private CA refusal is reported with the CA', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    pcaMock.on(IssueCertificateCommand).rejects(new Error('CA is not ACTIVE'));
    await expect(onEvent(event('Create', PCA_PROPS)))
      .rejects.toThrow(`ClusterInit (${CLUSTER_ID}): IssueCertificate with ${CA_ARN} failed: CA is not ACTIVE`);
  });

  test('bad properties are refused with the rule', async () => {
    await expect(onEvent(event('Create', { ...CERT_PROPS, SignedCert: 'nope' })))
      .rejects.toThrow('ClusterInitialization: signedCertificate (SignedCert): "nope" is not a PEM certificate');
    await expect(onEvent(event('Create', { ClusterId: CLUSTER_ID })))
      .rejects.toThrow('give either a Private CA (fromPrivateCa) or both signedCertificate and trustAnchor');
  });

  test('Delete changes nothing in AWS', async () => {
    const out = await onEvent(event('Delete', PCA_PROPS));
    expect(out.PhysicalResourceId).toBe(FINAL_ID);
    expect(await isComplete(event('Delete', PCA_PROPS))).toEqual({ IsComplete: true });
    expect(hsmMock.calls()).toHaveLength(0);
    expect(pcaMock.calls()).toHaveLength(0);
  });

  test('Delete of a pending id (rollback of an unfinished create): keeps the id, calls nothing, logs the certificate ARN only', async () => {
    const logged = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    delete process.env.CDK_CLOUDHSM_QUIET;
    let lines: string[];
    try {
      // Properties that no longer validate must not stop a Delete.
      const del = event('Delete', { ClusterId: CLUSTER_ID }, { PhysicalResourceId: PENDING_ID });
      expect(await onEvent(del)).toEqual({ PhysicalResourceId: PENDING_ID });
      expect(await isComplete(del)).toEqual({ IsComplete: true });
      lines = logged.mock.calls.map((c) => String(c[0]));
    } finally {
      process.env.CDK_CLOUDHSM_QUIET = '1';
      logged.mockRestore();
    }
    expect(hsmMock.calls()).toHaveLength(0);
    expect(pcaMock.calls()).toHaveLength(0);
    expect(lines.some((l) => l.includes(CERT_ARN) && l.includes('did not finish'))).toBe(true);
  });
});

describe('onEvent waits a few seconds for the certificate it issued', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());
  const waitMs = ISSUE_WAIT_PAUSES_MS.reduce((a, b) => a + b, 0);

  test('issued after two reads: onEvent returns once it is, and the first poll initializes the cluster', async () => {
    clusterThatInitializes();
    caIssuing(2);
    const started = event('Create', PCA_PROPS);
    const pending = onEvent(started);
    await jest.advanceTimersByTimeAsync(ISSUE_WAIT_PAUSES_MS[0] - 1);
    expect(pcaMock.commandCalls(GetCertificateCommand)).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(ISSUE_WAIT_PAUSES_MS[0] + ISSUE_WAIT_PAUSES_MS[1]);
    const out = await pending;
    expect(out.PhysicalResourceId).toBe(ISSUED_ID);
    expect(pcaMock.commandCalls(GetCertificateCommand)).toHaveLength(3);
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(0);
    expect(await isComplete({ ...started, ...out } as ResourceEvent)).toEqual({ IsComplete: false });
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(1);
    expect(pcaMock.commandCalls(IssueCertificateCommand)).toHaveLength(1);
  });

  test('not issued within the pauses: onEvent returns the pending id after them and leaves the certificate to the polls', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    caIssuing(100);
    let out: { PhysicalResourceId?: string } | undefined;
    const pending = onEvent(event('Create', PCA_PROPS)).then((o) => { out = o; });
    await jest.advanceTimersByTimeAsync(waitMs - 1);
    expect(out).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await pending;
    expect(out?.PhysicalResourceId).toBe(ISSUED_ID);
    expect(pcaMock.commandCalls(GetCertificateCommand)).toHaveLength(ISSUE_WAIT_PAUSES_MS.length + 1);
    expect(pcaMock.commandCalls(IssueCertificateCommand)).toHaveLength(1);
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(0);
  });

  test('a read that fails ends the wait at once; the poll reports the failure with the certificate', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    pcaMock.on(IssueCertificateCommand).resolves({ CertificateArn: CERT_ARN });
    pcaMock.on(GetCertificateCommand).rejects(new Error('AccessDeniedException: not allowed'));
    const out = await onEvent(event('Create', PCA_PROPS));
    expect(out.PhysicalResourceId).toBe(ISSUED_ID);
    expect(pcaMock.commandCalls(GetCertificateCommand)).toHaveLength(1);
    await expect(isComplete(polled(PCA_PROPS, PENDING_ID))).rejects.toThrow(`GetCertificate ${CERT_ARN} failed: AccessDeniedException: not allowed`);
  });
});

describe('create through the Provider contract', () => {
  afterEach(() => jest.useRealTimers());

  test('Private CA slower than onEvent\'s wait: IssueCertificate once, GetCertificate per poll, InitializeCluster once, final id at the end', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    clusterThatInitializes();
    // Four reads in onEvent, then two polls that still find it being issued.
    caIssuing(ISSUE_WAIT_PAUSES_MS.length + 3);
    const created = create(PCA_PROPS);
    await jest.advanceTimersByTimeAsync(10_000);
    const { polls, final } = await created;
    expect(pcaMock.commandCalls(IssueCertificateCommand)).toHaveLength(1);
    expect(pcaMock.commandCalls(GetCertificateCommand)).toHaveLength(ISSUE_WAIT_PAUSES_MS.length + 4);
    for (const c of pcaMock.commandCalls(GetCertificateCommand)) {
      expect(c.args[0].input).toEqual({ CertificateAuthorityArn: CA_ARN, CertificateArn: CERT_ARN });
    }
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(1);
    expect(hsmMock.commandCalls(InitializeClusterCommand)[0].args[0].input).toEqual({
      ClusterId: CLUSTER_ID, SignedCert: CLUSTER_CERT, TrustAnchor: ROOT,
    });
    // Every poll saw the certificate ARN in the physical id; the resource ends with the id it always had.
    expect(polls.length).toBeGreaterThanOrEqual(5);
    expect(new Set(polls.map((p) => p.PhysicalResourceId))).toEqual(new Set([ISSUED_ID]));
    expect(final.PhysicalResourceId).toBe(FINAL_ID);
    // The certificate stays out of the response: CloudFormation takes at most 4096 bytes.
    expect(Object.keys(final.Data ?? {}).sort()).toEqual(['NextStep', 'State']);
    expect(JSON.stringify(final)).not.toContain('secret-pre-co-password');
  });

  test('certificates form: InitializeCluster once with the given certificates, no Private CA', async () => {
    clusterThatInitializes();
    const { polls, final } = await create(CERT_PROPS);
    expect(polls[0].PhysicalResourceId).toBe(FINAL_ID);
    expect(final.PhysicalResourceId).toBe(FINAL_ID);
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(1);
    expect(pcaMock.calls()).toHaveLength(0);
  });
});

describe('isComplete', () => {
  test('no CSR yet: waits without signing or initializing', async () => {
    describeReturns(cluster('UNINITIALIZED'));
    expect(await isComplete(polled(PCA_PROPS, FINAL_ID))).toEqual({ IsComplete: false });
    expect(pcaMock.calls()).toHaveLength(0);
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(0);
  });

  test('certificates form: InitializeCluster with the given certificates', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    hsmMock.on(InitializeClusterCommand).resolves({ State: 'INITIALIZE_IN_PROGRESS' });
    expect(await isComplete(polled(CERT_PROPS, FINAL_ID))).toEqual({ IsComplete: false });
    expect(hsmMock.commandCalls(InitializeClusterCommand)[0].args[0].input).toEqual({
      ClusterId: CLUSTER_ID, SignedCert: CLUSTER_CERT, TrustAnchor: ROOT,
    });
    expect(pcaMock.calls()).toHaveLength(0);
  });

  test('certificates form: a chain of 20000 characters reaches InitializeCluster whole', async () => {
    const chain = pemChain(20000);
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    hsmMock.on(InitializeClusterCommand).resolves({ State: 'INITIALIZE_IN_PROGRESS' });
    expect(await isComplete(polled({ ...CERT_PROPS, SignedCert: chain, TrustAnchor: chain }, FINAL_ID))).toEqual({ IsComplete: false });
    const input = hsmMock.commandCalls(InitializeClusterCommand)[0].args[0].input;
    expect([input.SignedCert!.length, input.TrustAnchor!.length]).toEqual([20000, 20000]);
  });

  test('certificates form: a chain over 20000 characters is refused before any call', async () => {
    await expect(onEvent(event('Create', { ...CERT_PROPS, SignedCert: pemChain(20001) })))
      .rejects.toThrow('signedCertificate (SignedCert): the certificate is 20001 characters long; InitializeCluster takes at most 20000');
    expect(hsmMock.calls()).toHaveLength(0);
  });

  test.each([
    ['INITIALIZE_IN_PROGRESS', { IsComplete: false }],
    ['UNINITIALIZED', 'InitializeCluster failed: InitializeCluster is not allowed in this state'],
  ])('InitializeCluster refused, the cluster now %s: another attempt got there first (wait), or a real failure', async (after, expected) => {
    hsmMock.on(DescribeClustersCommand)
      .resolvesOnce({ Clusters: [cluster('UNINITIALIZED', { ClusterCsr: CSR })] })
      .resolves({ Clusters: [cluster(after, { ClusterCsr: CSR })] });
    hsmMock.on(InitializeClusterCommand).rejects(Object.assign(new Error('InitializeCluster is not allowed in this state'),
      { name: 'CloudHsmInvalidRequestException', $fault: 'client', $metadata: {} }));
    const result = isComplete(polled(CERT_PROPS, FINAL_ID));
    if (typeof expected === 'string') await expect(result).rejects.toThrow(expected);
    else await expect(result).resolves.toEqual(expected);
    expect(hsmMock.commandCalls(DescribeClustersCommand)).toHaveLength(2);
  });

  test('pending id, certificate not issued yet: waits, issues nothing, does not initialize', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    caIssuing(1);
    expect(await isComplete(polled(PCA_PROPS, PENDING_ID))).toEqual({ IsComplete: false });
    expect(pcaMock.commandCalls(IssueCertificateCommand)).toHaveLength(0);
    expect(pcaMock.commandCalls(GetCertificateCommand)).toHaveLength(1);
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(0);
  });

  test('pending id, certificate issued: reads it and the root, initializes, issues nothing', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    caIssuing(0);
    hsmMock.on(InitializeClusterCommand).resolves({ State: 'INITIALIZE_IN_PROGRESS' });
    expect(await isComplete(polled(PCA_PROPS, PENDING_ID))).toEqual({ IsComplete: false });
    expect(pcaMock.commandCalls(IssueCertificateCommand)).toHaveLength(0);
    expect(pcaMock.commandCalls(GetCertificateCommand)[0].args[0].input).toEqual({ CertificateAuthorityArn: CA_ARN, CertificateArn: CERT_ARN });
    expect(hsmMock.commandCalls(InitializeClusterCommand)[0].args[0].input).toEqual({
      ClusterId: CLUSTER_ID, SignedCert: CLUSTER_CERT, TrustAnchor: ROOT,
    });
  });

  test('a subordinate CA\'s chain gives its root as the trust anchor', async () => {
    const intermediate = pem('MIIintermediate');
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    pcaMock.on(GetCertificateCommand).resolves({ Certificate: CLUSTER_CERT });
    pcaMock.on(GetCertificateAuthorityCertificateCommand).resolves({ Certificate: intermediate, CertificateChain: ROOT });
    hsmMock.on(InitializeClusterCommand).resolves({});
    await isComplete(polled(PCA_PROPS, PENDING_ID));
    expect(hsmMock.commandCalls(InitializeClusterCommand)[0].args[0].input.TrustAnchor).toBe(ROOT);
    expect(lastPem(`${intermediate}\n${ROOT}`)).toBe(ROOT);
  });

  test('GetCertificate failure is reported with the certificate', async () => {
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    pcaMock.on(GetCertificateCommand).rejects(new Error('request failed'));
    await expect(isComplete(polled(PCA_PROPS, PENDING_ID)))
      .rejects.toThrow(`ClusterInit (${CLUSTER_ID}): GetCertificate ${CERT_ARN} failed: request failed`);
  });

  test('INITIALIZE_IN_PROGRESS: waits', async () => {
    describeReturns(cluster('INITIALIZE_IN_PROGRESS', { ClusterCsr: CSR }));
    expect(await isComplete(polled(PCA_PROPS, PENDING_ID))).toEqual({ IsComplete: false });
    expect(pcaMock.calls()).toHaveLength(0);
  });

  test.each(['INITIALIZED', 'ACTIVE'])('already %s: done with the final id, no certificate and no PreCoPassword in the response, nothing called', async (state) => {
    describeReturns(cluster(state, { ClusterCertificate: CLUSTER_CERT }));
    for (const id of [FINAL_ID, PENDING_ID]) {
      const out = await isComplete(polled(PCA_PROPS, id));
      expect(out.IsComplete).toBe(true);
      expect(out.PhysicalResourceId).toBe(FINAL_ID);
      expect(JSON.stringify(out)).not.toContain('MIIclustercert');
      expect(out.Data?.NextStep).toContain(CLUSTER_ID);
      if (state === 'INITIALIZED') expect(out.Data?.NextStep).toContain('CloudHSM CLI');
      expect(JSON.stringify(out)).not.toContain('secret-pre-co-password');
    }
    expect(pcaMock.calls()).toHaveLength(0);
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(0);
  });

  test('a DEGRADED cluster fails with its state message', async () => {
    describeReturns({ ...cluster('DEGRADED'), StateMessage: 'broken' });
    await expect(isComplete(polled(CERT_PROPS, FINAL_ID))).rejects.toThrow(`ClusterInit (${CLUSTER_ID}): the cluster is DEGRADED: broken`);
  });
});

describe('fallback: the CSR was not there when onEvent ran', () => {
  afterEach(() => jest.useRealTimers());

  test('isComplete issues once, waits for the certificate within the poll, initializes', async () => {
    jest.useFakeTimers();
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    caIssuing(2);
    hsmMock.on(InitializeClusterCommand).resolves({ State: 'INITIALIZE_IN_PROGRESS' });
    const poll = isComplete(polled(PCA_PROPS, FINAL_ID));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(await poll).toEqual({ IsComplete: false });
    expect(pcaMock.commandCalls(IssueCertificateCommand)).toHaveLength(1);
    expect(pcaMock.commandCalls(IssueCertificateCommand)[0].args[0].input.IdempotencyToken).toBe(TOKEN);
    expect(pcaMock.commandCalls(GetCertificateCommand)).toHaveLength(3);
    expect(hsmMock.commandCalls(InitializeClusterCommand)[0].args[0].input.SignedCert).toBe(CLUSTER_CERT);
  });

  test('a CA slower than the wait fails the resource instead of issuing again on a later poll', async () => {
    jest.useFakeTimers();
    describeReturns(cluster('UNINITIALIZED', { ClusterCsr: CSR }));
    pcaMock.on(IssueCertificateCommand).resolves({ CertificateArn: CERT_ARN });
    pcaMock.on(GetCertificateCommand).rejects(inProgress());
    const poll = isComplete(polled(PCA_PROPS, FINAL_ID));
    const failed = expect(poll).rejects.toThrow(`AWS Private CA did not issue certificate ${CERT_ARN} within ${LATE_ISSUE_WAIT_MS / 1000} s`);
    await jest.advanceTimersByTimeAsync(LATE_ISSUE_WAIT_MS + 10_000);
    await failed;
    expect(pcaMock.commandCalls(IssueCertificateCommand)).toHaveLength(1);
    expect(hsmMock.commandCalls(InitializeClusterCommand)).toHaveLength(0);
  });
});
