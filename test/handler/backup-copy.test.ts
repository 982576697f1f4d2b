import {
  CloudHSMV2Client, CopyBackupToRegionCommand, DeleteBackupCommand, DescribeBackupsCommand, ModifyBackupAttributesCommand,
  TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { resourceEvent, serviceError, useHandlerEnv } from './fixtures';
import { setClientFactory } from '../../lambda/aws';
import { isComplete, onEvent } from '../../lambda/index';
import { ResourceEvent } from '../../lambda/types';

useHandlerEnv();

const REQUEST_TAG = 'cdk-cloudhsm:create-request';
const SOURCE = 'backup-sourcesourc';
const COPY = 'backup-copycopycop';
const CLUSTER = 'cluster-abcdefghijk';
const PHYSICAL_ID = `us-west-2/${SOURCE}/req-1`;

// One client per region, so each call can be checked against the region it went to.
const sourceClient = new CloudHSMV2Client({ region: 'us-east-1' });
const westClient = new CloudHSMV2Client({ region: 'us-west-2' });
const euClient = new CloudHSMV2Client({ region: 'eu-west-1' });
const src = mockClient(sourceClient);
const west = mockClient(westClient);
const eu = mockClient(euClient);

function props(overrides: Record<string, any> = {}): Record<string, any> {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework',
    DestinationRegion: 'us-west-2',
    BackupId: SOURCE,
    NeverExpires: 'false',
    Tags: [{ Key: 'team', Value: 'payments' }],
    ...overrides,
  };
}

const RESOURCE = { type: 'Custom::CloudHsmBackupCopy', logicalId: 'Copy', requestId: 'req-1' };
const event = (type: 'Create' | 'Update' | 'Delete', extra: Partial<ResourceEvent> = {}) => resourceEvent(RESOURCE, type, props(), extra);

function copy(overrides: Record<string, any> = {}): any {
  return {
    BackupId: COPY,
    BackupState: 'READY',
    ClusterId: CLUSTER,
    SourceBackup: SOURCE,
    SourceCluster: CLUSTER,
    SourceRegion: 'us-east-1',
    NeverExpires: false,
    CopyTimestamp: new Date('2026-01-02T00:00:00Z'),
    TagList: [{ Key: 'team', Value: 'payments' }, { Key: REQUEST_TAG, Value: 'req-1' }],
    ...overrides,
  };
}

beforeEach(() => {
  src.reset();
  west.reset();
  eu.reset();
  setClientFactory((region) => {
    if (region === undefined || region === 'us-east-1') return sourceClient;
    if (region === 'us-west-2') return westClient;
    if (region === 'eu-west-1') return euClient;
    throw new Error(`no client for ${region}`);
  });
  west.on(DescribeBackupsCommand).resolves({ Backups: [] });
  eu.on(DescribeBackupsCommand).resolves({ Backups: [] });
});

afterAll(() => setClientFactory());

