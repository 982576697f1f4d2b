// Handler tests of Custom::CloudHsmCryptoUser with aws-sdk-client-mock: the physical id (one user
// per resource), the command sent to the admin host (ids, name, addresses, trust anchor; never a
// password), the earlier command found instead of a second one, a failed command quoted, updates in
// place or refused, and the delete (--delete, or nothing when the cluster is gone).
import { CloudHSMV2Client, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { resourceEvent, useHandlerEnv } from './fixtures';
import { resetSecretsManagerClient, resetSsmClient, setClientFactory } from '../../lambda/aws';
import { isComplete, onEvent } from '../../lambda/index';
import { ResourceEvent } from '../../lambda/types';

const hsmMock = mockClient(CloudHSMV2Client);
const ssmMock: any = mockClient(SSMClient as any);
const secretsMock: any = mockClient(SecretsManagerClient as any);

useHandlerEnv();

const CLUSTER_ID = 'cluster-abcdefghijk';
const INSTANCE_ID = 'i-0123456789abcdef0';
const ADMIN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cluster-admin-AbCdEf';
const USER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:signer-GhIjKl';
const OTHER_USER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other-MnOpQr';
const REQUEST_ID = '6a1e5a8e-1b2c-4d3e-8f90-0123456789ab';
const ROOT = '-----BEGIN CERTIFICATE-----\nMIIrootcertificate\n-----END CERTIFICATE-----';
const PROPS = {
  ServiceToken: 'x',
  ClusterId: CLUSTER_ID,
  InstanceId: INSTANCE_ID,
  AdminSecretArn: ADMIN_ARN,
  Username: 'signer',
  UserSecretArn: USER_ARN,
  TrustAnchor: ROOT,
};
const OWN_ID = `cdk-cloudhsm:crypto-user:${CLUSTER_ID}:signer`;
const RESOURCE = { type: 'Custom::CloudHsmCryptoUser', logicalId: 'Signer', requestId: REQUEST_ID };

function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, any> = PROPS, extra: Partial<ResourceEvent> = {}): ResourceEvent {
  return resourceEvent(RESOURCE, type, props, {
    PhysicalResourceId: type === 'Create' ? `${OWN_ID}:since:${Math.floor(Date.now() / 1000)}` : OWN_ID,
    OldResourceProperties: type === 'Update' ? PROPS : undefined,
    ...extra,
  });
}
function clusterIs(state: string, hsms = 1): void {
  hsmMock.on(DescribeClustersCommand).resolves({
    Clusters: [{
      ClusterId: CLUSTER_ID,
      State: state,
      Hsms: Array.from({ length: hsms }, (_, i) => ({ HsmId: `hsm-abcdefghij${i}`, State: 'ACTIVE', AvailabilityZone: 'us-east-1a', EniIp: `10.0.${i}.15`, ClusterId: CLUSTER_ID })),
    } as any],
  });
}
const hostIs = (pingStatus: string) => ssmMock.on(DescribeInstanceInformationCommand)
  .resolves({ InstanceInformationList: [{ InstanceId: INSTANCE_ID, PingStatus: pingStatus }] });
const commandsAre = (...commands: { id: string; status: string; comment: string }[]) => ssmMock.on(ListCommandsCommand)
  .resolves({ Commands: commands.map((c) => ({ CommandId: c.id, Status: c.status, Comment: c.comment, RequestedDateTime: new Date(0) })) });
const failed = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error) => e.message);
const sentCommands = (): string[] => ssmMock.commandCalls(SendCommandCommand).map((c: any) => c.args[0].input);

beforeEach(() => {
  hsmMock.reset();
  ssmMock.reset();
  secretsMock.reset();
  setClientFactory(() => new CloudHSMV2Client({ region: 'us-east-1' }));
  resetSsmClient();
  resetSecretsManagerClient();
  ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-new' } });
  ssmMock.on(ListCommandsCommand).resolves({ Commands: [] });
  secretsMock.on(GetSecretValueCommand).rejects(new Error('the handler must not read a password'));
});

