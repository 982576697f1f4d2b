// Handler tests of Custom::CloudHsmActivation with aws-sdk-client-mock: what is sent to SSM and when,
// how earlier commands are found, how failures read, and that the password never passes through.
import { ACMPCAClient, GetCertificateAuthorityCertificateCommand } from '@aws-sdk/client-acm-pca';
import { CloudHSMV2Client, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import {
  DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { expectHostOfflineMessage, pem, resourceEvent, useHandlerEnv } from './fixtures';
import { resetPcaClient, resetSsmClient, setClientFactory } from '../../lambda/aws';
import { COMMAND_WAIT_PAUSE_MS, QUICK_COMMAND_MS } from '../../lambda/host-command';
import { HOST_ONLINE_BOUND_MS } from '../../lambda/host-wait';
import { isComplete, onEvent } from '../../lambda/index';
import { ResourceEvent } from '../../lambda/types';

const hsmMock = mockClient(CloudHSMV2Client);
// aws-sdk-client-mock 2.2.0 is typed for the SDK generation of the CloudHSM client; the SSM client is newer.
const ssmMock: any = mockClient(SSMClient as any);
const pcaMock = mockClient(ACMPCAClient);

useHandlerEnv();

const CLUSTER_ID = 'cluster-abcdefghijk';
const INSTANCE_ID = 'i-0123456789abcdef0';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cluster-admin-AbCdEf';
const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';
const REQUEST_ID = '6a1e5a8e-1b2c-4d3e-8f90-0123456789ab';
const OTHER_REQUEST = '0b1c2d3e-1b2c-4d3e-8f90-0123456789ab';
const ROOT = pem('MIIrootcertificate');
const PROPS = { ServiceToken: 'x', ClusterId: CLUSTER_ID, InstanceId: INSTANCE_ID, AdminSecretArn: SECRET_ARN, TrustAnchor: ROOT };
const COMMENT = `cdk-cloudhsm activate ${CLUSTER_ID} ${REQUEST_ID}`;

const RESOURCE = { type: 'Custom::CloudHsmActivation', logicalId: 'ClusterActivation', requestId: REQUEST_ID };
function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, any> = PROPS): ResourceEvent {
  return resourceEvent(RESOURCE, type, props, { PhysicalResourceId: type === 'Create' ? undefined : `cdk-cloudhsm:activation:${CLUSTER_ID}` });
}
const polled = (props: Record<string, any> = PROPS) => ({ ...event('Create', props), PhysicalResourceId: `cdk-cloudhsm:activation:${CLUSTER_ID}` });

function clusterIs(state: string, hsms = [{ HsmId: 'hsm-firstone2222', State: 'ACTIVE', EniIp: '10.0.1.15' }]): void {
  hsmMock.on(DescribeClustersCommand).resolves({ Clusters: [{ ClusterId: CLUSTER_ID, State: state, Hsms: hsms, PreCoPassword: 'pre-co-secret' } as any] });
}
const hostIs = (pingStatus: string) => ssmMock.on(DescribeInstanceInformationCommand)
  .resolves({ InstanceInformationList: [{ InstanceId: INSTANCE_ID, PingStatus: pingStatus as any }] });
type Listed = { id: string; status: string; comment: string; at?: number };
const commandsAre = (...commands: Listed[]) => ssmMock.on(ListCommandsCommand)
  .resolves({
    Commands: commands.map((c) => ({ CommandId: c.id, Status: c.status as any, Comment: c.comment, RequestedDateTime: new Date(c.at ?? 0) })),
  });

beforeEach(() => {
  hsmMock.reset();
  ssmMock.reset();
  pcaMock.reset();
  setClientFactory(() => new CloudHSMV2Client({ region: 'us-east-1' }));
  resetSsmClient();
  resetPcaClient();
  ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-new' } });
});

describe('onEvent', () => {
  test('create returns the activation id with the request\'s start and sends nothing (a retried onEvent starts nothing)', async () => {
    const out = await onEvent(event('Create'));
    expect(out.PhysicalResourceId).toMatch(new RegExp(`^cdk-cloudhsm:activation:${CLUSTER_ID}:since:\\d+$`));
    expect(ssmMock.calls()).toHaveLength(0);
  });

  test('delete changes nothing in AWS', async () => {
    await onEvent(event('Delete'));
    const done = await isComplete(event('Delete'));
    expect(done.IsComplete).toBe(true);
    expect(ssmMock.calls()).toHaveLength(0);
    expect(hsmMock.calls()).toHaveLength(0);
  });

  test('a property that is not valid is named', async () => {
    await expect(onEvent(event('Create', { ...PROPS, InstanceId: 'instance-1' }))).rejects.toThrow(/host \(InstanceId\): "instance-1" is not an EC2 instance id/);
    await expect(onEvent(event('Create', { ...PROPS, AdminSecretArn: 'my-secret' }))).rejects.toThrow(/adminSecret \(AdminSecretArn\): "my-secret" is not a Secrets Manager secret ARN/);
  });
});

describe('isComplete', () => {
  test('an update on an ACTIVE cluster is done without any command', async () => {
    clusterIs('ACTIVE');
    const out = await isComplete({ ...polled(), RequestType: 'Update' });
    expect(out).toMatchObject({ IsComplete: true, Data: { State: 'ACTIVE' } });
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(JSON.stringify(out)).not.toContain('pre-co-secret');
  });

  test('a create on a cluster ACTIVE before it checks on the host that the admin secret logs in (activate.sh), then is done', async () => {
    clusterIs('ACTIVE');
    commandsAre();
    hostIs('Online');
    expect((await isComplete(polled())).IsComplete).toBe(false);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(ssmMock.commandCalls(SendCommandCommand)[0].args[0].input.Parameters!.commands!.join('\n')).toContain('activate.sh');
  });

  test('a create on an ACTIVE cluster whose HSMs are all gone cannot check the secret: it fails saying so, sends nothing', async () => {
    clusterIs('ACTIVE', []);
    await expect(isComplete(polled())).rejects.toThrow(/already ACTIVE and has no HSM, so the admin secret .* cannot be checked/);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('waits while the host is not online in SSM', async () => {
    clusterIs('INITIALIZED');
    commandsAre();
    hostIs('ConnectionLost');
    expect((await isComplete(polled())).IsComplete).toBe(false);
    ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    expect((await isComplete(polled())).IsComplete).toBe(false);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('waits for an ACTIVE HSM to configure the CLI with', async () => {
    clusterIs('INITIALIZED', [{ HsmId: 'hsm-firstone2222', State: 'CREATE_IN_PROGRESS', EniIp: '10.0.1.15' }]);
    commandsAre();
    hostIs('Online');
    expect((await isComplete(polled())).IsComplete).toBe(false);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('sends AWS-RunShellScript to that one instance with the script, ids and addresses but no password', async () => {
    clusterIs('INITIALIZED');
    commandsAre({ id: 'cmd-admin', status: 'Success', comment: 'something an admin ran' });
    hostIs('Online');
    expect((await isComplete(polled())).IsComplete).toBe(false);
    const sent = ssmMock.commandCalls(SendCommandCommand);
    expect(sent).toHaveLength(1);
    const input = sent[0].args[0].input;
    expect(input).toMatchObject({ DocumentName: 'AWS-RunShellScript', InstanceIds: [INSTANCE_ID], Comment: COMMENT });
    expect(input.Comment!.length).toBeLessThanOrEqual(100);
    const commands = input.Parameters!.commands!;
    expect(commands[0]).toBe(`bash -s -- '--cluster-id' '${CLUSTER_ID}' '--secret-id' '${SECRET_ARN}' '--region' 'eu-west-1' `
      + `'--hsm-ip' '10.0.1.15' '--trust-anchor-b64' '${Buffer.from(ROOT).toString('base64')}' <<'CDK_CLOUDHSM_ACTIVATE'`);
    expect(commands[commands.length - 1]).toBe('CDK_CLOUDHSM_ACTIVATE');
    expect(commands).toContain('set -uo pipefail');
    expect(commands.some((line: string) => line.includes('aws secretsmanager get-secret-value'))).toBe(true);
    expect(input.Parameters!.executionTimeout).toEqual(['1800']);
    // The handler never reads the secret: it has no Secrets Manager call to make.
    expect(JSON.stringify(input)).not.toMatch(/SecretString"|GetSecretValue/);
  });

  test('the Private CA form sends the CA certificate as trust anchor', async () => {
    clusterIs('INITIALIZED');
    commandsAre();
    hostIs('Online');
    pcaMock.on(GetCertificateAuthorityCertificateCommand).resolves({ Certificate: ROOT });
    const props = { ...PROPS, TrustAnchor: undefined, CertificateAuthorityArn: CA_ARN };
    await isComplete(polled(props));
    expect(pcaMock.commandCalls(GetCertificateAuthorityCertificateCommand)[0].args[0].input.CertificateAuthorityArn).toBe(CA_ARN);
    expect(ssmMock.commandCalls(SendCommandCommand)[0].args[0].input.Parameters!.commands![0]).toContain(Buffer.from(ROOT).toString('base64'));
  });

  test('a running activation command (of any request) is waited for, never doubled', async () => {
    clusterIs('INITIALIZED');
    hostIs('Online');
    for (const status of ['Pending', 'InProgress', 'Delayed']) {
      commandsAre({ id: 'cmd-1', status, comment: `cdk-cloudhsm activate ${CLUSTER_ID} ${OTHER_REQUEST}` });
      expect((await isComplete(polled())).IsComplete).toBe(false);
    }
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('a command this request already sent is found (a duplicated delivery sends no second one)', async () => {
    clusterIs('INITIALIZED');
    hostIs('Online');
    commandsAre({ id: 'cmd-1', status: 'Success', comment: COMMENT });
    expect((await isComplete(polled())).IsComplete).toBe(false);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
    clusterIs('ACTIVE');
    expect((await isComplete(polled())).IsComplete).toBe(true);
  });

  test('this request\'s command succeeded and the cluster is ACTIVE when looked at again: complete in the same check', async () => {
    hsmMock.on(DescribeClustersCommand)
      .resolvesOnce({ Clusters: [{ ClusterId: CLUSTER_ID, State: 'INITIALIZED' } as any] })
      .resolves({ Clusters: [{ ClusterId: CLUSTER_ID, State: 'ACTIVE' } as any] });
    hostIs('Online');
    commandsAre({ id: 'cmd-1', status: 'Success', comment: COMMENT });
    expect(await isComplete(polled())).toEqual({ IsComplete: true, PhysicalResourceId: `cdk-cloudhsm:activation:${CLUSTER_ID}`, Data: { State: 'ACTIVE' } });
    expect(hsmMock.commandCalls(DescribeClustersCommand)).toHaveLength(2);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('a failed command of an earlier request does not stop a new attempt', async () => {
    clusterIs('INITIALIZED');
    hostIs('Online');
    commandsAre({ id: 'cmd-old', status: 'Failed', comment: `cdk-cloudhsm activate ${CLUSTER_ID} ${OTHER_REQUEST}` });
    await isComplete(polled());
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1);
  });

  test('a failed command fails with the cluster, the command id, the exit code and the last lines of stderr', async () => {
    clusterIs('INITIALIZED');
    hostIs('Online');
    commandsAre({ id: 'cmd-1', status: 'Failed', comment: COMMENT, at: 1 }, { id: 'cmd-0', status: 'Success', comment: `cdk-cloudhsm activate ${CLUSTER_ID} ${OTHER_REQUEST}`, at: 0 });
    const stderr = ['line 1', 'line 2', '', 'line 3', 'line 4', 'line 5', 'line 6', 'cdk-cloudhsm activate: cluster activate failed'].join('\n');
    ssmMock.on(GetCommandInvocationCommand, { CommandId: 'cmd-1', InstanceId: INSTANCE_ID })
      .resolves({ Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 10, StandardErrorContent: stderr, StandardOutputContent: 'stdout' });
    const err = await isComplete(polled()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain(CLUSTER_ID);
    expect(message).toContain('command cmd-1');
    expect(message).toContain('exit code 10');
    expect(message).toContain('line 3 | line 4 | line 5 | line 6 | cdk-cloudhsm activate: cluster activate failed');
    expect(message).not.toContain('line 2');
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('an UNINITIALIZED cluster fails naming initialization; a cluster in transition is waited for', async () => {
    clusterIs('UNINITIALIZED');
    await expect(isComplete(polled())).rejects.toThrow(/UNINITIALIZED.*initialization/);
    clusterIs('INITIALIZE_IN_PROGRESS');
    expect((await isComplete(polled())).IsComplete).toBe(false);
    clusterIs('DEGRADED');
    await expect(isComplete(polled())).rejects.toThrow(/DEGRADED/);
  });

  test('a refused SendCommand fails naming the instance', async () => {
    clusterIs('INITIALIZED');
    hostIs('Online');
    commandsAre();
    ssmMock.on(SendCommandCommand).rejects(new Error('InvalidInstanceId: not managed'));
    await expect(isComplete(polled())).rejects.toThrow(`SendCommand to ${INSTANCE_ID} failed: InvalidInstanceId: not managed`);
  });
});

describe('isComplete waits within the check for this request\'s command running on the host', () => {
  const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
  const SENT = NOW - 8_000;
  beforeEach(() => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    hostIs('Online');
  });
  afterEach(() => jest.useRealTimers());
  const invocationEnds = (...statuses: string[]) => {
    const get = ssmMock.on(GetCommandInvocationCommand, { CommandId: 'cmd-1', InstanceId: INSTANCE_ID });
    for (const status of statuses.slice(0, -1)) get.resolvesOnce({ Status: status });
    get.resolves({ Status: statuses[statuses.length - 1], StatusDetails: statuses[statuses.length - 1], ResponseCode: statuses[statuses.length - 1] === 'Failed' ? 10 : 0 });
  };

  test('ends Success two seconds later and the cluster is ACTIVE: complete in this check', async () => {
    hsmMock.on(DescribeClustersCommand)
      .resolvesOnce({ Clusters: [{ ClusterId: CLUSTER_ID, State: 'INITIALIZED' } as any] })
      .resolves({ Clusters: [{ ClusterId: CLUSTER_ID, State: 'ACTIVE' } as any] });
    commandsAre({ id: 'cmd-1', status: 'InProgress', comment: COMMENT, at: SENT });
    invocationEnds('InProgress', 'Success');
    const check = isComplete(polled());
    await jest.advanceTimersByTimeAsync(2 * COMMAND_WAIT_PAUSE_MS);
    expect((await check).IsComplete).toBe(true);
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(2);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('ends Failed within the wait: fails with the command and its exit code in this check', async () => {
    clusterIs('INITIALIZED');
    commandsAre({ id: 'cmd-1', status: 'InProgress', comment: COMMENT, at: SENT });
    invocationEnds('Failed');
    const check = isComplete(polled()).catch((e: Error) => e);
    await jest.advanceTimersByTimeAsync(COMMAND_WAIT_PAUSE_MS);
    const err = await check;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/command cmd-1 .*exit code 10/);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('still running QUICK_COMMAND_MS after it was sent: stops reading then, not complete, sends nothing', async () => {
    clusterIs('INITIALIZED');
    commandsAre({ id: 'cmd-1', status: 'InProgress', comment: COMMENT, at: SENT });
    invocationEnds('InProgress');
    let out: { IsComplete: boolean } | undefined;
    const check = isComplete(polled()).then((o) => { out = o; });
    await jest.advanceTimersByTimeAsync(SENT + QUICK_COMMAND_MS - NOW - 1);
    expect(out).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await check;
    expect(out).toEqual({ IsComplete: false });
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength((SENT + QUICK_COMMAND_MS - NOW) / COMMAND_WAIT_PAUSE_MS);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test.each([
    ['sent longer ago than QUICK_COMMAND_MS', { status: 'InProgress', comment: COMMENT, at: NOW - QUICK_COMMAND_MS }],
    ['still Pending (not delivered)', { status: 'Pending', comment: COMMENT, at: SENT }],
    ['of another request', { status: 'InProgress', comment: `cdk-cloudhsm activate ${CLUSTER_ID} ${OTHER_REQUEST}`, at: SENT }],
  ])('a running command %s is not waited for: not complete at once', async (_, c) => {
    clusterIs('INITIALIZED');
    commandsAre({ id: 'cmd-1', ...c });
    invocationEnds('Success');
    expect(await isComplete(polled())).toEqual({ IsComplete: false });
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });
});

describe('the wait for the admin host is bounded', () => {
  const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
  const WHO = `HsmActivation ClusterActivation (${CLUSTER_ID})`;
  beforeEach(() => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    clusterIs('INITIALIZED');
    commandsAre();
  });
  afterEach(() => jest.useRealTimers());
  /** The poll of the request whose onEvent ran at NOW, made `afterMs` later. */
  const pollAfter = async (afterMs: number) => {
    const { PhysicalResourceId } = await onEvent(event('Create'));
    jest.setSystemTime(NOW + afterMs);
    return isComplete({ ...event('Create'), PhysicalResourceId });
  };

  test('onEvent (create and update) carries when the request began; completion answers with the activation id', async () => {
    expect((await onEvent(event('Create'))).PhysicalResourceId).toBe(`cdk-cloudhsm:activation:${CLUSTER_ID}:since:${NOW / 1000}`);
    expect((await onEvent(event('Update'))).PhysicalResourceId).toBe(`cdk-cloudhsm:activation:${CLUSTER_ID}:since:${NOW / 1000}`);
    clusterIs('ACTIVE');
    // This request's command succeeded: the cluster is ACTIVE through it.
    commandsAre({ id: 'cmd-own', status: 'Success', comment: COMMENT });
    expect((await pollAfter(HOST_ONLINE_BOUND_MS * 2)).PhysicalResourceId).toBe(`cdk-cloudhsm:activation:${CLUSTER_ID}`);
  });

  test('not online before the bound: keeps waiting, sends nothing', async () => {
    hostIs('ConnectionLost');
    expect(await pollAfter(HOST_ONLINE_BOUND_MS - 1_000)).toEqual({ IsComplete: false });
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('not online at the bound: fails naming the resource, the instance, its PingStatus and the causes', async () => {
    hostIs('ConnectionLost');
    const err = await pollAfter(HOST_ONLINE_BOUND_MS).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expectHostOfflineMessage((err as Error).message, WHO, INSTANCE_ID, 'its last SSM PingStatus is ConnectionLost');
    expect((err as Error).message).toContain(`activation of cluster ${CLUSTER_ID}`);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('a host SSM never heard of is named so', async () => {
    ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    const err = await pollAfter(HOST_ONLINE_BOUND_MS + 10_000).catch((e: Error) => e);
    expectHostOfflineMessage((err as Error).message, WHO, INSTANCE_ID, 'it never registered with SSM');
  });

  test('Online just before the bound (or after it): the command is sent', async () => {
    hostIs('Online');
    expect(await pollAfter(HOST_ONLINE_BOUND_MS - 1_000)).toEqual({ IsComplete: false });
    expect(await pollAfter(HOST_ONLINE_BOUND_MS + 60_000)).toEqual({ IsComplete: false });
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(2);
  });

  test('the bound is per request, not per poll: polls of one onEvent fail at its bound; a later onEvent has its own', async () => {
    hostIs('Pending');
    const { PhysicalResourceId: first } = await onEvent(event('Create'));
    const poll = (id?: string) => isComplete({ ...event('Create'), PhysicalResourceId: id });
    for (let at = 10_000; at < HOST_ONLINE_BOUND_MS; at += 60_000) {
      jest.setSystemTime(NOW + at);
      expect(await poll(first)).toEqual({ IsComplete: false });
    }
    // A duplicated delivery five minutes in: its own waiter starts then; the first still ends at its bound.
    jest.setSystemTime(NOW + 5 * 60_000);
    const { PhysicalResourceId: second } = await onEvent(event('Create'));
    jest.setSystemTime(NOW + HOST_ONLINE_BOUND_MS);
    await expect(poll(first)).rejects.toThrow(/is not online in SSM after 15 minutes/);
    expect(await poll(second)).toEqual({ IsComplete: false });
    jest.setSystemTime(NOW + 5 * 60_000 + HOST_ONLINE_BOUND_MS);
    await expect(poll(second)).rejects.toThrow(/is not online in SSM after 15 minutes/);
  });
});
