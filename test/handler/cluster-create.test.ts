// Handler tests of Custom::CloudHsmCluster: create (the pending physical id, the waits, restores, failures).

import { CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, ModifyClusterCommand, TagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { cluster, CLUSTER_ID, describes, event, hsm, PENDING, props, REQUEST_TAG, SUBNETS, VPC } from './cluster-fixtures';
import { parsePendingClusterId } from '../../lambda/cluster';
import { isComplete, onEvent } from '../../lambda/index';

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