describe('create', () => {
  test('from a backup id: CopyBackupToRegion in the source region with the tags and the request tag', async () => {
    src.on(CopyBackupToRegionCommand).resolves({ DestinationBackup: { SourceBackup: SOURCE, SourceRegion: 'us-east-1' } });
    const res = await onEvent(event('Create'));
    expect(res).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    const calls = src.commandCalls(CopyBackupToRegionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      BackupId: SOURCE,
      DestinationRegion: 'us-west-2',
      TagList: [{ Key: 'team', Value: 'payments' }, { Key: REQUEST_TAG, Value: 'req-1' }],
    });
    // Before copying it looked for a copy of an earlier attempt, in the destination region.
    expect(west.commandCalls(DescribeBackupsCommand)[0].args[0].input.Filters).toEqual({ sourceBackupIds: [SOURCE] });
    expect(west.commandCalls(CopyBackupToRegionCommand)).toHaveLength(0);
  });

  test('from a cluster: copies the newest READY backup of the cluster', async () => {
    src.on(DescribeBackupsCommand)
      .resolvesOnce({
        Backups: [
          { BackupId: 'backup-olderolderol', BackupState: 'READY', ClusterId: CLUSTER, CreateTimestamp: new Date('2026-01-01T00:00:00Z') },
        ],
        NextToken: 'page2',
      })
      .resolvesOnce({
        Backups: [
          { BackupId: 'backup-newestnewest', BackupState: 'READY', ClusterId: CLUSTER, CreateTimestamp: new Date('2026-01-03T00:00:00Z') },
          { BackupId: 'backup-middlemiddle', BackupState: 'READY', ClusterId: CLUSTER, CreateTimestamp: new Date('2026-01-02T00:00:00Z') },
        ],
      });
    src.on(CopyBackupToRegionCommand).resolves({});
    const res = await onEvent(event('Create', { ResourceProperties: props({ BackupId: undefined, ClusterId: CLUSTER }) }));
    expect(res.PhysicalResourceId).toBe('us-west-2/backup-newestnewest/req-1');
    const describes = src.commandCalls(DescribeBackupsCommand);
    expect(describes[0].args[0].input.Filters).toEqual({ clusterIds: [CLUSTER], states: ['READY'] });
    expect(describes[1].args[0].input.NextToken).toBe('page2');
    expect(src.commandCalls(CopyBackupToRegionCommand)[0].args[0].input.BackupId).toBe('backup-newestnewest');
  });

  describe('from a cluster that has no READY backup yet (created in the same deployment)', () => {
    const clusterProps = props({ BackupId: undefined, ClusterId: CLUSTER, FirstBackupWaitMinutes: '25' });
    const NOW = Date.parse('2026-03-01T12:00:00Z');
    const pendingId = (sinceMs: number) => `cdk-cloudhsm:pending-copy:us-west-2:${CLUSTER}:req-1:${sinceMs / 1000}`;
    const polled = (sinceMs: number) => event('Create', { ResourceProperties: clusterProps, PhysicalResourceId: pendingId(sinceMs) });
    const ready = { BackupId: SOURCE, BackupState: 'READY', ClusterId: CLUSTER, CreateTimestamp: new Date(NOW) };
    beforeEach(() => jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
    afterEach(() => jest.useRealTimers());

    test('onEvent waits for the first backup: a pending id with the time the wait began, no copy', async () => {
      src.on(DescribeBackupsCommand).resolves({
        Backups: [{ BackupId: 'backup-creatingcrea', BackupState: 'CREATE_IN_PROGRESS', ClusterId: CLUSTER }],
      });
      expect(await onEvent(event('Create', { ResourceProperties: clusterProps }))).toEqual({ PhysicalResourceId: pendingId(NOW) });
      expect(src.commandCalls(CopyBackupToRegionCommand)).toHaveLength(0);
    });

    test('isComplete waits while there is no READY backup, within the wait', async () => {
      src.on(DescribeBackupsCommand).resolves({ Backups: [] });
      expect(await isComplete(polled(NOW - 24 * 60_000))).toEqual({ IsComplete: false });
      expect(src.commandCalls(CopyBackupToRegionCommand)).toHaveLength(0);
    });

    test('the first READY backup is copied once, followed to READY, and the copy\'s id becomes the physical id', async () => {
      src.on(DescribeBackupsCommand).resolves({ Backups: [ready] });
      src.on(CopyBackupToRegionCommand).resolves({});
      west.on(DescribeBackupsCommand).resolvesOnce({ Backups: [] }).resolvesOnce({ Backups: [] })
        .resolves({ Backups: [copy()] });
      expect(await isComplete(polled(NOW - 60_000))).toEqual({ IsComplete: false });
      const done = await isComplete(polled(NOW - 60_000));
      expect(done).toMatchObject({ IsComplete: true, PhysicalResourceId: PHYSICAL_ID, Data: { DestinationBackupId: COPY, SourceBackupId: SOURCE } });
      expect(src.commandCalls(CopyBackupToRegionCommand)).toHaveLength(1);
      expect(src.commandCalls(CopyBackupToRegionCommand)[0].args[0].input.TagList).toContainEqual({ Key: REQUEST_TAG, Value: 'req-1' });
    });

    test('no READY backup within the wait fails, naming the cluster, the wait and what makes the first backup', async () => {
      src.on(DescribeBackupsCommand).resolves({ Backups: [] });
      await expect(isComplete(polled(NOW - 25 * 60_000))).rejects.toThrow(
        `BackupCopy Copy: cluster ${CLUSTER} has no READY backup in us-east-1 after 25 minutes, so there is nothing to copy. `
        + 'CloudHSM makes a cluster\'s first backup when the cluster is activated (then when HSMs are added or removed, and at least '
        + 'daily). Activate the cluster with the CloudHSM CLI (docs/initialization.md), set activated: true and deploy again, '
        + 'or copy a given backup with backupId.');
      expect(src.commandCalls(CopyBackupToRegionCommand)).toHaveLength(0);
    });

    test('Delete of a pending id (rollback) deletes what the request copied of any backup of the cluster', async () => {
      src.on(DescribeBackupsCommand).resolves({ Backups: [ready] });
      west.on(DescribeBackupsCommand).resolves({ Backups: [copy()] });
      west.on(DeleteBackupCommand).resolves({});
      const del = event('Delete', { ResourceProperties: clusterProps, PhysicalResourceId: pendingId(NOW) });
      expect(await onEvent(del)).toEqual({ PhysicalResourceId: pendingId(NOW) });
      expect(src.commandCalls(DescribeBackupsCommand)[0].args[0].input.Filters).toEqual({ clusterIds: [CLUSTER] });
      expect(west.commandCalls(DescribeBackupsCommand)[0].args[0].input.Filters).toEqual({ sourceBackupIds: [SOURCE] });
      expect(west.commandCalls(DeleteBackupCommand)[0].args[0].input).toEqual({ BackupId: COPY });
    });
  });

  test('a failing CopyBackupToRegion is reported with the backup and regions', async () => {
    src.on(CopyBackupToRegionCommand).rejects(serviceError('CloudHsmInvalidRequestException', 'Backup is in state CREATE_IN_PROGRESS'));
    await expect(onEvent(event('Create')))
      .rejects.toThrow(`BackupCopy Copy: CopyBackupToRegion of ${SOURCE} from us-east-1 to us-west-2 failed: Backup is in state CREATE_IN_PROGRESS`);
  });

  test('a duplicate onEvent finds the copy of the first attempt and makes no second copy', async () => {
    west.on(DescribeBackupsCommand).resolves({
      Backups: [
        copy({ BackupId: 'backup-otherrequest', TagList: [{ Key: REQUEST_TAG, Value: 'req-0' }] }),
        copy({ BackupState: 'CREATE_IN_PROGRESS' }),
      ],
    });
    const res = await onEvent(event('Create'));
    expect(res).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(src.commandCalls(CopyBackupToRegionCommand)).toHaveLength(0);
  });

  test('a duplicate onEvent of the cluster form finds the first copy even when a newer backup appeared', async () => {
    src.on(DescribeBackupsCommand).resolves({
      Backups: [
        { BackupId: 'backup-newestnewest', BackupState: 'READY', ClusterId: CLUSTER, CreateTimestamp: new Date('2026-01-03T00:00:00Z') },
        { BackupId: SOURCE, BackupState: 'READY', ClusterId: CLUSTER, CreateTimestamp: new Date('2026-01-01T00:00:00Z') },
      ],
    });
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy()] });
    const res = await onEvent(event('Create', { ResourceProperties: props({ BackupId: undefined, ClusterId: CLUSTER }) }));
    expect(res.PhysicalResourceId).toBe(PHYSICAL_ID);
    expect(west.commandCalls(DescribeBackupsCommand)[0].args[0].input.Filters)
      .toEqual({ sourceBackupIds: ['backup-newestnewest', SOURCE] });
    expect(src.commandCalls(CopyBackupToRegionCommand)).toHaveLength(0);
  });

  test('a copy of an earlier attempt that is pending deletion is not reused', async () => {
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy({ BackupState: 'PENDING_DELETION' })] });
    src.on(CopyBackupToRegionCommand).resolves({});
    await onEvent(event('Create'));
    expect(src.commandCalls(CopyBackupToRegionCommand)).toHaveLength(1);
  });

  test('waits for the copy to appear and become READY in the destination region', async () => {
    const ev = event('Create', { PhysicalResourceId: PHYSICAL_ID });
    expect(await isComplete(ev)).toEqual({ IsComplete: false });
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy({ BackupState: 'CREATE_IN_PROGRESS' })] });
    expect(await isComplete(ev)).toEqual({ IsComplete: false });
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy()] });
    expect(await isComplete(ev)).toEqual({
      IsComplete: true,
      Data: {
        DestinationBackupId: COPY,
        SourceBackupId: SOURCE,
        DestinationRegion: 'us-west-2',
        SourceRegion: 'us-east-1',
        State: 'READY',
      },
    });
    expect(west.commandCalls(ModifyBackupAttributesCommand)).toHaveLength(0);
    expect(west.commandCalls(TagResourceCommand)).toHaveLength(0);
    expect(src.commandCalls(DescribeBackupsCommand)).toHaveLength(0);
  });

  test('neverExpires: ModifyBackupAttributes in the destination region once the copy is READY', async () => {
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy({ BackupState: 'CREATE_IN_PROGRESS' })] });
    const ev = event('Create', { PhysicalResourceId: PHYSICAL_ID, ResourceProperties: props({ NeverExpires: 'true' }) });
    expect(await isComplete(ev)).toEqual({ IsComplete: false });
    expect(west.commandCalls(ModifyBackupAttributesCommand)).toHaveLength(0);
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy()] });
    west.on(ModifyBackupAttributesCommand).resolves({});
    expect((await isComplete(ev)).IsComplete).toBe(true);
    expect(west.commandCalls(ModifyBackupAttributesCommand).map((c) => c.args[0].input))
      .toEqual([{ BackupId: COPY, NeverExpires: true }]);
    expect(src.commandCalls(ModifyBackupAttributesCommand)).toHaveLength(0);
  });

  test('a copy made twice by one request: the older is kept, the other deleted once READY', async () => {
    const extra = copy({ BackupId: 'backup-extraextraex', CopyTimestamp: new Date('2026-01-02T00:00:05Z'), BackupState: 'CREATE_IN_PROGRESS' });
    west.on(DescribeBackupsCommand).resolves({ Backups: [extra, copy()] });
    const ev = event('Create', { PhysicalResourceId: PHYSICAL_ID });
    expect(await isComplete(ev)).toEqual({ IsComplete: false });
    west.on(DescribeBackupsCommand).resolves({ Backups: [{ ...extra, BackupState: 'READY' }, copy()] });
    west.on(DeleteBackupCommand).resolves({});
    const done = await isComplete(ev);
    expect(done).toMatchObject({ IsComplete: true, Data: { DestinationBackupId: COPY } });
    expect(west.commandCalls(DeleteBackupCommand).map((c) => c.args[0].input)).toEqual([{ BackupId: 'backup-extraextraex' }]);
  });

  test('values that were tokens at synth time are checked at deploy time', async () => {
    await expect(onEvent(event('Create', { ResourceProperties: props({ DestinationRegion: 'us-east-1', BackupId: 'backup-1' }) })))
      .rejects.toThrow('destinationRegion (DestinationRegion): "us-east-1" is the region of the source backup (the stack\'s region); a backup copy must go to another region; '
        + 'backupId (BackupId): "backup-1" is not a CloudHSM backup id');
    await expect(onEvent(event('Create', { ResourceProperties: props({ DestinationRegion: 'mars-1' }) })))
      .rejects.toThrow('destinationRegion (DestinationRegion): "mars-1" is not an AWS region name');
    await expect(onEvent(event('Create', { ResourceProperties: props({ ClusterId: CLUSTER }) })))
      .rejects.toThrow('backupId (BackupId) and cluster (ClusterId): both are given');
    expect(src.commandCalls(CopyBackupToRegionCommand)).toHaveLength(0);
  });
});

