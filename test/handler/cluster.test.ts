import * as http from 'http';
import {
  CloudHSMV2Client, CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, ModifyClusterCommand,
  TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { resourceEvent, serviceError, useHandlerEnv } from './fixtures';
import { cloudHsm, MAX_ATTEMPTS, setClientFactory } from '../../lambda/aws';
import { LATE_CREATE_MS, parsePendingClusterId, pendingClusterId } from '../../lambda/cluster';
import { isComplete, onEvent } from '../../lambda/index';
import { ResourceEvent } from '../../lambda/types';

const hsm = mockClient(CloudHSMV2Client);
const REQUEST_TAG = 'cdk-cloudhsm:create-request';
const CLUSTER_ID = 'cluster-abcdefghijk';
const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];
const VPC = 'vpc-0123456789abcdef0';
const TWINS_TAG = 'cdk-cloudhsm:twins';
/** The physical id of the create request req-1 until its cluster is settled. */
const PENDING = pendingClusterId(VPC, 'req-1');

useHandlerEnv();

function props(overrides: Record<string, any> = {}): Record<string, any> {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework',
    HsmType: 'hsm2m.medium',
    SubnetIds: SUBNETS,
    BackupRetentionDays: '30',
    Tags: [{ Key: 'team', Value: 'payments' }],
    AllowReplacement: 'false',
    ...overrides,
  };
}

const RESOURCE = { type: 'Custom::CloudHsmCluster', logicalId: 'Cluster', requestId: 'req-1' };
const event = (type: 'Create' | 'Update' | 'Delete', extra: Partial<ResourceEvent> = {}) => resourceEvent(RESOURCE, type, props(), extra);

function cluster(overrides: Record<string, any> = {}): any {
  return {
    ClusterId: CLUSTER_ID,
    State: 'UNINITIALIZED',
    HsmType: 'hsm2m.medium',
    SecurityGroup: 'sg-0123456789abcdef0',
    VpcId: VPC,
    CreateTimestamp: 1700000000,
    BackupRetentionPolicy: { Type: 'DAYS', Value: '30' },
    PreCoPassword: 'secret-pre-co-password',
    Hsms: [],
    TagList: [{ Key: 'team', Value: 'payments' }, { Key: REQUEST_TAG, Value: 'req-1' }],
    ...overrides,
  };
}

function describes(...clusters: any[]): void {
  hsm.on(DescribeClustersCommand).resolves({ Clusters: clusters });
}

beforeEach(() => {
  hsm.reset();
  setClientFactory();
});

