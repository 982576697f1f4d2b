// The record of failed HSM logins in SSM's command history (lambda/login-guard.ts): a host script's
// FAILED_LOGIN_MARK lines are read back from the cluster's last failed commands of a kind, on any
// host, and sent with the next command (--failed-login USER=VERSION), so a replaced admin host does not try a failed secret
// version again (the CloudHSM CLI locks a user after five failed logins).

import { GetCommandInvocationCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { useHandlerEnv } from './fixtures';
import { activationCommands, parseActivationProperties } from '../../lambda/activation';
import { cryptoUserCommands, parseCryptoUserProperties } from '../../lambda/crypto-user';
import { kmsUserCommands, parseKeyStoreProperties } from '../../lambda/key-store';
import { failedLoginArgs, failedLoginsIn, lastFailedLogins } from '../../lambda/login-guard';
import { rotationCommands } from '../../lambda/rotation';
import { FAILED_LOGIN_MARK } from '../../src/private/host-rules';
import { PEM } from '../sim/fixtures';

useHandlerEnv();
const ssmMock: any = mockClient(SSMClient as any);
beforeEach(() => ssmMock.reset());

const ADMIN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf';
const KMSUSER = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kmsuser-AbCdEf';
const PREFIX = 'cdk-cloudhsm kmsuser cluster-abcdefghijk ';
const mark = (user: string, secret: string, version: string) => `${FAILED_LOGIN_MARK} ${user} ${secret} ${version}`;

/** The account's Run Command history: newest `at` last here, as ListCommands does not sort. */
function history(...commands: Array<{ id: string; status: string; at: number; comment?: string; instance?: string; stderr?: string }>): void {
  ssmMock.on(ListCommandsCommand).resolves({
    Commands: commands.map((c) => ({
      CommandId: c.id,
      Status: c.status,
      Comment: c.comment ?? `${PREFIX}req-${c.id}`,
      RequestedDateTime: new Date(c.at),
      InstanceIds: [c.instance ?? 'i-0aaaaaaaaaaaaaaaa'],
    })),
  });
  for (const c of commands) {
    ssmMock.on(GetCommandInvocationCommand, { CommandId: c.id }).resolves({ StandardErrorContent: c.stderr ?? '' });
  }
}

test('failedLoginsIn reads the marked lines of a script\'s error output, and nothing else', () => {
  const stderr = ['cdk-cloudhsm kmsuser: the admin password in x does not log in', mark('admin', ADMIN, 'v-1'), `noise ${FAILED_LOGIN_MARK} half`].join('\n');
  expect(failedLoginsIn(stderr)).toEqual([{ user: 'admin', secretId: ADMIN, versionId: 'v-1' }]);
  expect(failedLoginsIn(undefined)).toEqual([]);
});

test('the newest failed command that recorded a login, on another (replaced) host, is the record', async () => {
  history(
    { id: 'c1', status: 'Failed', at: 1000, instance: 'i-0old0000000000000', stderr: mark('admin', ADMIN, 'v-old') },
    { id: 'c2', status: 'Failed', at: 2000, instance: 'i-0old0000000000000', stderr: mark('admin', ADMIN, 'v-2') },
    // a later failure that recorded no login (e.g. the new host's setup) does not hide the record
    { id: 'c3', status: 'Failed', at: 3000, instance: 'i-0new0000000000000', stderr: 'setup failed' },
    // commands of other clusters and other kinds do not count
    { id: 'c4', status: 'Failed', at: 4000, comment: 'cdk-cloudhsm kmsuser cluster-otherclusterx req', stderr: mark('admin', ADMIN, 'v-other') },
    { id: 'c5', status: 'InProgress', at: 5000 },
  );
  expect(await lastFailedLogins(PREFIX)).toEqual([{ user: 'admin', secretId: ADMIN, versionId: 'v-2' }]);
  // read across hosts: no InstanceId filter, only the document
  expect(ssmMock.commandCalls(ListCommandsCommand)[0].args[0].input).toEqual({
    Filters: [{ key: 'DocumentName', value: 'AWS-RunShellScript' }], MaxResults: 50, NextToken: undefined,
  });
});

test('a command that succeeded since ends the record: its logins worked', async () => {
  history(
    { id: 'c1', status: 'Failed', at: 1000, stderr: mark('admin', ADMIN, 'v-1') },
    { id: 'c2', status: 'Success', at: 2000 },
  );
  expect(await lastFailedLogins(PREFIX)).toEqual([]);
  expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
});

test('failedLoginArgs: one --failed-login USER=VERSION per login whose own secret failed before', () => {
  const failed = [{ user: 'admin', secretId: ADMIN, versionId: 'v-a' }, { user: 'signer', secretId: KMSUSER, versionId: 'v-s' }];
  expect(failedLoginArgs(failed, [{ user: 'admin', secretId: ADMIN }, { user: 'signer', secretId: KMSUSER }]))
    .toEqual(['--failed-login', 'admin=v-a', '--failed-login', 'signer=v-s']);
  // the same user with another secret (the stack was given a new one): tried
  expect(failedLoginArgs(failed, [{ user: 'admin', secretId: `${ADMIN}x` }])).toEqual([]);
  // the secret of another user: not a record of this login
  expect(failedLoginArgs(failed, [{ user: 'signer', secretId: ADMIN }])).toEqual([]);
  expect(failedLoginArgs([], [{ user: 'admin', secretId: ADMIN }])).toEqual([]);
});

test('failedLoginArgs: every failed version of a login\'s secret (a rotation\'s old and new), each once', () => {
  const failed = [{ user: 'admin', secretId: ADMIN, versionId: 'v-old' }, { user: 'admin', secretId: ADMIN, versionId: 'v-new' },
    { user: 'admin', secretId: ADMIN, versionId: 'v-old' }];
  // the admin's own rotation logs in as admin with the admin secret twice (its current and its new password)
  expect(failedLoginArgs(failed, [{ user: 'admin', secretId: ADMIN }, { user: 'admin', secretId: ADMIN }]))
    .toEqual(['--failed-login', 'admin=v-old', '--failed-login', 'admin=v-new']);
});

test('lastFailedLogins with several prefixes: one history of the kinds (a rotation\'s set and test steps)', async () => {
  const SET = 'cdk-cloudhsm rotate-set cluster-abcdefghijk ';
  const TEST = 'cdk-cloudhsm rotate-test cluster-abcdefghijk ';
  history(
    { id: 'set-1', status: 'Success', at: 1, comment: `${SET}tok` },
    { id: 'test-1', status: 'Failed', at: 2, comment: `${TEST}tok`, stderr: mark('signer', KMSUSER, 'tok') },
  );
  expect(await lastFailedLogins([SET, TEST])).toEqual([{ user: 'signer', secretId: KMSUSER, versionId: 'tok' }]);
  // a set step that succeeded after the failed test step proves its logins: nothing is sent
  history(
    { id: 'test-1', status: 'Failed', at: 2, comment: `${TEST}tok`, stderr: mark('signer', KMSUSER, 'tok') },
    { id: 'set-2', status: 'Success', at: 3, comment: `${SET}tok` },
  );
  expect(await lastFailedLogins([SET, TEST])).toEqual([]);
  // the test kind alone does not see the set step's success
  expect(await lastFailedLogins(TEST)).toEqual([{ user: 'signer', secretId: KMSUSER, versionId: 'tok' }]);
});

describe('every command that logs in carries the failed versions of its own secrets', () => {
  const failed = [{ user: 'admin', secretId: ADMIN, versionId: 'v-a' }, { user: 'kmsuser', secretId: KMSUSER, versionId: 'v-k' },
    { user: 'signer', secretId: KMSUSER, versionId: 'v-s' }];

  test('create-kmsuser.sh: admin and kmsuser', () => {
    const props = parseKeyStoreProperties({
      ClusterId: 'cluster-abcdefghijk',
      InstanceId: 'i-0123456789abcdef0',
      AdminSecretArn: ADMIN,
      KmsUserSecretArn: KMSUSER,
      CustomKeyStoreName: 'store',
      TrustAnchor: PEM,
    });
    expect(kmsUserCommands(props, ['10.0.0.1'], PEM)[0]).not.toContain('failed-login');
    const sent = kmsUserCommands(props, ['10.0.0.1'], PEM, failed)[0];
    expect(sent).toContain("'--failed-login' 'admin=v-a' '--failed-login' 'kmsuser=v-k'");
    expect(sent).not.toContain('signer=');
  });

  test('activate.sh (activation, admin check of an ACTIVE or restored cluster): admin only', () => {
    const props = parseActivationProperties({ ClusterId: 'cluster-abcdefghijk', InstanceId: 'i-0123456789abcdef0', AdminSecretArn: ADMIN, Restored: 'true' });
    expect(activationCommands(props, ['10.0.0.1'], PEM)[0]).not.toContain('failed-login');
    const sent = activationCommands(props, ['10.0.0.1'], PEM, failed)[0];
    expect(sent).toContain("'--failed-login' 'admin=v-a'");
    expect(sent).not.toContain('kmsuser=');
  });

  test('create-crypto-user.sh: admin and the crypto user', () => {
    const props = parseCryptoUserProperties({
      ClusterId: 'cluster-abcdefghijk',
      InstanceId: 'i-0123456789abcdef0',
      Username: 'signer',
      AdminSecretArn: ADMIN,
      UserSecretArn: KMSUSER,
      TrustAnchor: PEM,
    });
    expect(cryptoUserCommands(props, ['10.0.0.1'], PEM, false)[0]).not.toContain('failed-login');
    const sent = cryptoUserCommands(props, ['10.0.0.1'], PEM, true, failed)[0];
    expect(sent).toContain("'--failed-login' 'admin=v-a' '--failed-login' 'signer=v-s'");
    expect(sent).not.toContain('kmsuser=');
  });

  test('rotate-password.sh: admin (its current password) and the rotated user (its secret)', () => {
    const target = {
      clusterId: 'cluster-abcdefghijk', instanceId: 'i-0123456789abcdef0', adminSecretArn: ADMIN, username: 'signer', role: 'crypto-user' as const,
    };
    const event = { SecretId: KMSUSER, ClientRequestToken: 'v-s', Step: 'setSecret' };
    expect(rotationCommands(target, event, 'set', ['10.0.0.1'], PEM)[0]).not.toContain('failed-login');
    const sent = rotationCommands(target, event, 'set', ['10.0.0.1'], PEM, failed)[0];
    expect(sent).toContain("'--failed-login' 'admin=v-a' '--failed-login' 'signer=v-s'");
    expect(sent).not.toContain('kmsuser=');
  });
});