describe('update', () => {
  const oldProps = props({ Tags: [{ Key: 'team', Value: 'payments' }, { Key: 'old', Value: 'x' }] });

  test('tags in place: TagResource / UntagResource in the destination region, only keys the stack had set', async () => {
    west.on(DescribeBackupsCommand).resolves({
      Backups: [copy({
        TagList: [
          { Key: 'team', Value: 'payments' }, { Key: 'old', Value: 'x' }, { Key: 'external', Value: 'kept' },
          { Key: REQUEST_TAG, Value: 'req-1' },
        ],
      })],
    });
    west.on(TagResourceCommand).resolves({});
    west.on(UntagResourceCommand).resolves({});
    const ev = event('Update', {
      RequestId: 'req-2',
      PhysicalResourceId: PHYSICAL_ID,
      OldResourceProperties: oldProps,
      ResourceProperties: props({ Tags: [{ Key: 'team', Value: 'risk' }] }),
    });
    expect(await onEvent(ev)).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(src.commandCalls(CopyBackupToRegionCommand)).toHaveLength(0);
    expect((await isComplete(ev)).IsComplete).toBe(true);
    expect(west.commandCalls(TagResourceCommand).map((c) => c.args[0].input))
      .toEqual([{ ResourceId: COPY, TagList: [{ Key: 'team', Value: 'risk' }] }]);
    expect(west.commandCalls(UntagResourceCommand).map((c) => c.args[0].input))
      .toEqual([{ ResourceId: COPY, TagKeyList: ['old'] }]);
  });

  test('neverExpires back to false in place', async () => {
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy({ NeverExpires: true })] });
    west.on(ModifyBackupAttributesCommand).resolves({});
    const ev = event('Update', {
      RequestId: 'req-2',
      PhysicalResourceId: PHYSICAL_ID,
      OldResourceProperties: props({ NeverExpires: 'true' }),
      ResourceProperties: props({ NeverExpires: 'false' }),
    });
    expect(await onEvent(ev)).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect((await isComplete(ev)).IsComplete).toBe(true);
    expect(west.commandCalls(ModifyBackupAttributesCommand)[0].args[0].input).toEqual({ BackupId: COPY, NeverExpires: false });
  });

  test('a different destination region makes a new copy with a new physical id', async () => {
    src.on(CopyBackupToRegionCommand).resolves({});
    const ev = event('Update', {
      RequestId: 'req-2',
      PhysicalResourceId: PHYSICAL_ID,
      OldResourceProperties: props(),
      ResourceProperties: props({ DestinationRegion: 'eu-west-1' }),
    });
    const res = await onEvent(ev);
    expect(res.PhysicalResourceId).toBe(`eu-west-1/${SOURCE}/req-2`);
    expect(src.commandCalls(CopyBackupToRegionCommand)[0].args[0].input).toMatchObject({
      BackupId: SOURCE, DestinationRegion: 'eu-west-1', TagList: expect.arrayContaining([{ Key: REQUEST_TAG, Value: 'req-2' }]),
    });
    // The new copy is awaited in its region; a copy not yet visible there is waited for, not an error.
    expect(await isComplete({ ...ev, PhysicalResourceId: res.PhysicalResourceId })).toEqual({ IsComplete: false });
    expect(eu.commandCalls(DescribeBackupsCommand).length).toBeGreaterThan(0);
  });

  test('a different source backup makes a new copy', async () => {
    src.on(CopyBackupToRegionCommand).resolves({});
    const res = await onEvent(event('Update', {
      RequestId: 'req-2',
      PhysicalResourceId: PHYSICAL_ID,
      OldResourceProperties: props(),
      ResourceProperties: props({ BackupId: 'backup-secondsecond' }),
    }));
    expect(res.PhysicalResourceId).toBe('us-west-2/backup-secondsecond/req-2');
  });

  test('the copy gone outside the stack fails an in-place update', async () => {
    const ev = event('Update', { RequestId: 'req-2', PhysicalResourceId: PHYSICAL_ID, OldResourceProperties: props() });
    await expect(isComplete(ev)).rejects.toThrow(`the copy of ${SOURCE} in us-west-2 no longer exists`);
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy({ BackupState: 'PENDING_DELETION' })] });
    await expect(isComplete(ev)).rejects.toThrow(`the copy ${COPY} in us-west-2 is PENDING_DELETION`);
  });
});

