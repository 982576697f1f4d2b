// Handler tests of Custom::CloudHsmKeyStore with aws-sdk-client-mock: onEvent, the deploy-time checks
// of the cluster, CreateCustomKeyStore with the password read from its secret and the connection with
// every ConnectionErrorCode.

import { DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import {
  ConnectCustomKeyStoreCommand, CreateCustomKeyStoreCommand, DescribeCustomKeyStoresCommand, DisconnectCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import {
  CLUSTER_ID, clusterIs, commandsAre, COMMENT, event, failed, hostIs, hsmMock, kmsCalls, kmsMock, KMSUSER_ARN, KMSUSER_PASSWORD, NAME,
  noStore, OTHER_CLUSTER, PROPS, secretsMock, ssmMock, STORE_ID, storeIs, WHO,
} from './key-store-fixtures';
import { isComplete, onEvent } from '../../lambda/index';
import { CONNECTION_ERROR_ADVICE } from '../../lambda/key-store-errors';

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

describe('a poll throttled beyond the SDK\'s retries', () => {
  test('is not complete yet (the next poll reads again); another error still fails naming the resource', async () => {
    kmsMock.on(DescribeCustomKeyStoresCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $retryable: { throttling: true } }));
    await expect(isComplete(event('Create'))).resolves.toEqual({ IsComplete: false });
    kmsMock.on(DescribeCustomKeyStoresCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    expect(await failed(isComplete(event('Create')))).toBe('HsmKeyStore KeyStore: denied');
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