describe('create', () => {
  test('calls CreateCluster with every property, the tags and the request tag; the physical id names the request until it settles', async () => {
    describes();
    hsm.on(CreateClusterCommand).resolves({ Cluster: { ClusterId: CLUSTER_ID, State: 'CREATE_IN_PROGRESS', VpcId: VPC } });
    const res = await onEvent(event('Create', {
      ResourceProperties: props({ Mode: 'NON_FIPS', NetworkType: 'DUALSTACK', SourceBackupId: undefined }),
    }));
    expect(res.PhysicalResourceId).toBe(`cdk-cloudhsm:pending-cluster:${VPC}:req-1`);
    expect(parsePendingClusterId(res.PhysicalResourceId)).toEqual({ vpcId: VPC, requestId: 'req-1' });
    const calls = hsm.commandCalls(CreateClusterCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      HsmType: 'hsm2m.medium',
      SubnetIds: SUBNETS,
      BackupRetentionPolicy: { Type: 'DAYS', Value: '30' },
      Mode: 'NON_FIPS',
      NetworkType: 'DUALSTACK',
      SourceBackupId: undefined,
      TagList: [{ Key: 'team', Value: 'payments' }, { Key: REQUEST_TAG, Value: 'req-1' }],
    });
    // One listing (an earlier attempt's cluster?) and the create: no second look when the create was quick.
    expect(hsm.commandCalls(DescribeClustersCommand)).toHaveLength(1);
  });

  test('waits while CREATE_IN_PROGRESS, completes at UNINITIALIZED with the cluster id and without the PreCoPassword', async () => {
    describes(cluster({ State: 'CREATE_IN_PROGRESS' }));
    const ev = event('Create', { PhysicalResourceId: PENDING });
    expect(await isComplete(ev)).toEqual({ IsComplete: false });
    describes(cluster());
    const done = await isComplete(ev);
    expect(done.IsComplete).toBe(true);
    expect(done.PhysicalResourceId).toBe(CLUSTER_ID);
    expect(done.Data).toEqual({
      ClusterId: CLUSTER_ID,
      SecurityGroupId: 'sg-0123456789abcdef0',
      VpcId: VPC,
      State: 'UNINITIALIZED',
      HsmType: 'hsm2m.medium',
      BackupRetentionDays: '30',
    });
    expect(JSON.stringify(done)).not.toContain('secret-pre-co-password');
    expect(hsm.commandCalls(ModifyClusterCommand)).toHaveLength(0);
    expect(hsm.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  test('each poll is one DescribeClusters of the cluster\'s VPC', async () => {
    describes(cluster({ State: 'CREATE_IN_PROGRESS' }), cluster({ ClusterId: 'cluster-someoneelses', TagList: [] }));
    await isComplete(event('Create', { PhysicalResourceId: PENDING }));
    describes(cluster(), cluster({ ClusterId: 'cluster-someoneelses', TagList: [] }));
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toMatchObject({ IsComplete: true, PhysicalResourceId: CLUSTER_ID });
    const inputs = hsm.commandCalls(DescribeClustersCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([{ Filters: { vpcIds: [VPC] } }, { Filters: { vpcIds: [VPC] } }]);
    expect(hsm.commandCalls(DeleteClusterCommand)).toHaveLength(0); // another request's cluster is no twin
  });

  test('restore from a backup passes SourceBackupId and completes when ACTIVE', async () => {
    describes();
    hsm.on(CreateClusterCommand).resolves({ Cluster: { ClusterId: CLUSTER_ID, VpcId: VPC } });
    await onEvent(event('Create', { ResourceProperties: props({ SourceBackupId: 'backup-abcdefghijk' }) }));
    expect(hsm.commandCalls(CreateClusterCommand)[0].args[0].input.SourceBackupId).toBe('backup-abcdefghijk');
    describes(cluster({ State: 'ACTIVE', SourceBackupId: 'backup-abcdefghijk' }));
    const done = await isComplete(event('Create', { PhysicalResourceId: PENDING }));
    expect(done).toMatchObject({ IsComplete: true, PhysicalResourceId: CLUSTER_ID, Data: { State: 'ACTIVE' } });
  });

  test('a retried create finds the cluster of the first attempt by its request tag and returns the same physical id', async () => {
    describes(cluster({ ClusterId: 'cluster-otherclusters', TagList: [{ Key: REQUEST_TAG, Value: 'req-0' }] }),
      cluster({ State: 'CREATE_IN_PROGRESS' }));
    const res = await onEvent(event('Create'));
    expect(res.PhysicalResourceId).toBe(PENDING);
    expect(hsm.commandCalls(CreateClusterCommand)).toHaveLength(0);
  });

  test('a retried create ignores a deleted (or deleting) cluster of the same request', async () => {
    describes(cluster({ State: 'DELETED' }), cluster({ ClusterId: 'cluster-deletingdele', State: 'DELETE_IN_PROGRESS' }));
    hsm.on(CreateClusterCommand).resolves({ Cluster: { ClusterId: 'cluster-newnewnewnew', VpcId: VPC } });
    expect((await onEvent(event('Create'))).PhysicalResourceId).toBe(PENDING);
    expect(hsm.commandCalls(CreateClusterCommand)).toHaveLength(1);
  });

  test('a CreateCluster answer without a VPC id gives a physical id that lists the region\'s clusters', async () => {
    describes();
    hsm.on(CreateClusterCommand).resolves({ Cluster: { ClusterId: CLUSTER_ID } });
    const res = await onEvent(event('Create'));
    expect(res.PhysicalResourceId).toBe('cdk-cloudhsm:pending-cluster::req-1');
    hsm.reset();
    describes(cluster());
    expect(await isComplete(event('Create', { PhysicalResourceId: res.PhysicalResourceId }))).toMatchObject({ IsComplete: true, PhysicalResourceId: CLUSTER_ID });
    expect(hsm.commandCalls(DescribeClustersCommand)[0].args[0].input.Filters).toBeUndefined();
  });

  test('no cluster of the request any more is an error that names the resource', async () => {
    describes(cluster({ ClusterId: 'cluster-someoneelses', TagList: [] }));
    await expect(isComplete(event('Create', { PhysicalResourceId: PENDING })))
      .rejects.toThrow('HsmCluster Cluster: no cluster of this request exists any more (deleted outside this stack?)');
  });

  test('DEGRADED fails with the state message and deletes the cluster this request made', async () => {
    describes(cluster({ State: 'DEGRADED', StateMessage: 'subnet ran out of addresses' }));
    hsm.on(DeleteClusterCommand).resolves({});
    await expect(isComplete(event('Create', { PhysicalResourceId: PENDING })))
      .rejects.toThrow('HsmCluster Cluster (cluster-abcdefghijk) is DEGRADED: subnet ran out of addresses');
    expect(hsm.commandCalls(DeleteClusterCommand)).toHaveLength(1);
  });

  test('DEGRADED on an update fails without deleting the existing cluster', async () => {
    describes(cluster({ State: 'DEGRADED', StateMessage: 'hardware fault', TagList: [{ Key: REQUEST_TAG, Value: 'old' }] }));
    await expect(isComplete(event('Update', { PhysicalResourceId: CLUSTER_ID, OldResourceProperties: props() })))
      .rejects.toThrow('is DEGRADED: hardware fault');
    expect(hsm.commandCalls(DeleteClusterCommand)).toHaveLength(0);
  });

  test('an unexpected state fails with it', async () => {
    describes(cluster({ State: 'SOMETHING_NEW', StateMessage: 'why' }));
    await expect(isComplete(event('Create', { PhysicalResourceId: PENDING })))
      .rejects.toThrow('HsmCluster Cluster (cluster-abcdefghijk) is in the unexpected state SOMETHING_NEW: why');
  });

  test('values that were tokens at synth time are checked at deploy time', async () => {
    await expect(onEvent(event('Create', { ResourceProperties: props({ BackupRetentionDays: '5' }) })))
      .rejects.toThrow('backupRetention (BackupRetentionDays): 5 days is not valid; CloudHSM keeps backups for a whole number of days from 7 to 379');
    await expect(onEvent(event('Create', { ResourceProperties: props({ SourceBackupId: 'bkp-1' }) })))
      .rejects.toThrow('sourceBackupId (SourceBackupId): "bkp-1" is not a CloudHSM backup id or backup ARN');
    expect(hsm.commandCalls(CreateClusterCommand)).toHaveLength(0);
  });
});

/**
 * One create, several attempts: the framework's onEvent retried while the first still runs (each
 * framework invocation starts its own waiter execution), or the SDK retrying a CreateCluster whose
 * response was lost. Every attempt may make a cluster with the request's tag; the orderings below
 * are named by what each attempt and each waiter execution saw.
 */
describe('one create, several clusters of its request (twins)', () => {
  const A = CLUSTER_ID; // the oldest: the request's cluster
  const B = 'cluster-twintwintwin';
  const older = (o: Record<string, any> = {}) => cluster({ ClusterId: A, CreateTimestamp: 1700000000, ...o });
  const newer = (o: Record<string, any> = {}) => cluster({ ClusterId: B, CreateTimestamp: 1700000003, ...o });
  const inProgress = (id: string) => serviceError('CloudHsmInvalidRequestException',
    `DeleteCluster is not allowed while cluster '${id}' is in state DELETE_IN_PROGRESS; retry when the current operation has finished`);

  test('two attempts at the same moment, neither seeing the other\'s cluster: both create, both return the same physical id', async () => {
    describes(); // each attempt's listing happens before either cluster exists
    hsm.on(CreateClusterCommand)
      .resolvesOnce({ Cluster: { ClusterId: A, VpcId: VPC, State: 'CREATE_IN_PROGRESS' } })
      .resolvesOnce({ Cluster: { ClusterId: B, VpcId: VPC, State: 'CREATE_IN_PROGRESS' } });
    const [first, second] = await Promise.all([onEvent(event('Create')), onEvent(event('Create'))]);
    expect(hsm.commandCalls(CreateClusterCommand)).toHaveLength(2);
    expect(first).toEqual({ PhysicalResourceId: PENDING });
    expect(second).toEqual(first);
  });

  test('both clusters creating: every execution waits, nothing is deleted yet', async () => {
    describes(newer({ State: 'CREATE_IN_PROGRESS' }), older({ State: 'CREATE_IN_PROGRESS' }));
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toEqual({ IsComplete: false });
    expect(hsm.commandCalls(DeleteClusterCommand)).toHaveLength(0);
  });

  test('the request\'s cluster settled, the twin still creating: it is waited for, then deleted, and the create completes on the oldest', async () => {
    describes(older(), newer({ State: 'CREATE_IN_PROGRESS' }));
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toEqual({ IsComplete: false });
    expect(hsm.commandCalls(DeleteClusterCommand)).toHaveLength(0);
    describes(older(), newer());
    hsm.on(DeleteClusterCommand).resolves({});
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toMatchObject({ IsComplete: true, PhysicalResourceId: A });
    expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input)).toEqual([{ ClusterId: B }]);
  });

  test('the twin settled first: it is deleted at once while the request\'s cluster is still creating', async () => {
    describes(older({ State: 'CREATE_IN_PROGRESS' }), newer());
    hsm.on(DeleteClusterCommand).resolves({});
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toEqual({ IsComplete: false });
    expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input)).toEqual([{ ClusterId: B }]);
    describes(older(), newer({ State: 'DELETE_IN_PROGRESS' }));
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toMatchObject({ IsComplete: true, PhysicalResourceId: A });
  });

  test('two waiter executions polling at the same moment: both settle on the oldest; the second DeleteCluster refused as in progress is no error', async () => {
    describes(newer(), older());
    hsm.on(DeleteClusterCommand).resolvesOnce({}).rejects(inProgress(B));
    const [one, two] = await Promise.all([
      isComplete(event('Create', { PhysicalResourceId: PENDING })),
      isComplete(event('Create', { PhysicalResourceId: PENDING })),
    ]);
    const results = [one, two].sort((x, y) => Number(y.IsComplete) - Number(x.IsComplete));
    expect(results[0]).toMatchObject({ IsComplete: true, PhysicalResourceId: A });
    expect(results[1]).toEqual({ IsComplete: false }); // its DeleteCluster was refused: it looks again
    describes(newer({ State: 'DELETE_IN_PROGRESS' }), older());
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toMatchObject({ IsComplete: true, PhysicalResourceId: A });
    expect(hsm.commandCalls(DeleteClusterCommand).every((c) => c.args[0].input.ClusterId === B)).toBe(true);
  });

  test('same CreateTimestamp: the smaller cluster id is the request\'s cluster, for every execution', async () => {
    const a = cluster({ ClusterId: 'cluster-zzzzzzzzzzz', CreateTimestamp: 1700000000 });
    const b = cluster({ ClusterId: 'cluster-aaaaaaaaaaa', CreateTimestamp: 1700000000 });
    hsm.on(DeleteClusterCommand).resolves({});
    describes(a, b);
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toMatchObject({ PhysicalResourceId: 'cluster-aaaaaaaaaaa' });
    hsm.reset();
    hsm.on(DeleteClusterCommand).resolves({});
    describes(b, a);
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toMatchObject({ PhysicalResourceId: 'cluster-aaaaaaaaaaa' });
    expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input.ClusterId)).toEqual(['cluster-zzzzzzzzzzz']);
  });

  test('the oldest cluster DEGRADED: the create fails and deletes it and the settled twins', async () => {
    describes(older({ State: 'DEGRADED', StateMessage: 'hardware' }), newer());
    hsm.on(DeleteClusterCommand).resolves({});
    await expect(isComplete(event('Create', { PhysicalResourceId: PENDING }))).rejects.toThrow('is DEGRADED: hardware');
    expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input.ClusterId).sort()).toEqual([A, B].sort());
  });

  test('a twin with HSMs is someone\'s: left alone, not waited for', async () => {
    describes(older(), newer({ State: 'ACTIVE', Hsms: [{ HsmId: 'hsm-abcdefghijk' }] }));
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toMatchObject({ IsComplete: true, PhysicalResourceId: A });
    expect(hsm.commandCalls(DeleteClusterCommand)).toHaveLength(0);
  });

  test('a VPC with more clusters than a page: every page is read, the twin on the second one is found', async () => {
    hsm.on(DescribeClustersCommand, { NextToken: undefined }).resolves({ Clusters: [older()], NextToken: 'page-2' });
    hsm.on(DescribeClustersCommand, { NextToken: 'page-2' }).resolves({ Clusters: [newer()] });
    hsm.on(DeleteClusterCommand).resolves({});
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toMatchObject({ IsComplete: true, PhysicalResourceId: A });
    expect(hsm.commandCalls(DescribeClustersCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: { vpcIds: [VPC] } }, { Filters: { vpcIds: [VPC] }, NextToken: 'page-2' },
    ]);
    expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input.ClusterId)).toEqual([B]);
  });

  test('an SDK-retried CreateCluster (lost response) needs no extra call in onEvent: the polls see both clusters', async () => {
    describes();
    hsm.on(CreateClusterCommand).resolves({ Cluster: { ClusterId: B, VpcId: VPC }, $metadata: { attempts: 2 } });
    expect(await onEvent(event('Create'))).toEqual({ PhysicalResourceId: PENDING });
    expect(hsm.commandCalls(DescribeClustersCommand)).toHaveLength(1);
    expect(hsm.commandCalls(TagResourceCommand)).toHaveLength(0);
    hsm.reset();
    describes(newer(), older());
    hsm.on(DeleteClusterCommand).resolves({});
    expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toMatchObject({ IsComplete: true, PhysicalResourceId: A });
    expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input.ClusterId)).toEqual([B]);
  });

  describe('an execution completed before the other attempt created its twin (late create)', () => {
    let now = 0;
    beforeEach(() => {
      now = 1_000_000;
      jest.spyOn(Date, 'now').mockImplementation(() => now);
    });
    afterEach(() => jest.restoreAllMocks());

    test('a late attempt (slower than LATE_CREATE_MS) looks again, sees the older cluster and marks both for clean-up', async () => {
      hsm.on(DescribeClustersCommand).resolvesOnce({ Clusters: [] }).resolves({ Clusters: [older(), newer({ State: 'CREATE_IN_PROGRESS' })] });
      hsm.on(CreateClusterCommand).callsFake(() => {
        now += LATE_CREATE_MS + 1; // throttled and retried for a long time
        return { Cluster: { ClusterId: B, VpcId: VPC, State: 'CREATE_IN_PROGRESS' } };
      });
      hsm.on(TagResourceCommand).resolves({});
      expect(await onEvent(event('Create'))).toEqual({ PhysicalResourceId: PENDING });
      expect(hsm.commandCalls(DescribeClustersCommand).map((c) => c.args[0].input.Filters)).toEqual([undefined, { vpcIds: [VPC] }]);
      expect(hsm.commandCalls(TagResourceCommand).map((c) => c.args[0].input)).toEqual([
        { ResourceId: A, TagList: [{ Key: TWINS_TAG, Value: 'true' }] },
        { ResourceId: B, TagList: [{ Key: TWINS_TAG, Value: 'true' }] },
      ]);
    });

    test('a late attempt that finds no other cluster marks nothing', async () => {
      hsm.on(DescribeClustersCommand).resolvesOnce({ Clusters: [] }).resolves({ Clusters: [newer({ State: 'CREATE_IN_PROGRESS' })] });
      hsm.on(CreateClusterCommand).callsFake(() => {
        now += LATE_CREATE_MS + 1;
        return { Cluster: { ClusterId: B, VpcId: VPC } };
      });
      await onEvent(event('Create'));
      expect(hsm.commandCalls(TagResourceCommand)).toHaveLength(0);
    });

    test('the late attempt\'s own waiter execution settles on the older cluster (the first execution\'s answer) and deletes its twin', async () => {
      describes(older({ Hsms: [{ HsmId: 'hsm-abcdefghijk' }], State: 'UNINITIALIZED' }), newer({ State: 'CREATE_IN_PROGRESS' }));
      expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toEqual({ IsComplete: false });
      describes(older({ Hsms: [{ HsmId: 'hsm-abcdefghijk' }] }), newer());
      hsm.on(DeleteClusterCommand).resolves({});
      expect(await isComplete(event('Create', { PhysicalResourceId: PENDING }))).toMatchObject({ IsComplete: true, PhysicalResourceId: A });
      expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input.ClusterId)).toEqual([B]);
    });

    test('with no waiter for the late attempt, the marked cluster\'s next update deletes the twin and drops the mark', async () => {
      const marked = older({ TagList: [...cluster().TagList, { Key: TWINS_TAG, Value: 'true' }] });
      hsm.on(DescribeClustersCommand, { Filters: { clusterIds: [A] } }).resolves({ Clusters: [marked] });
      hsm.on(DescribeClustersCommand, { Filters: { vpcIds: [VPC] } }).resolves({ Clusters: [marked, newer()] });
      hsm.on(DeleteClusterCommand).resolves({});
      hsm.on(UntagResourceCommand).resolves({});
      const update = event('Update', { RequestId: 'req-2', PhysicalResourceId: A, OldResourceProperties: props() });
      expect(await isComplete(update)).toMatchObject({ IsComplete: true });
      expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input.ClusterId)).toEqual([B]);
      expect(hsm.commandCalls(UntagResourceCommand).map((c) => c.args[0].input)).toEqual([{ ResourceId: A, TagKeyList: [TWINS_TAG] }]);
    });

    test('... or its deletion does', async () => {
      const marked = older({ State: 'DELETED', TagList: [...cluster().TagList, { Key: TWINS_TAG, Value: 'true' }] });
      hsm.on(DescribeClustersCommand, { Filters: { clusterIds: [A] } }).resolves({ Clusters: [marked] });
      hsm.on(DescribeClustersCommand, { Filters: { vpcIds: [VPC] } }).resolves({ Clusters: [newer({ State: 'CREATE_IN_PROGRESS' })] });
      const del = event('Delete', { RequestId: 'req-3', PhysicalResourceId: A });
      expect(await isComplete(del)).toEqual({ IsComplete: false });
      hsm.on(DescribeClustersCommand, { Filters: { vpcIds: [VPC] } }).resolves({ Clusters: [newer()] });
      hsm.on(DeleteClusterCommand).resolves({});
      expect(await isComplete(del)).toEqual({ IsComplete: true });
      expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input.ClusterId)).toEqual([B]);
    });
  });

  test('an unmarked cluster\'s update completes with one DescribeClusters and no listing', async () => {
    describes(cluster());
    expect((await isComplete(event('Update', { PhysicalResourceId: A, OldResourceProperties: props() }))).IsComplete).toBe(true);
    expect(hsm.commandCalls(DescribeClustersCommand)).toHaveLength(1);
  });
});