describe('delete', () => {
  test('DeleteBackup in the destination region; done once the copy is pending deletion', async () => {
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy()] });
    west.on(DeleteBackupCommand).resolves({ Backup: { BackupId: COPY, BackupState: 'PENDING_DELETION' } });
    const ev = event('Delete', { PhysicalResourceId: PHYSICAL_ID });
    expect(await onEvent(ev)).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(west.commandCalls(DeleteBackupCommand).map((c) => c.args[0].input)).toEqual([{ BackupId: COPY }]);
    expect(src.commandCalls(DeleteBackupCommand)).toHaveLength(0);
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy({ BackupState: 'PENDING_DELETION' })] });
    expect(await isComplete(ev)).toEqual({ IsComplete: true });
    expect(west.commandCalls(DeleteBackupCommand)).toHaveLength(1);
  });

  test('not found counts as deleted', async () => {
    const ev = event('Delete', { PhysicalResourceId: PHYSICAL_ID });
    await onEvent(ev);
    expect(await isComplete(ev)).toEqual({ IsComplete: true });
    expect(west.commandCalls(DeleteBackupCommand)).toHaveLength(0);
    // Gone between DescribeBackups and DeleteBackup.
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy()] });
    west.on(DeleteBackupCommand).rejects(serviceError('CloudHsmResourceNotFoundException', 'no such backup'));
    expect(await isComplete(ev)).toEqual({ IsComplete: true });
  });

  test('a refusal because the copy is already pending deletion counts as deleted', async () => {
    west.on(DescribeBackupsCommand)
      .resolvesOnce({ Backups: [copy()] })
      .resolves({ Backups: [copy({ BackupState: 'PENDING_DELETION' })] });
    west.on(DeleteBackupCommand).rejects(serviceError('CloudHsmInvalidRequestException', 'only a READY backup can be deleted'));
    expect(await isComplete(event('Delete', { PhysicalResourceId: PHYSICAL_ID }))).toEqual({ IsComplete: true });
  });

  test('a refusal of a READY copy fails with the service message', async () => {
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy()] });
    west.on(DeleteBackupCommand).rejects(serviceError('CloudHsmInvalidRequestException', 'something else'));
    await expect(isComplete(event('Delete', { PhysicalResourceId: PHYSICAL_ID })))
      .rejects.toThrow(`BackupCopy Copy: DeleteBackup of ${COPY} in us-west-2 failed: something else`);
  });

  test('a copy still being created (failed create) is deleted once READY', async () => {
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy({ BackupState: 'CREATE_IN_PROGRESS' })] });
    const ev = event('Delete', { PhysicalResourceId: PHYSICAL_ID });
    expect(await isComplete(ev)).toEqual({ IsComplete: false });
    expect(west.commandCalls(DeleteBackupCommand)).toHaveLength(0);
    west.on(DescribeBackupsCommand).resolves({ Backups: [copy()] });
    west.on(DeleteBackupCommand).resolves({});
    expect(await isComplete(ev)).toEqual({ IsComplete: true });
    expect(west.commandCalls(DeleteBackupCommand)).toHaveLength(1);
  });

  test('copies of other requests are left alone', async () => {
    west.on(DescribeBackupsCommand).resolves({
      Backups: [copy({ BackupId: 'backup-otherrequest', TagList: [{ Key: REQUEST_TAG, Value: 'req-0' }] })],
    });
    expect(await isComplete(event('Delete', { PhysicalResourceId: PHYSICAL_ID }))).toEqual({ IsComplete: true });
    expect(west.commandCalls(DeleteBackupCommand)).toHaveLength(0);
  });

  test('a physical id that is no copy id (create failed in onEvent) deletes nothing', async () => {
    const ev = event('Delete', { PhysicalResourceId: 'req-1' });
    expect(await onEvent(ev)).toEqual({ PhysicalResourceId: 'req-1' });
    expect(await isComplete(ev)).toEqual({ IsComplete: true });
    expect(west.calls()).toHaveLength(0);
    expect(src.calls()).toHaveLength(0);
  });
});

describe('logging', () => {
  test('writes ids and states, never backup descriptions or tag values', async () => {
    delete process.env.CDK_CLOUDHSM_QUIET;
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { lines.push(args.join(' ')); });
    try {
      src.on(CopyBackupToRegionCommand).resolves({});
      await onEvent(event('Create', { ResourceProperties: props({ Tags: [{ Key: 'owner', Value: 'secret-owner-value' }] }) }));
      west.on(DescribeBackupsCommand).resolves({ Backups: [copy({ TagList: [{ Key: REQUEST_TAG, Value: 'req-1' }] })] });
      west.on(TagResourceCommand).resolves({});
      await isComplete(event('Create', {
        PhysicalResourceId: PHYSICAL_ID,
        ResourceProperties: props({ Tags: [{ Key: 'owner', Value: 'secret-owner-value' }] }),
      }));
    } finally {
      spy.mockRestore();
      process.env.CDK_CLOUDHSM_QUIET = '1';
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes(COPY))).toBe(true);
    const all = lines.join('\n');
    expect(all).not.toContain('secret-owner-value');
    expect(all).not.toContain('TagList');
    expect(all).not.toContain('SourceCluster');
  });
});
