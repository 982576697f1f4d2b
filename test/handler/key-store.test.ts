// Handler tests of Custom::CloudHsmKeyStore with aws-sdk-client-mock: the deploy-time checks of the
// cluster, kmsuser through the admin host (command text without passwords, earlier commands found,
// failures of the host script), CreateCustomKeyStore with the password read from its secret, the
// connection with every ConnectionErrorCode, the name change in place and the removal.
import { CloudHSMV2Client, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import {
  ConnectCustomKeyStoreCommand, CreateCustomKeyStoreCommand, DeleteCustomKeyStoreCommand, DescribeCustomKeyStoresCommand,
  DisconnectCustomKeyStoreCommand, KMSClient, UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { expectHostOfflineMessage, resourceEvent, useHandlerEnv } from './fixtures';
import { resetKmsClient, resetSecretsManagerClient, resetSsmClient, setClientFactory } from '../../lambda/aws';
import { COMMAND_WAIT_PAUSE_MS, QUICK_COMMAND_MS } from '../../lambda/host-command';
import { HOST_ONLINE_BOUND_MS } from '../../lambda/host-wait';
import { isComplete, onEvent } from '../../lambda/index';
import { CONNECTION_ERROR_ADVICE } from '../../lambda/key-store-errors';
import { ResourceEvent } from '../../lambda/types';

const hsmMock = mockClient(CloudHSMV2Client);
// aws-sdk-client-mock 2.2.0 is typed for the CloudHSM client's SDK generation; these clients are newer.
const ssmMock: any = mockClient(SSMClient as any);
const kmsMock: any = mockClient(KMSClient as any);
const secretsMock: any = mockClient(SecretsManagerClient as any);

useHandlerEnv();

const CLUSTER_ID = 'cluster-abcdefghijk';
const OTHER_CLUSTER = 'cluster-zyxwvutsrqp';
const INSTANCE_ID = 'i-0123456789abcdef0';
const ADMIN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cluster-admin-AbCdEf';
const KMSUSER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kmsuser-GhIjKl';
const KMSUSER_PASSWORD = 'Kms4User5Password6Secret7Value8x';
const STORE_ID = 'cks-1234567890abcdef0';
const NAME = 'app-keys';
const REQUEST_ID = '6a1e5a8e-1b2c-4d3e-8f90-0123456789ab';
const OTHER_REQUEST = '0b1c2d3e-1b2c-4d3e-8f90-0123456789ab';
const ROOT = '-----BEGIN CERTIFICATE-----\nMIIrootcertificate\n-----END CERTIFICATE-----';
const PROPS = {
  ServiceToken: 'x',
  ClusterId: CLUSTER_ID,
  InstanceId: INSTANCE_ID,
  AdminSecretArn: ADMIN_ARN,
  KmsUserSecretArn: KMSUSER_ARN,
  CustomKeyStoreName: NAME,
  TrustAnchor: ROOT,
};
const COMMENT = `cdk-cloudhsm kmsuser ${CLUSTER_ID} ${REQUEST_ID}`;
const WHO = `HsmKeyStore KeyStore ("${NAME}" on ${CLUSTER_ID})`;

const RESOURCE = { type: 'Custom::CloudHsmKeyStore', logicalId: 'KeyStore', requestId: REQUEST_ID };
function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, any> = PROPS, extra: Partial<ResourceEvent> = {}): ResourceEvent {
  return resourceEvent(RESOURCE, type, props, {
    PhysicalResourceId: type === 'Create' ? `cdk-cloudhsm:key-store:${CLUSTER_ID}` : STORE_ID,
    OldResourceProperties: type === 'Update' ? PROPS : undefined,
    ...extra,
  });
}

type Hsm = { az: string; state?: string; ip?: string };
function clusterIs(state: string, hsms: Hsm[] = [{ az: 'us-east-1a' }, { az: 'us-east-1b' }]): void {
  hsmMock.on(DescribeClustersCommand).resolves({
    Clusters: [{
      ClusterId: CLUSTER_ID,
      State: state,
      PreCoPassword: 'pre-co-secret',
      Hsms: hsms.map((h, i) => ({ HsmId: `hsm-abcdefghij${i}`, State: h.state ?? 'ACTIVE', AvailabilityZone: h.az, EniIp: h.ip ?? `10.0.${i}.15`, ClusterId: CLUSTER_ID })),
    } as any],
  });
}
function noStore(): void {
  kmsMock.on(DescribeCustomKeyStoresCommand).rejects(Object.assign(new Error('no such store'), { name: 'CustomKeyStoreNotFoundException' }));
}
function storeIs(state: string, extra: Record<string, unknown> = {}): void {
  kmsMock.on(DescribeCustomKeyStoresCommand).resolves({
    CustomKeyStores: [{ CustomKeyStoreId: STORE_ID, CustomKeyStoreName: NAME, CloudHsmClusterId: CLUSTER_ID, ConnectionState: state, ...extra }],
  });
}
const hostIs = (pingStatus: string) => ssmMock.on(DescribeInstanceInformationCommand)
  .resolves({ InstanceInformationList: [{ InstanceId: INSTANCE_ID, PingStatus: pingStatus }] });
const commandsAre = (...commands: { id: string; status: string; comment: string; at?: number }[]) => ssmMock.on(ListCommandsCommand)
  .resolves({ Commands: commands.map((c) => ({ CommandId: c.id, Status: c.status, Comment: c.comment, RequestedDateTime: new Date(c.at ?? 0) })) });
const kmsCalls = (command: any) => kmsMock.commandCalls(command);
const failed = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error) => e.message);