describe('update', () => {
  const update = (newProps: Record<string, any>, oldProps: Record<string, any> = props()) =>
    event('Update', { PhysicalResourceId: CLUSTER_ID, ResourceProperties: newProps, OldResourceProperties: oldProps });

  test('retention: ModifyCluster when stable, wait while UPDATE_IN_PROGRESS, complete when it matches', async () => {
    const ev = update(props({ BackupRetentionDays: '90' }));
    expect(await onEvent(ev)).toEqual({ PhysicalResourceId: CLUSTER_ID });
    describes(cluster());
    hsm.on(ModifyClusterCommand).resolves({});
    expect(await isComplete(ev)).toEqual({ IsComplete: false });
    expect(hsm.commandCalls(ModifyClusterCommand)[0].args[0].input).toEqual({
      ClusterId: CLUSTER_ID, BackupRetentionPolicy: { Type: 'DAYS', Value: '90' },
    });
    describes(cluster({ State: 'UPDATE_IN_PROGRESS' }));
    expect(await isComplete(ev)).toEqual({ IsComplete: false });
    describes(cluster({ BackupRetentionPolicy: { Type: 'DAYS', Value: '90' } }));
    expect(await isComplete(ev)).toMatchObject({ IsComplete: true, Data: { BackupRetentionDays: '90' } });
    expect(hsm.commandCalls(ModifyClusterCommand)).toHaveLength(1);
  });

  test('a cluster in a transitional state is waited for before ModifyCluster', async () => {
    describes(cluster({ State: 'INITIALIZE_IN_PROGRESS' }));
    expect(await isComplete(update(props({ BackupRetentionDays: '90' })))).toEqual({ IsComplete: false });
    expect(hsm.commandCalls(ModifyClusterCommand)).toHaveLength(0);
  });

  test('a refusal because the state changed meanwhile is retried on the next poll', async () => {
    describes(cluster());
    hsm.on(ModifyClusterCommand).rejects(serviceError('CloudHsmInvalidRequestException', 'Cluster is in state UPDATE_IN_PROGRESS'));
    expect(await isComplete(update(props({ BackupRetentionDays: '90' })))).toEqual({ IsComplete: false });
  });

  test('HsmType: ModifyCluster with the new type', async () => {
    describes(cluster({ HsmType: 'hsm1.medium' }));
    hsm.on(ModifyClusterCommand).resolves({});
    await isComplete(update(props(), props({ HsmType: 'hsm1.medium' })));
    expect(hsm.commandCalls(ModifyClusterCommand)[0].args[0].input).toEqual({ ClusterId: CLUSTER_ID, HsmType: 'hsm2m.medium' });
  });

  test('tags (Tags): adds and changes with TagResource, removes only tags the stack had set', async () => {
    describes(cluster({
      TagList: [
        { Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }, { Key: 'external', Value: 'x' }, { Key: REQUEST_TAG, Value: 'req-0' },
      ],
    }));
    hsm.on(TagResourceCommand).resolves({});
    hsm.on(UntagResourceCommand).resolves({});
    const ev = update(
      props({ Tags: [{ Key: 'a', Value: '9' }, { Key: 'c', Value: '3' }] }),
      props({ Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }),
    );
    expect(await isComplete(ev)).toMatchObject({ IsComplete: true });
    expect(hsm.commandCalls(TagResourceCommand)[0].args[0].input).toEqual({
      ResourceId: CLUSTER_ID, TagList: [{ Key: 'a', Value: '9' }, { Key: 'c', Value: '3' }],
    });
    expect(hsm.commandCalls(UntagResourceCommand)[0].args[0].input).toEqual({ ResourceId: CLUSTER_ID, TagKeyList: ['b'] });
  });

  test('removing all tags untags them', async () => {
    describes(cluster());
    hsm.on(UntagResourceCommand).resolves({});
    await isComplete(update(props({ Tags: undefined })));
    expect(hsm.commandCalls(UntagResourceCommand)[0].args[0].input.TagKeyList).toEqual(['team']);
    expect(hsm.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  test('a create-only change is refused with the property named unless replacement is allowed', async () => {
    const changed = props({ SubnetIds: [SUBNETS[0]], Mode: 'NON_FIPS' });
    await expect(onEvent(update(changed))).rejects.toThrow(
      'HsmCluster Cluster (cluster-abcdefghijk): vpcSubnets (SubnetIds) ("subnet-0123456789abcdef0,subnet-0123456789abcdef1" -> '
      + '"subnet-0123456789abcdef0"), mode (Mode) ("FIPS" -> "NON_FIPS") can only be set when a cluster is created, so this change '
      + 'needs a new cluster. Set allowReplacement (AllowReplacement) to true');
    expect(hsm.commandCalls(CreateClusterCommand)).toHaveLength(0);
  });

  test('subnet order alone is no change', async () => {
    const res = await onEvent(update(props({ SubnetIds: [SUBNETS[1], SUBNETS[0]] })));
    expect(res.PhysicalResourceId).toBe(CLUSTER_ID);
  });

  test('with allowReplacement a create-only change creates a new cluster, whose id becomes the physical id', async () => {
    describes(cluster({ TagList: [{ Key: REQUEST_TAG, Value: 'req-0' }] }));
    hsm.on(CreateClusterCommand).resolves({ Cluster: { ClusterId: 'cluster-replacement1', VpcId: VPC } });
    const ev = update(props({ Mode: 'NON_FIPS', AllowReplacement: 'true' }));
    const res = await onEvent(ev);
    expect(res.PhysicalResourceId).toBe(PENDING);
    expect(hsm.commandCalls(CreateClusterCommand)[0].args[0].input).toMatchObject({ Mode: 'NON_FIPS' });
    describes(cluster({ TagList: [{ Key: REQUEST_TAG, Value: 'req-0' }] }), cluster({ ClusterId: 'cluster-replacement1', Mode: 'NON_FIPS' }));
    expect(await isComplete({ ...ev, PhysicalResourceId: res.PhysicalResourceId })).toMatchObject({ IsComplete: true, PhysicalResourceId: 'cluster-replacement1' });
  });
});

describe('delete', () => {
  const del = (id = CLUSTER_ID) => event('Delete', { PhysicalResourceId: id });

  test('DeleteCluster, then waits until DELETED', async () => {
    describes(cluster());
    hsm.on(DeleteClusterCommand).resolves({});
    await onEvent(del());
    expect(hsm.commandCalls(DeleteClusterCommand)[0].args[0].input).toEqual({ ClusterId: CLUSTER_ID });
    describes(cluster({ State: 'DELETE_IN_PROGRESS' }));
    expect(await isComplete(del())).toEqual({ IsComplete: false });
    describes(cluster({ State: 'DELETED' }));
    expect(await isComplete(del())).toEqual({ IsComplete: true });
  });

  test('not found counts as deleted', async () => {
    describes();
    await onEvent(del());
    expect(await isComplete(del())).toEqual({ IsComplete: true });
    hsm.on(DescribeClustersCommand).resolves({ Clusters: [cluster()] });
    hsm.on(DeleteClusterCommand).rejects(serviceError('CloudHsmResourceNotFoundException', 'no such cluster'));
    expect(await isComplete(del())).toEqual({ IsComplete: true });
  });

  test('a create that failed before it settled (pending physical id): every cluster of its request is deleted', async () => {
    const twin = cluster({ ClusterId: 'cluster-twintwintwin', State: 'CREATE_IN_PROGRESS', CreateTimestamp: 1700000003 });
    const ev = event('Delete', { RequestId: 'req-9', PhysicalResourceId: PENDING });
    describes(cluster(), twin, cluster({ ClusterId: 'cluster-someoneelses', TagList: [] }));
    hsm.on(DeleteClusterCommand).resolves({});
    await onEvent(ev);
    expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input.ClusterId)).toEqual([CLUSTER_ID]);
    describes(cluster({ State: 'DELETE_IN_PROGRESS' }), cluster({ ClusterId: 'cluster-twintwintwin' }));
    expect(await isComplete(ev)).toEqual({ IsComplete: false });
    expect(hsm.commandCalls(DeleteClusterCommand).map((c) => c.args[0].input.ClusterId)).toEqual([CLUSTER_ID, 'cluster-twintwintwin']);
    describes(cluster({ ClusterId: 'cluster-someoneelses', TagList: [] }));
    expect(await isComplete(ev)).toEqual({ IsComplete: true });
    expect(hsm.commandCalls(DescribeClustersCommand).every((c) => c.args[0].input.Filters?.vpcIds?.[0] === VPC)).toBe(true);
  });

  test('a physical id that is no cluster id (failed create) deletes nothing', async () => {
    await onEvent(del('req-1'));
    expect(await isComplete(del('req-1'))).toEqual({ IsComplete: true });
    expect(hsm.calls()).toHaveLength(0);
  });

  test('a transitional cluster is deleted once it settles', async () => {
    describes(cluster({ State: 'UPDATE_IN_PROGRESS' }));
    await onEvent(del());
    expect(hsm.commandCalls(DeleteClusterCommand)).toHaveLength(0);
    expect(await isComplete(del())).toEqual({ IsComplete: false });
    describes(cluster());
    hsm.on(DeleteClusterCommand).resolves({});
    expect(await isComplete(del())).toEqual({ IsComplete: false });
    expect(hsm.commandCalls(DeleteClusterCommand)).toHaveLength(1);
  });

  test('HSMs the stack does not manage block the delete with a clear error', async () => {
    describes(cluster({ Hsms: [{ HsmId: 'hsm-abcdefghijk' }] }));
    await expect(onEvent(del())).rejects.toThrow(
      'HsmCluster Cluster (cluster-abcdefghijk) cannot be deleted: it still has 1 HSM(s) (hsm-abcdefghijk) that this stack does not manage');
  });
});

describe('logging', () => {
  test('never writes the PreCoPassword', async () => {
    process.env.CDK_CLOUDHSM_QUIET = '0';
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...args) => { lines.push(args.join(' ')); });
    try {
      describes(cluster({ State: 'CREATE_IN_PROGRESS' }));
      await isComplete(event('Create', { PhysicalResourceId: CLUSTER_ID }));
      describes(cluster());
      await isComplete(event('Create', { PhysicalResourceId: CLUSTER_ID }));
    } finally {
      spy.mockRestore();
      process.env.CDK_CLOUDHSM_QUIET = '1';
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).toContain(CLUSTER_ID);
    expect(lines.join('\n')).not.toContain('secret-pre-co-password');
  });
});

