// Handler tests of Custom::CloudHsmCluster: one create request, several clusters (twins) and their clean-up.

import { CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { cluster, CLUSTER_ID, describes, event, hsm, PENDING, props, TWINS_TAG, VPC } from './cluster-fixtures';
import { serviceError } from './fixtures';
import { LATE_CREATE_MS } from '../../lambda/cluster';
import { isComplete, onEvent } from '../../lambda/index';

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
