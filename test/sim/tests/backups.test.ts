// The CloudHSM v2 simulator's backups (ops/backups.ts), through the real SDK client over HTTP.

import {
  CopyBackupToRegionCommand,
  DeleteBackupCommand,
  DescribeBackupsCommand,
  ModifyBackupAttributesCommand,
  ModifyBackupAttributesCommandInput,
  RestoreBackupCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { DEFAULT_START_MS } from '..';
import {
  MIN,
  DAY,
  REGION,
  sim,
  client,
  expectError,
  raw,
  initializedCluster,
  activeCluster,
} from './cloudhsm-setup';

describe('backups', () => {
  test('DescribeBackups filters, sort order and paging', async () => {
    const { id } = await initializedCluster();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(sim.createBackup(REGION, id, { neverExpires: i === 2 }).BackupId as string);
      sim.advance(MIN);
    }
    const desc = await client().send(new DescribeBackupsCommand({}));
    expect(desc.Backups!.map((b) => b.BackupId)).toEqual([...made].reverse());
    const asc = await client().send(new DescribeBackupsCommand({ SortAscending: true }));
    expect(asc.Backups!.map((b) => b.BackupId)).toEqual(made);
    expect(asc.Backups![1].CreateTimestamp!.getTime() - asc.Backups![0].CreateTimestamp!.getTime()).toBe(MIN);

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await client().send(new DescribeBackupsCommand({ SortAscending: true, MaxResults: 2, NextToken: token }));
      pages.push(page.Backups!.map((b) => b.BackupId!));
      token = page.NextToken;
    } while (token);
    expect(pages).toEqual([made.slice(0, 2), made.slice(2, 4), made.slice(4)]);

    const never = await client().send(new DescribeBackupsCommand({ Filters: { neverExpires: ['true'] } }));
    expect(never.Backups!.map((b) => b.BackupId)).toEqual([made[2]]);
    const byId = await client().send(new DescribeBackupsCommand({ Filters: { backupIds: [made[0], made[4]], states: ['READY'] } }));
    expect(byId.Backups!.map((b) => b.BackupId)).toEqual([made[4], made[0]]);
    const none = await client().send(new DescribeBackupsCommand({ Filters: { clusterIds: ['cluster-aaaaaaaaaaa'] } }));
    expect(none.Backups).toEqual([]);

    await expectError(client().send(new DescribeBackupsCommand({ MaxResults: 51 })), 'CloudHsmInvalidRequestException',
      "Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50");
    await expectError(client().send(new DescribeBackupsCommand({ Filters: { neverExpires: ['maybe'] } })),
      'CloudHsmInvalidRequestException', "takes 'true' or 'false'");
    await expectError(client().send(new DescribeBackupsCommand({ Filters: { 'bad key!': ['x'] } })),
      'CloudHsmInvalidRequestException', 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+]');

    const wire = await raw('DescribeBackups', { Filters: { backupIds: [made[0]] } });
    expect(wire.json.Backups[0]).toMatchObject({
      BackupArn: `arn:aws:cloudhsm:us-east-1:123456789012:backup/${made[0]}`,
      HsmType: 'hsm2m.medium',
      Mode: 'FIPS',
      CreateTimestamp: DEFAULT_START_MS / 1000 + 19 * 60, // 5 + 12 + 2 minutes of setup
      NeverExpires: false,
    });
  });

  test('CopyBackupToRegion: READY copy in the destination region, no retention, tags', async () => {
    const { id } = await initializedCluster();
    const src = sim.createBackup(REGION, id, { tags: [{ Key: 'src', Value: '1' }] });
    const srcId = src.BackupId as string;
    await expectError(client().send(new CopyBackupToRegionCommand({ BackupId: srcId, DestinationRegion: 'us-east-1' })),
      'CloudHsmInvalidRequestException', "DestinationRegion 'us-east-1' is the region of backup");
    await expectError(client().send(new CopyBackupToRegionCommand({ BackupId: srcId, DestinationRegion: 'mars-north-1' })),
      'CloudHsmInvalidRequestException', "Value 'mars-north-1' at 'destinationRegion' failed to satisfy constraint: Member must satisfy regular expression pattern");
    await expectError(client().send(new CopyBackupToRegionCommand({ BackupId: 'backup-aaaaaaaaaaa', DestinationRegion: 'eu-central-1' })),
      'CloudHsmResourceNotFoundException', "Backup 'backup-aaaaaaaaaaa' was not found");
    await expectError(client().send(new CopyBackupToRegionCommand({ BackupId: srcId, DestinationRegion: 'eu-central-1', TagList: [{ Key: 'aws:x', Value: '' }] })),
      'CloudHsmTagException', "'aws:' are reserved");

    sim.advance(10 * MIN);
    const out = await client().send(new CopyBackupToRegionCommand({ BackupId: srcId, DestinationRegion: 'eu-central-1', TagList: [{ Key: 'dr', Value: 'yes' }] }));
    expect(out.DestinationBackup).toEqual({
      CreateTimestamp: new Date(DEFAULT_START_MS + 19 * MIN), // same as the source backup's
      SourceBackup: srcId,
      SourceCluster: id,
      SourceRegion: 'us-east-1',
    });
    const dest = client('eu-central-1');
    let copies = await dest.send(new DescribeBackupsCommand({ Filters: { sourceBackupIds: [srcId] } }));
    expect(copies.Backups).toHaveLength(1);
    expect(copies.Backups![0]).toMatchObject({ BackupState: 'CREATE_IN_PROGRESS', SourceBackup: srcId, SourceRegion: 'us-east-1', SourceCluster: id, NeverExpires: false });
    expect(copies.Backups![0].BackupId).not.toBe(srcId);
    expect(copies.Backups![0].CopyTimestamp).toEqual(new Date(DEFAULT_START_MS + 29 * MIN));
    expect(copies.Backups![0].TagList).toEqual([{ Key: 'dr', Value: 'yes' }]);
    sim.advance(3 * MIN);
    copies = await dest.send(new DescribeBackupsCommand({ Filters: { sourceBackupIds: [srcId] } }));
    expect(copies.Backups![0].BackupState).toBe('READY');
    // copied without a TagList: the source's tags
    await client().send(new CopyBackupToRegionCommand({ BackupId: srcId, DestinationRegion: 'eu-west-2' }));
    const copy2 = await client('eu-west-2').send(new DescribeBackupsCommand({}));
    expect(copy2.Backups![0].TagList).toEqual([{ Key: 'src', Value: '1' }]);
    // the source region is unchanged
    expect((await client().send(new DescribeBackupsCommand({}))).Backups!.map((b) => b.BackupId)).toEqual([srcId]);
  });

  test('activating a cluster backs it up (User Guide, cluster backups)', async () => {
    const { id } = await initializedCluster();
    const list = async () => (await client().send(new DescribeBackupsCommand({ Filters: { clusterIds: [id] } }))).Backups!;
    expect(await list()).toEqual([]);
    sim.activateCluster(REGION, id);
    expect((await list()).map((b) => b.BackupState)).toEqual(['CREATE_IN_PROGRESS']);
    sim.advance(2 * MIN);
    expect((await list()).map((b) => b.BackupState)).toEqual(['READY']);
  });

  test('DeleteBackup -> PENDING_DELETION for 7 days; RestoreBackup -> READY; then DELETED', async () => {
    const { id } = await activeCluster();
    const b = sim.createBackup(REGION, id).BackupId as string;
    await expectError(client().send(new RestoreBackupCommand({ BackupId: b })), 'CloudHsmInvalidRequestException',
      'is in state READY; only a backup in PENDING_DELETION can be restored');
    const now = sim.clock.now();
    const deleted = await client().send(new DeleteBackupCommand({ BackupId: b }));
    expect(deleted.Backup!.BackupState).toBe('PENDING_DELETION');
    expect(deleted.Backup!.DeleteTimestamp).toEqual(new Date(now + 7 * DAY));
    await expectError(client().send(new DeleteBackupCommand({ BackupId: b })), 'CloudHsmInvalidRequestException', 'is in state PENDING_DELETION');
    const restored = await client().send(new RestoreBackupCommand({ BackupId: b }));
    expect(restored.Backup!.BackupState).toBe('READY');
    expect(restored.Backup!.DeleteTimestamp).toBeUndefined();
    sim.advance(8 * DAY);
    expect((await client().send(new DescribeBackupsCommand({ Filters: { backupIds: [b] } }))).Backups![0].BackupState).toBe('READY');

    await client().send(new DeleteBackupCommand({ BackupId: b }));
    sim.advance(7 * DAY - 1);
    expect((await client().send(new DescribeBackupsCommand({ Filters: { backupIds: [b] } }))).Backups![0].BackupState).toBe('PENDING_DELETION');
    sim.advance(1);
    expect((await client().send(new DescribeBackupsCommand({ Filters: { backupIds: [b] } }))).Backups![0].BackupState).toBe('DELETED');
    await expectError(client().send(new RestoreBackupCommand({ BackupId: b })), 'CloudHsmResourceNotFoundException', 'was not found');
    await expectError(client().send(new DeleteBackupCommand({ BackupId: 'backup-!' })), 'CloudHsmInvalidRequestException', "Value 'backup-!' at 'backupId'");
  });

  test('ModifyBackupAttributes sets NeverExpires', async () => {
    const { id } = await activeCluster();
    const b = sim.createBackup(REGION, id).BackupId as string;
    const out = await client().send(new ModifyBackupAttributesCommand({ BackupId: b, NeverExpires: true }));
    expect(out.Backup).toMatchObject({ BackupId: b, NeverExpires: true, BackupState: 'READY', ClusterId: id });
    const listed = await client().send(new DescribeBackupsCommand({ Filters: { neverExpires: ['TRUE'] } }));
    expect(listed.Backups!.map((x) => x.BackupId)).toEqual([b]);
    await expectError(client().send(new ModifyBackupAttributesCommand({ BackupId: b } as ModifyBackupAttributesCommandInput)),
      'CloudHsmInvalidRequestException', "Value null at 'neverExpires' failed to satisfy constraint: Member must not be null");
    await expectError(client().send(new ModifyBackupAttributesCommand({ BackupId: 'backup-aaaaaaaaaaa', NeverExpires: false })),
      'CloudHsmResourceNotFoundException', 'was not found');
  });
});
