// The first HSM of an emptied cluster (lambda/hsm-restore.ts) through the HSM handler: the cluster's
// latest backup must be READY before CreateHsm; one being made is waited for; none, or a latest one
// PENDING_DELETION, fails before any CreateHsm, naming the backups and RestoreBackup.

import {
  Backup, CloudHSMV2Client, CreateHsmCommand, DescribeBackupsCommand, DescribeClustersCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { resourceEvent, useHandlerEnv } from './fixtures';
import { setClientFactory } from '../../lambda/aws';
import { pendingId } from '../../lambda/hsm';
import { restoreReadiness } from '../../lambda/hsm-restore';
import { isComplete } from '../../lambda/index';

const mock = mockClient(CloudHSMV2Client);
const CLUSTER_ID = 'cluster-abcdefghijk';
useHandlerEnv();

const RESOURCE = { type: 'Custom::CloudHsmHsm', logicalId: 'Hsm1', requestId: 'req-1' };
const polled = () => ({
  ...resourceEvent(RESOURCE, 'Create', { ServiceToken: 'x', ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1a', IpAddress: '10.0.0.200' }),
  PhysicalResourceId: pendingId(CLUSTER_ID, [], '10.0.0.200'),
});
const backup = (id: string, state: string, minute: number): Backup => ({
  BackupId: id, BackupState: state as any, ClusterId: CLUSTER_ID, CreateTimestamp: new Date(Date.UTC(2026, 0, 1, 0, minute)),
});

beforeEach(() => {
  mock.reset();
  setClientFactory(() => new CloudHSMV2Client({ region: 'us-east-1' }));
  mock.on(DescribeClustersCommand).resolves({
    Clusters: [{ ClusterId: CLUSTER_ID, State: 'ACTIVE', Hsms: [], SubnetMapping: { 'us-east-1a': 'subnet-0a', 'us-east-1b': 'subnet-0b' } }],
  });
  mock.on(CreateHsmCommand).resolves({ Hsm: { HsmId: 'hsm-newnewnew22' } as any });
});

test('latest backup READY: CreateHsm (the service restores it onto the HSM)', async () => {
  mock.on(DescribeBackupsCommand).resolves({ Backups: [backup('backup-older222222', 'PENDING_DELETION', 1), backup('backup-latest22222', 'READY', 9)] });
  expect((await isComplete(polled())).IsComplete).toBe(false);
  expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(1);
  expect(mock.commandCalls(DescribeBackupsCommand)[0].args[0].input.Filters).toEqual({ clusterIds: [CLUSTER_ID] });
});

test('latest backup still being made (the last HSM\'s deletion): waits, creates nothing, even with an older READY one', async () => {
  mock.on(DescribeBackupsCommand).resolves({ Backups: [backup('backup-older222222', 'READY', 1), backup('backup-latest22222', 'CREATE_IN_PROGRESS', 9)] });
  expect(await isComplete(polled())).toEqual({ IsComplete: false });
  expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
});

test('every backup PENDING_DELETION: fails before any CreateHsm, naming the backups and RestoreBackup', async () => {
  mock.on(DescribeBackupsCommand).resolves({ Backups: [backup('backup-first222222', 'PENDING_DELETION', 1), backup('backup-second22222', 'PENDING_DELETION', 5)] });
  const err = await isComplete(polled()).catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  const message = (err as Error).message;
  expect(message).toMatch(/^Hsm Hsm1: cluster cluster-abcdefghijk is ACTIVE with no HSM, and its latest backup backup-second22222 is PENDING_DELETION/);
  expect(message).toContain('backup-first222222 (PENDING_DELETION');
  expect(message).toContain('RestoreBackup (aws cloudhsmv2 restore-backup --backup-id backup-second22222');
  expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
});

test('no backup at all: fails before any CreateHsm, saying there is nothing to restore', async () => {
  mock.on(DescribeBackupsCommand).resolves({ Backups: [backup('backup-gone2222222', 'DELETED', 3)] });
  await expect(isComplete(polled())).rejects.toThrow(/ACTIVE with no HSM and has no backup/);
  expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
});

test('a cluster with HSMs never looks at backups', async () => {
  mock.on(DescribeClustersCommand).resolves({
    Clusters: [{ ClusterId: CLUSTER_ID, State: 'ACTIVE', SubnetMapping: { 'us-east-1a': 'subnet-0a' }, Hsms: [{ HsmId: 'hsm-otherother2', State: 'ACTIVE', EniIp: '10.0.0.9', AvailabilityZone: 'us-east-1a' }] }],
  });
  expect((await isComplete(polled())).IsComplete).toBe(false);
  expect(mock.commandCalls(DescribeBackupsCommand)).toHaveLength(0);
  expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(1);
});

test('a cluster created from a backup, with no backup of its own yet: its first HSM gets that backup (no refusal)', () => {
  const restored = { ClusterId: CLUSTER_ID, State: 'ACTIVE', Hsms: [], SourceBackupId: 'backup-source22222' };
  expect(restoreReadiness('x', restored, [])).toBe('ready');
  expect(() => restoreReadiness('x', { ...restored, SourceBackupId: undefined }, [])).toThrow(/has no backup/);
  expect(restoreReadiness('x', restored, [backup('backup-a2222222222', 'CREATE_IN_PROGRESS', 2)])).toBe('wait');
});
