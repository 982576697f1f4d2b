// Handler tests of Custom::CloudHsmCluster: update (ModifyCluster, tags, create-only changes, replacement).

import { CreateClusterCommand, ModifyClusterCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { cluster, CLUSTER_ID, describes, event, hsm, PENDING, props, REQUEST_TAG, SUBNETS, VPC } from './cluster-fixtures';
import { serviceError } from './fixtures';
import { isComplete, onEvent } from '../../lambda/index';

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