beforeEach(() => {
  hsmMock.reset();
  ssmMock.reset();
  kmsMock.reset();
  secretsMock.reset();
  setClientFactory(() => new CloudHSMV2Client({ region: 'us-east-1' }));
  resetSsmClient();
  resetKmsClient();
  resetSecretsManagerClient();
  ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-new' } });
  secretsMock.on(GetSecretValueCommand).resolves({ SecretString: KMSUSER_PASSWORD });
  kmsMock.on(CreateCustomKeyStoreCommand).resolves({ CustomKeyStoreId: STORE_ID });
});

describe('onEvent', () => {
  test('create starts nothing and returns the pending id', async () => {
    noStore();
    const out = await onEvent(event('Create'));
    expect(out.PhysicalResourceId).toMatch(new RegExp(`^cdk-cloudhsm:key-store:${CLUSTER_ID}:since:\\d+$`));
    expect(ssmMock.calls()).toHaveLength(0);
    expect(kmsCalls(CreateCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('a store of this name left FAILED by an earlier deployment is disconnected, so this one connects it again', async () => {
    storeIs('FAILED', { ConnectionErrorCode: 'USER_LOGGED_IN' });
    await onEvent(event('Create'));
    expect(kmsCalls(DisconnectCustomKeyStoreCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE_ID });
  });

  test('properties that are not valid are named', async () => {
    expect(await failed(onEvent(event('Create', { ...PROPS, KmsUserSecretArn: 'kmsuser' }))))
      .toBe('HsmKeyStore KeyStore: kmsUserSecret (KmsUserSecretArn): "kmsuser" is not a Secrets Manager secret ARN');
    expect(await failed(onEvent(event('Create', { ...PROPS, CustomKeyStoreName: 'x'.repeat(257) }))))
      .toContain('customKeyStoreName (CustomKeyStoreName): ');
  });

  test('a new cluster with the same name is refused naming both properties', async () => {
    const e = event('Update', { ...PROPS, ClusterId: OTHER_CLUSTER });
    expect(await failed(onEvent(e))).toContain('cluster (ClusterId): a new cluster needs a new custom key store, and "app-keys" is the name of the current one; change customKeyStoreName (CustomKeyStoreName) too');
  });
});

describe('deploy-time checks of the cluster', () => {
  beforeEach(() => noStore());

  test('a cluster that is not ACTIVE fails naming the cluster and the rule', async () => {
    clusterIs('INITIALIZED');
    expect(await failed(isComplete(event('Create'))))
      .toBe(`${WHO}: cluster (ClusterId): the cluster ${CLUSTER_ID} is INITIALIZED; a KMS key store needs an ACTIVE (initialized and activated) cluster`);
  });

  test('one ACTIVE HSM, or two in one zone, fails: two zones are needed', async () => {
    clusterIs('ACTIVE', [{ az: 'us-east-1a' }]);
    expect(await failed(isComplete(event('Create')))).toContain('has 1 ACTIVE HSM(s) in 1 Availability Zone(s) (us-east-1a); a KMS key store needs at least two ACTIVE HSMs in different Availability Zones');
    clusterIs('ACTIVE', [{ az: 'us-east-1a' }, { az: 'us-east-1a' }]);
    expect(await failed(isComplete(event('Create')))).toContain('has 2 ACTIVE HSM(s) in 1 Availability Zone(s) (us-east-1a)');
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('a cluster or an HSM still changing is waited for', async () => {
    clusterIs('UPDATE_IN_PROGRESS');
    expect((await isComplete(event('Create'))).IsComplete).toBe(false);
    clusterIs('ACTIVE', [{ az: 'us-east-1a' }, { az: 'us-east-1b', state: 'CREATE_IN_PROGRESS' }]);
    expect((await isComplete(event('Create'))).IsComplete).toBe(false);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('a deleted cluster fails', async () => {
    hsmMock.on(DescribeClustersCommand).resolves({ Clusters: [] });
    expect(await failed(isComplete(event('Create')))).toBe(`${WHO}: cluster (ClusterId): the cluster ${CLUSTER_ID} does not exist (or is being deleted)`);
  });
});

describe('kmsuser through the admin host', () => {
  beforeEach(() => {
    noStore();
    clusterIs('ACTIVE');
  });

  test('waits for the host to be online', async () => {
    commandsAre();
    hostIs('ConnectionLost');
    expect((await isComplete(event('Create'))).IsComplete).toBe(false);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('sends create-kmsuser.sh with secret ARNs, addresses and the trust anchor, never a password; creates no store yet', async () => {
    commandsAre();
    hostIs('Online');
    expect((await isComplete(event('Create'))).IsComplete).toBe(false);
    const sent = ssmMock.commandCalls(SendCommandCommand);
    expect(sent).toHaveLength(1);
    const input = sent[0].args[0].input;
    expect(input).toMatchObject({ DocumentName: 'AWS-RunShellScript', InstanceIds: [INSTANCE_ID], Comment: COMMENT });
    const commands: string[] = input.Parameters.commands;
    expect(commands[0]).toBe(`bash -s -- '--cluster-id' '${CLUSTER_ID}' '--admin-secret-id' '${ADMIN_ARN}' '--kmsuser-secret-id' '${KMSUSER_ARN}' `
      + `'--region' 'us-east-1' '--hsm-ip' '10.0.0.15' '--hsm-ip' '10.0.1.15' '--trust-anchor-b64' '${Buffer.from(ROOT).toString('base64')}' `
      + '<<\'CDK_CLOUDHSM_KMSUSER\'');
    expect(commands[commands.length - 1]).toBe('CDK_CLOUDHSM_KMSUSER');
    expect(commands).toContain('# kmsuser rules: absent -> created; present and the secret\'s password logs in as crypto-user');
    expect(JSON.stringify(input)).not.toContain(KMSUSER_PASSWORD);
    // The handler reads the kmsuser password only for CreateCustomKeyStore, which has not come yet.
    expect(secretsMock.calls()).toHaveLength(0);
    expect(kmsCalls(CreateCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('a running kmsuser command (of any request) is waited for, never doubled', async () => {
    hostIs('Online');
    commandsAre({ id: 'cmd-1', status: 'InProgress', comment: `cdk-cloudhsm kmsuser ${CLUSTER_ID} ${OTHER_REQUEST}` });
    expect((await isComplete(event('Create'))).IsComplete).toBe(false);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('this request\'s kmsuser command, running and young, is waited for within the check: the store is created in it', async () => {
    const now = Date.UTC(2026, 10, 27, 12, 0, 0);
    jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      hostIs('Online');
      commandsAre({ id: 'cmd-1', status: 'InProgress', comment: COMMENT, at: now - 5_000 });
      ssmMock.on(GetCommandInvocationCommand, { CommandId: 'cmd-1', InstanceId: INSTANCE_ID })
        .resolvesOnce({ Status: 'InProgress' }).resolves({ Status: 'Success' });
      const check = isComplete(event('Create'));
      await jest.advanceTimersByTimeAsync(2 * COMMAND_WAIT_PAUSE_MS);
      expect((await check).IsComplete).toBe(false);
      expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(2);
      expect(kmsCalls(CreateCustomKeyStoreCommand)).toHaveLength(1);
      expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
    } finally {
      jest.useRealTimers();
    }
  });

  test('this request\'s kmsuser command sent longer ago than QUICK_COMMAND_MS is left to the next check', async () => {
    hostIs('Online');
    commandsAre({ id: 'cmd-1', status: 'InProgress', comment: COMMENT, at: Date.now() - QUICK_COMMAND_MS - 1_000 });
    expect((await isComplete(event('Create'))).IsComplete).toBe(false);
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
    expect(kmsCalls(CreateCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('kmsuser absent or present with the same password (the command succeeded): CreateCustomKeyStore gets the password from the secret', async () => {
    hostIs('Online');
    commandsAre({ id: 'cmd-1', status: 'Success', comment: COMMENT });
    const out = await isComplete(event('Create'));
    expect(out.IsComplete).toBe(false);
    expect(secretsMock.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: KMSUSER_ARN });
    expect(kmsCalls(CreateCustomKeyStoreCommand)[0].args[0].input).toEqual({
      CustomKeyStoreName: NAME,
      CloudHsmClusterId: CLUSTER_ID,
      TrustAnchorCertificate: ROOT,
      KeyStorePassword: KMSUSER_PASSWORD,
      CustomKeyStoreType: 'AWS_CLOUDHSM',
    });
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(JSON.stringify(out)).not.toContain(KMSUSER_PASSWORD);
  });

  test.each([
    [12, 'cdk-cloudhsm kmsuser: crypto user kmsuser already exists on cluster cluster-abcdefghijk and the password in ' + KMSUSER_ARN + ' does not log in as kmsuser'],
    [10, 'cdk-cloudhsm kmsuser: user create --username kmsuser failed on cluster cluster-abcdefghijk: error while loading shared libraries'],
    [9, 'cdk-cloudhsm kmsuser: the admin password in ' + ADMIN_ARN + ' does not log in to cluster cluster-abcdefghijk'],
    [5, 'cdk-cloudhsm kmsuser: cannot read the kmsuser password secret ' + KMSUSER_ARN + ': ResourceNotFoundException'],
  ])('the host script failing with exit %d fails naming the resource, the command, the exit code and its message', async (code, stderr) => {
    hostIs('Online');
    commandsAre({ id: 'cmd-1', status: 'Failed', comment: COMMENT });
    ssmMock.on(GetCommandInvocationCommand, { CommandId: 'cmd-1', InstanceId: INSTANCE_ID })
      .resolves({ Status: 'Failed', StatusDetails: 'Failed', ResponseCode: code, StandardErrorContent: `line\n${stderr}` });
    expect(await failed(isComplete(event('Create'))))
      .toBe(`${WHO}: kmsuser on cluster ${CLUSTER_ID} failed: command cmd-1 on ${INSTANCE_ID} ended Failed with exit code ${code}: line | ${stderr}`);
    expect(kmsCalls(CreateCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('a failed command of an earlier request does not stop a new attempt', async () => {
    hostIs('Online');
    commandsAre({ id: 'cmd-old', status: 'Failed', comment: `cdk-cloudhsm kmsuser ${CLUSTER_ID} ${OTHER_REQUEST}` });
    await isComplete(event('Create'));
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1);
  });
});

describe('CreateCustomKeyStore', () => {
  beforeEach(() => {
    noStore();
    clusterIs('ACTIVE');
    hostIs('Online');
    commandsAre({ id: 'cmd-1', status: 'Success', comment: COMMENT });
  });

  test.each([
    ['CloudHsmClusterInUseException', `${WHO}: cluster (ClusterId): the cluster ${CLUSTER_ID} already backs another custom key store (one store per cluster)`],
    ['IncorrectTrustAnchorException', `${WHO}: trustAnchor (TrustAnchor): the trust anchor is not the one that signed the cluster ${CLUSTER_ID}'s certificate`],
    ['CloudHsmClusterInvalidConfigurationException', `${WHO}: cluster (ClusterId): the cluster ${CLUSTER_ID} does not meet KMS's requirements`],
  ])('%s is explained', async (name, message) => {
    kmsMock.on(CreateCustomKeyStoreCommand).rejects(Object.assign(new Error('refused'), { name }));
    const m = await failed(isComplete(event('Create')));
    expect(m.startsWith(message)).toBe(true);
    expect(m).toContain('refused');
    expect(m).not.toContain(KMSUSER_PASSWORD);
  });

  test('a name taken by a duplicated attempt is no error: the store is found next time', async () => {
    kmsMock.on(CreateCustomKeyStoreCommand).rejects(Object.assign(new Error('in use'), { name: 'CustomKeyStoreNameInUseException' }));
    expect((await isComplete(event('Create'))).IsComplete).toBe(false);
  });

  test('a name taken by a store of another cluster fails naming the property', async () => {
    kmsMock.on(DescribeCustomKeyStoresCommand).resolves({ CustomKeyStores: [{ CustomKeyStoreId: 'cks-99999999999999999', CustomKeyStoreName: NAME, CloudHsmClusterId: OTHER_CLUSTER, ConnectionState: 'CONNECTED' }] });
    expect(await failed(isComplete(event('Create'))))
      .toBe(`${WHO}: customKeyStoreName (CustomKeyStoreName): "app-keys" is the name of custom key store cks-99999999999999999 on cluster ${OTHER_CLUSTER}; names are unique in the account and region: choose another`);
    expect(kmsCalls(CreateCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('an unreadable kmsuser secret fails naming the property and the secret', async () => {
    secretsMock.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException: not allowed'));
    expect(await failed(isComplete(event('Create'))))
      .toBe(`${WHO}: kmsUserSecret (KmsUserSecretArn): cannot read ${KMSUSER_ARN}: AccessDeniedException: not allowed`);
  });
});

describe('connection', () => {
  test('the store an earlier poll made is connected (no second kmsuser command, no second store)', async () => {
    storeIs('DISCONNECTED');
    expect((await isComplete(event('Create'))).IsComplete).toBe(false);
    expect(kmsCalls(ConnectCustomKeyStoreCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE_ID });
    expect(kmsCalls(CreateCustomKeyStoreCommand)).toHaveLength(0);
    expect(ssmMock.calls()).toHaveLength(0);
  });

  test('CONNECTING is waited for; CONNECTED ends with the id, name and state', async () => {
    storeIs('CONNECTING');
    expect((await isComplete(event('Create'))).IsComplete).toBe(false);
    storeIs('CONNECTED');
    const out = await isComplete(event('Create'));
    expect(out).toEqual({ IsComplete: true, PhysicalResourceId: STORE_ID, Data: { CustomKeyStoreId: STORE_ID, CustomKeyStoreName: NAME, ConnectionState: 'CONNECTED' } });
    expect(kmsCalls(ConnectCustomKeyStoreCommand)).toHaveLength(0);
  });

  const CODES = ['CLUSTER_NOT_FOUND', 'INSUFFICIENT_CLOUDHSM_HSMS', 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET', 'INTERNAL_ERROR', 'INVALID_CREDENTIALS',
    'NETWORK_ERRORS', 'SUBNET_NOT_FOUND', 'USER_LOCKED_OUT', 'USER_LOGGED_IN', 'USER_NOT_FOUND'];

  test('every ConnectionErrorCode of a CloudHSM key store has advice', () => {
    expect(Object.keys(CONNECTION_ERROR_ADVICE).sort()).toEqual([...CODES].sort());
  });

  test.each(CODES)('FAILED with %s names the resource, the store, the code and what to do', async (code) => {
    storeIs('FAILED', { ConnectionErrorCode: code });
    const m = await failed(isComplete(event('Create')));
    expect(m).toBe(`${WHO}: custom key store ${STORE_ID} could not connect to cluster ${CLUSTER_ID}: ConnectionErrorCode ${code}: ${CONNECTION_ERROR_ADVICE[code]}`);
  });

  test.each([
    ['INVALID_CREDENTIALS', /UpdateCustomKeyStore KeyStorePassword/],
    ['USER_LOGGED_IN', /log kmsuser out/],
    ['USER_NOT_FOUND', /user create --username kmsuser --role crypto-user/],
    ['USER_LOCKED_OUT', /user change-password --username kmsuser/],
    ['INSUFFICIENT_CLOUDHSM_HSMS', /add HSMs/],
    ['NETWORK_ERRORS', /TCP 2223-2225/],
  ])('the advice for %s says what to do', (code, pattern) => {
    expect(CONNECTION_ERROR_ADVICE[code]).toMatch(pattern);
  });

  test('an unknown code still fails, pointing to the KMS guide', async () => {
    storeIs('FAILED', { ConnectionErrorCode: 'XKS_PROXY_TIMED_OUT' });
    expect(await failed(isComplete(event('Create')))).toContain('ConnectionErrorCode XKS_PROXY_TIMED_OUT: see "How to fix a connection failure" in the KMS Developer Guide');
  });

  test('ConnectCustomKeyStore on a cluster that is not active is explained', async () => {
    storeIs('DISCONNECTED');
    kmsMock.on(ConnectCustomKeyStoreCommand).rejects(Object.assign(new Error('not active'), { name: 'CloudHsmClusterNotActiveException' }));
    expect(await failed(isComplete(event('Create')))).toBe(`${WHO}: ConnectCustomKeyStore: the cluster is not active (it needs an ACTIVE cluster with ACTIVE HSMs): not active`);
  });
});

describe('update', () => {
  const renamed = { ...PROPS, CustomKeyStoreName: 'new-name' };
  const WHO2 = `HsmKeyStore KeyStore ("new-name" on ${CLUSTER_ID})`;

  test('a new name: disconnect, UpdateCustomKeyStore (no password), connect, CONNECTED', async () => {
    storeIs('CONNECTED');
    expect((await onEvent(event('Update', renamed))).PhysicalResourceId).toBe(STORE_ID);
    expect((await isComplete(event('Update', renamed))).IsComplete).toBe(false);
    expect(kmsCalls(DisconnectCustomKeyStoreCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE_ID });

    storeIs('DISCONNECTED');
    expect((await isComplete(event('Update', renamed))).IsComplete).toBe(false);
    expect(kmsCalls(UpdateCustomKeyStoreCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE_ID, NewCustomKeyStoreName: 'new-name' });

    storeIs('DISCONNECTED', { CustomKeyStoreName: 'new-name' });
    expect((await isComplete(event('Update', renamed))).IsComplete).toBe(false);
    expect(kmsCalls(ConnectCustomKeyStoreCommand)).toHaveLength(1);

    storeIs('CONNECTED', { CustomKeyStoreName: 'new-name' });
    expect(await isComplete(event('Update', renamed))).toMatchObject({ IsComplete: true, Data: { CustomKeyStoreName: 'new-name' } });
    expect(secretsMock.calls()).toHaveLength(0);
    expect(ssmMock.calls()).toHaveLength(0);
  });

  test('a name in use fails naming the property', async () => {
    storeIs('DISCONNECTED');
    kmsMock.on(UpdateCustomKeyStoreCommand).rejects(Object.assign(new Error('in use'), { name: 'CustomKeyStoreNameInUseException' }));
    expect(await failed(isComplete(event('Update', renamed))))
      .toBe(`${WHO2}: customKeyStoreName (CustomKeyStoreName): "new-name" is the name of another custom key store; choose another`);
  });

  test('a store that is gone fails', async () => {
    noStore();
    expect(await failed(isComplete(event('Update', renamed)))).toBe(`${WHO2}: the custom key store ${STORE_ID} does not exist any more`);
  });
});

describe('delete', () => {
  test('disconnect, then delete', async () => {
    storeIs('CONNECTED');
    expect((await isComplete(event('Delete'))).IsComplete).toBe(false);
    expect(kmsCalls(DisconnectCustomKeyStoreCommand)).toHaveLength(1);
    storeIs('DISCONNECTING');
    expect((await isComplete(event('Delete'))).IsComplete).toBe(false);
    storeIs('DISCONNECTED');
    expect((await isComplete(event('Delete'))).IsComplete).toBe(true);
    expect(kmsCalls(DeleteCustomKeyStoreCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE_ID });
  });

  test('with KMS keys left (also pending deletion) the store is left disconnected and the delete ends', async () => {
    storeIs('DISCONNECTED');
    kmsMock.on(DeleteCustomKeyStoreCommand).rejects(Object.assign(new Error('has keys'), { name: 'CustomKeyStoreHasCMKsException' }));
    expect((await isComplete(event('Delete'))).IsComplete).toBe(true);
    expect(kmsCalls(ConnectCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('a store that is gone is deleted', async () => {
    noStore();
    expect((await isComplete(event('Delete'))).IsComplete).toBe(true);
    expect(kmsCalls(DeleteCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('a create that failed before its id was known is deleted by name, only on its own cluster', async () => {
    storeIs('DISCONNECTED');
    const pending = event('Delete', PROPS, { PhysicalResourceId: `cdk-cloudhsm:key-store:${CLUSTER_ID}` });
    expect((await isComplete(pending)).IsComplete).toBe(true);
    expect(kmsCalls(DescribeCustomKeyStoresCommand)[0].args[0].input).toEqual({ CustomKeyStoreName: NAME });
    expect(kmsCalls(DeleteCustomKeyStoreCommand)).toHaveLength(1);

    kmsMock.reset();
    kmsMock.on(DescribeCustomKeyStoresCommand).resolves({ CustomKeyStores: [{ CustomKeyStoreId: STORE_ID, CustomKeyStoreName: NAME, CloudHsmClusterId: OTHER_CLUSTER, ConnectionState: 'DISCONNECTED' }] });
    expect((await isComplete(pending)).IsComplete).toBe(true);
    expect(kmsCalls(DeleteCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('another failure of DeleteCustomKeyStore names the store', async () => {
    storeIs('DISCONNECTED');
    kmsMock.on(DeleteCustomKeyStoreCommand).rejects(new Error('KMSInternalException'));
    expect(await failed(isComplete(event('Delete')))).toBe(`${WHO}: DeleteCustomKeyStore ${STORE_ID} failed: KMSInternalException`);
  });
});

describe('the wait for the admin host is bounded', () => {
  const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
  const PENDING = `cdk-cloudhsm:key-store:${CLUSTER_ID}:since:${NOW / 1000}`;
  beforeEach(() => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    noStore();
    clusterIs('ACTIVE');
    commandsAre();
  });
  afterEach(() => jest.useRealTimers());
  const pollAt = (afterMs: number, e: ResourceEvent = event('Create', PROPS, { PhysicalResourceId: PENDING })) => {
    jest.setSystemTime(NOW + afterMs);
    return isComplete(e);
  };

  test('onEvent\'s pending id carries when the request began (create, and an update to another cluster)', async () => {
    expect((await onEvent(event('Create'))).PhysicalResourceId).toBe(PENDING);
    const moved = event('Update', { ...PROPS, CustomKeyStoreName: 'new-keys' }, { OldResourceProperties: { ...PROPS, ClusterId: OTHER_CLUSTER } });
    expect((await onEvent(moved)).PhysicalResourceId).toBe(PENDING);
  });

  test('not online before the bound: keeps waiting; at the bound: fails naming kmsuser, the instance, its PingStatus and the causes', async () => {
    hostIs('Inactive');
    expect(await pollAt(HOST_ONLINE_BOUND_MS - 1_000)).toEqual({ IsComplete: false });
    const message = await failed(pollAt(HOST_ONLINE_BOUND_MS));
    expectHostOfflineMessage(message, WHO, INSTANCE_ID, 'its last SSM PingStatus is Inactive');
    expect(message).toContain(`kmsuser on cluster ${CLUSTER_ID}`);
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(kmsCalls(CreateCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('Online just before the bound: create-kmsuser.sh is sent', async () => {
    hostIs('Online');
    expect(await pollAt(HOST_ONLINE_BOUND_MS - 1_000)).toEqual({ IsComplete: false });
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1);
  });

  test('a replacement on another cluster is still recognised by its pending id with the start', async () => {
    hostIs('ConnectionLost');
    const replacing = event('Update', PROPS, { PhysicalResourceId: PENDING, OldResourceProperties: { ...PROPS, ClusterId: OTHER_CLUSTER } });
    expect(await pollAt(60_000, replacing)).toEqual({ IsComplete: false });
    expect(await failed(pollAt(HOST_ONLINE_BOUND_MS, replacing))).toContain(`the admin host ${INSTANCE_ID} is not online in SSM`);
  });

  test('a create that failed at the bound is deleted by name', async () => {
    storeIs('DISCONNECTED');
    expect((await pollAt(HOST_ONLINE_BOUND_MS, event('Delete', PROPS, { PhysicalResourceId: PENDING }))).IsComplete).toBe(true);
    expect(kmsCalls(DescribeCustomKeyStoresCommand)[0].args[0].input).toEqual({ CustomKeyStoreName: NAME });
    expect(kmsCalls(DeleteCustomKeyStoreCommand)).toHaveLength(1);
  });
});