describe('unknown resource types', () => {
  test('are refused by name', async () => {
    await expect(onEvent({ ...event('Create'), ResourceType: 'Custom::Other' }))
      .rejects.toThrow('Unsupported resource type Custom::Other (Cluster)');
  });
});

describe('the SDK retry policy', () => {
  test('the client uses the standard strategy with the configured attempts', async () => {
    hsm.restore();
    try {
      const client = cloudHsm();
      expect(await client.config.maxAttempts()).toBe(MAX_ATTEMPTS);
      const mode = client.config.retryMode as unknown;
      expect(typeof mode === 'function' ? await mode() : mode).toBe('standard');
    } finally {
      hsm.reset();
    }
  });

  test('throttling is retried by the SDK until the call goes through (real client over HTTP)', async () => {
    let calls = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        if (calls <= 2) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ Clusters: [{ ...cluster(), CreateTimestamp: 1700000000 }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as any).port;
    hsm.restore();
    process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2 = `http://127.0.0.1:${port}`;
    setClientFactory();
    try {
      const res = await isComplete(event('Create', { PhysicalResourceId: CLUSTER_ID }));
      expect(res.IsComplete).toBe(true);
      // Two throttled attempts and the DescribeClusters that succeeds: one call per poll.
      expect(calls).toBe(3);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2;
      setClientFactory();
      server.close();
      hsm.reset();
    }
  });
});
