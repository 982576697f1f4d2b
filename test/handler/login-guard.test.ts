// The record of failed HSM logins in SSM's command history (lambda/login-guard.ts): a host script's
// FAILED_LOGIN_MARK lines are read back from the cluster's last failed kmsuser commands, on any
// host, and sent with the next command, so a replaced admin host does not try a failed secret
// version again (the CloudHSM CLI locks a user after five failed logins).

import { GetCommandInvocationCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { useHandlerEnv } from './fixtures';
import { kmsUserCommands, parseKeyStoreProperties } from '../../lambda/key-store';
import { failedLoginsIn, lastFailedLogins } from '../../lambda/login-guard';
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

test('the kmsuser command carries a failed version only for the secret it names', () => {
  const props = parseKeyStoreProperties({
    ClusterId: 'cluster-abcdefghijk',
    InstanceId: 'i-0123456789abcdef0',
    AdminSecretArn: ADMIN,
    KmsUserSecretArn: KMSUSER,
    CustomKeyStoreName: 'store',
    TrustAnchor: PEM,
  });
  const argv = (failed: Parameters<typeof kmsUserCommands>[3]) => kmsUserCommands(props, ['10.0.0.1'], PEM, failed)[0];
  expect(argv([])).not.toContain('failed-version');
  const both = argv([{ user: 'admin', secretId: ADMIN, versionId: 'v-a' }, { user: 'kmsuser', secretId: KMSUSER, versionId: 'v-k' }]);
  expect(both).toContain("'--admin-failed-version' 'v-a'");
  expect(both).toContain("'--kmsuser-failed-version' 'v-k'");
  // another secret now (the user pointed the stack at a new one): tried
  expect(argv([{ user: 'admin', secretId: `${ADMIN}x`, versionId: 'v-a' }])).not.toContain('failed-version');
});