describe('onEvent', () => {
  test('create: the pending id of this cluster and user, nothing sent', async () => {
    const out = await onEvent(event('Create', PROPS, { PhysicalResourceId: undefined }));
    expect(out.PhysicalResourceId).toMatch(new RegExp(`^${OWN_ID}:since:\\d+$`));
    expect(ssmMock.calls()).toHaveLength(0);
  });

  test('a name in upper case is the lowercase user (the CLI shows names in lowercase)', async () => {
    const out = await onEvent(event('Create', { ...PROPS, Username: 'Signer' }, { PhysicalResourceId: undefined }));
    expect(out.PhysicalResourceId).toMatch(new RegExp(`^${OWN_ID}:since:`));
  });

  test.each([['Not-A-Name', 'is not a CloudHSM user name'], ['a'.repeat(32), 'is not a CloudHSM user name'], ['KMSUSER', 'is taken on every cluster']])(
    'refuses the name %j', async (name, message) => {
      expect(await failed(onEvent(event('Create', { ...PROPS, Username: name })))).toContain(`username (Username): ${JSON.stringify(name)} ${message}`);
    });

  test('update of the same user (another host or admin secret): in place, nothing sent', async () => {
    const out = await onEvent(event('Update', { ...PROPS, InstanceId: 'i-0fedcba9876543210' }));
    expect(out.PhysicalResourceId).toBe(OWN_ID);
    const done = await isComplete(event('Update', { ...PROPS, InstanceId: 'i-0fedcba9876543210' }));
    expect(done).toEqual({ IsComplete: true, PhysicalResourceId: OWN_ID, Data: { Username: 'signer' } });
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('update to another password secret: refused, naming what to do', async () => {
    const message = await failed(onEvent(event('Update', { ...PROPS, UserSecretArn: OTHER_USER_ARN })));
    expect(message).toContain('passwordSecret (UserSecretArn): the user\'s password secret cannot be swapped');
  });

  test('update to another name: a new user (a new pending id); CloudFormation removes the old one', async () => {
    const out = await onEvent(event('Update', { ...PROPS, Username: 'signer2' }));
    expect(out.PhysicalResourceId).toMatch(new RegExp(`^cdk-cloudhsm:crypto-user:${CLUSTER_ID}:signer2:since:\\d+$`));
  });
});

describe('isComplete: create', () => {
  test('sends create-crypto-user.sh with ids, the name, addresses and the trust anchor; never a password', async () => {
    clusterIs('ACTIVE', 2);
    hostIs('Online');
    expect(await isComplete(event('Create'))).toEqual({ IsComplete: false });
    const [input] = sentCommands() as any[];
    expect(input).toMatchObject({ DocumentName: 'AWS-RunShellScript', InstanceIds: [INSTANCE_ID], Comment: `cdk-cloudhsm cu-create ${CLUSTER_ID} ${REQUEST_ID}` });
    const first = input.Parameters.commands[0];
    for (const arg of ['--username', "'signer'", `'${ADMIN_ARN}'`, `'${USER_ARN}'`, "'10.0.0.15'", "'10.0.1.15'",
      `'${Buffer.from(ROOT).toString('base64')}'`]) expect(first).toContain(arg);
    expect(first).not.toContain('--delete');
    expect(input.Parameters.commands.join('\n')).toContain('# create-crypto-user.sh');
    expect(secretsMock.calls()).toHaveLength(0);
  });

  test('this request\'s command already succeeded (a lost response): done, nothing sent again', async () => {
    clusterIs('ACTIVE');
    hostIs('Online');
    commandsAre({ id: 'cmd-1', status: 'Success', comment: `cdk-cloudhsm cu-create ${CLUSTER_ID} ${REQUEST_ID}` });
    expect(await isComplete(event('Create'))).toEqual({ IsComplete: true, PhysicalResourceId: OWN_ID, Data: { Username: 'signer' } });
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('a crypto-user command still running on the cluster: waits, sends nothing', async () => {
    clusterIs('ACTIVE');
    hostIs('Online');
    commandsAre({ id: 'cmd-1', status: 'Pending', comment: `cdk-cloudhsm cu-create ${CLUSTER_ID} other-request` });
    expect(await isComplete(event('Create'))).toEqual({ IsComplete: false });
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('this request\'s command failed: the error quotes its exit code and output', async () => {
    clusterIs('ACTIVE');
    commandsAre({ id: 'cmd-1', status: 'Failed', comment: `cdk-cloudhsm cu-create ${CLUSTER_ID} ${REQUEST_ID}` });
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'Failed', ResponseCode: 12, StandardErrorContent: 'crypto user signer already exists' });
    const message = await failed(isComplete(event('Create')));
    expect(message).toContain(`CryptoUser Signer (signer on ${CLUSTER_ID}): creating crypto user signer on cluster ${CLUSTER_ID} failed`);
    expect(message).toContain('exit code 12: crypto user signer already exists');
  });

  test('a cluster not yet ACTIVE in a transition waits; an INITIALIZED one is an error', async () => {
    clusterIs('UPDATE_IN_PROGRESS');
    expect(await isComplete(event('Create'))).toEqual({ IsComplete: false });
    clusterIs('INITIALIZED');
    expect(await failed(isComplete(event('Create')))).toContain('is INITIALIZED; crypto users are created on an ACTIVE (activated) cluster');
  });
});

describe('isComplete: delete', () => {
  test('sends the script with --delete', async () => {
    clusterIs('ACTIVE');
    hostIs('Online');
    expect(await isComplete(event('Delete'))).toEqual({ IsComplete: false });
    const [input] = sentCommands() as any[];
    expect(input.Comment).toBe(`cdk-cloudhsm cu-delete ${CLUSTER_ID} ${REQUEST_ID}`);
    expect(input.Parameters.commands[0]).toContain("'--delete'");
  });

  test('done once the delete command succeeded', async () => {
    clusterIs('ACTIVE');
    commandsAre({ id: 'cmd-1', status: 'Success', comment: `cdk-cloudhsm cu-delete ${CLUSTER_ID} ${REQUEST_ID}` });
    expect(await isComplete(event('Delete'))).toEqual({ IsComplete: true });
  });

  test('a cluster that is gone or has no HSM: nothing to delete', async () => {
    hsmMock.on(DescribeClustersCommand).resolves({ Clusters: [] });
    expect(await isComplete(event('Delete'))).toEqual({ IsComplete: true });
    clusterIs('ACTIVE', 0);
    expect(await isComplete(event('Delete'))).toEqual({ IsComplete: true });
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });
});
