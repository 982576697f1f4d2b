// Handler tests of Custom::CloudHsmKeyStore with aws-sdk-client-mock: kmsuser through the admin host
// (command text without passwords, earlier commands found, failures of the host script) and the
// bounded wait for the admin host.

import { CreateCustomKeyStoreCommand, DeleteCustomKeyStoreCommand, DescribeCustomKeyStoresCommand } from '@aws-sdk/client-kms';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { expectHostOfflineMessage } from './fixtures';
import {
  ADMIN_ARN, CLUSTER_ID, clusterIs, commandsAre, COMMENT, event, failed, hostIs, INSTANCE_ID, kmsCalls, KMSUSER_ARN, KMSUSER_PASSWORD,
  NAME, noStore, OTHER_CLUSTER, OTHER_REQUEST, PROPS, ROOT, secretsMock, ssmMock, storeIs, WHO,
} from './key-store-fixtures';
import { COMMAND_WAIT_PAUSE_MS, QUICK_COMMAND_MS } from '../../lambda/host-command';
import { HOST_ONLINE_BOUND_MS } from '../../lambda/host-wait';
import { isComplete, onEvent } from '../../lambda/index';
import { ResourceEvent } from '../../lambda/types';

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
