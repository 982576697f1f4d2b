// Handler tests of Custom::CloudHsmCluster: delete (DeleteCluster, failed creates, HSMs that block it).

import { DeleteClusterCommand, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { cluster, CLUSTER_ID, describes, event, hsm, PENDING, VPC } from './cluster-fixtures';
import { serviceError } from './fixtures';
import { isComplete, onEvent } from '../../lambda/index';

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
