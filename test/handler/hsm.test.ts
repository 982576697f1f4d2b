import {
  CloudHSMV2Client, CreateHsmCommand, DeleteHsmCommand, DescribeBackupsCommand, DescribeClustersCommand, TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { resourceEvent, useHandlerEnv } from './fixtures';
import { setClientFactory } from '../../lambda/aws';
import { leastUsedZone, parsePendingId, pendingId } from '../../lambda/hsm';
import { isComplete, onEvent } from '../../lambda/index';
import { ResourceEvent } from '../../lambda/types';

const mock = mockClient(CloudHSMV2Client);
const CLUSTER_ID = 'cluster-abcdefghijk';
const SUBNET_MAPPING = { 'us-east-1a': 'subnet-0a', 'us-east-1b': 'subnet-0b' };
const CSR = '-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----';

useHandlerEnv();

const RESOURCE = { type: 'Custom::CloudHsmHsm', logicalId: 'Hsm1', requestId: 'req-1' };
const event = (type: 'Create' | 'Update' | 'Delete', extra: Partial<ResourceEvent> = {}) =>
  resourceEvent(RESOURCE, type, { ServiceToken: 'x', ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1a' }, extra);

function hsm(id: string, overrides: Record<string, any> = {}): any {
  return {
    HsmId: id,
    State: 'ACTIVE',
    AvailabilityZone: 'us-east-1a',
    ClusterId: CLUSTER_ID,
    EniId: `eni-${id}`,
    EniIp: '10.0.0.10',
    SubnetId: 'subnet-0a',
    ...overrides,
  };
}

function cluster(overrides: Record<string, any> = {}): any {
  return {
    ClusterId: CLUSTER_ID,
    State: 'UNINITIALIZED',
    SubnetMapping: SUBNET_MAPPING,
    Hsms: [],
    PreCoPassword: 'secret-pre-co-password',
    ...overrides,
  };
}

const describeReturns = (...clusters: any[]) => {
  const stub = mock.on(DescribeClustersCommand);
  clusters.forEach((c) => stub.resolvesOnce({ Clusters: c ? [c] : [] }));
};

beforeEach(() => {
  mock.reset();
  setClientFactory(() => new CloudHSMV2Client({ region: 'us-east-1' }));
  // An ACTIVE cluster without HSMs has a READY backup for its next HSM (test/handler/hsm-restore.test.ts has the other cases).
  mock.on(DescribeBackupsCommand).resolves({ Backups: [{ BackupId: 'backup-ready222222', BackupState: 'READY', ClusterId: CLUSTER_ID, CreateTimestamp: new Date(0) }] });
});
afterAll(() => setClientFactory());

describe('create', () => {
  test('onEvent only checks the cluster and returns a pending id with the HSMs already there', async () => {
    describeReturns(cluster({ State: 'ACTIVE', Hsms: [hsm('hsm-existingone22')] }));
    const out = await onEvent(event('Create'));
    expect(out.PhysicalResourceId).toBe(`cdk-cloudhsm:pending-hsm:${CLUSTER_ID}:eni-hsm-existingone22`);
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
  });

  test('a second HSM on a cluster that is not activated is refused before anything is created', async () => {
    describeReturns(cluster({ State: 'UNINITIALIZED', Hsms: [hsm('hsm-firstone2222')] }));
    await expect(onEvent(event('Create'))).rejects.toThrow(
      `Hsm Hsm1: cluster ${CLUSTER_ID} is UNINITIALIZED and already has 1 HSM(s) (hsm-firstone2222), so it cannot take another one yet. `
      + 'A CloudHSM cluster holds only one HSM until it is initialized and activated.');
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
  });

  test('an AZ outside the cluster is refused naming the cluster AZs', async () => {
    describeReturns(cluster());
    await expect(onEvent(event('Create', { ResourceProperties: { ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1c' } })))
      .rejects.toThrow('availabilityZone (AvailabilityZone): "us-east-1c" is not one of the Availability Zones of cluster cluster-abcdefghijk (us-east-1a, us-east-1b)');
  });

  test('a missing cluster is named', async () => {
    describeReturns(undefined);
    await expect(onEvent(event('Create'))).rejects.toThrow(`cluster ${CLUSTER_ID} does not exist`);
  });

  test('values that were tokens at synth time are checked at deploy time', async () => {
    await expect(onEvent(event('Create', { ResourceProperties: { ClusterId: CLUSTER_ID, AvailabilityZone: 'nowhere', IpAddress: '1.2.3' } })))
      .rejects.toThrow('availabilityZone (AvailabilityZone): "nowhere" is not an Availability Zone name');
    await expect(onEvent(event('Create', { ResourceProperties: { ClusterId: 'c-1' } }))).rejects.toThrow(/cluster \(ClusterId\): "c-1"/);
  });

  test('isComplete waits while the cluster is transitional, then calls CreateHsm once', async () => {
    const pending = event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, []) });
    describeReturns(cluster({ State: 'CREATE_IN_PROGRESS' }), cluster({ State: 'UNINITIALIZED' }));
    mock.on(CreateHsmCommand).resolves({ Hsm: hsm('hsm-newone222222', { State: 'CREATE_IN_PROGRESS' }) });
    expect(await isComplete(pending)).toEqual({ IsComplete: false });
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
    expect(await isComplete(pending)).toEqual({ IsComplete: false });
    expect(mock.commandCalls(CreateHsmCommand).map((c) => c.args[0].input)).toEqual([
      { ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1a', IpAddress: undefined },
    ]);
  });

  test('waits while another HSM of the cluster is being created', async () => {
    describeReturns(cluster({ State: 'ACTIVE', Hsms: [hsm('hsm-otherone22222', { State: 'CREATE_IN_PROGRESS' })] }));
    const out = await isComplete(event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, ['hsm-otherone22222']) }));
    expect(out.IsComplete).toBe(false);
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
  });

  test('an HSM of this request in CREATE_IN_PROGRESS is waited for, never created twice', async () => {
    describeReturns(cluster({ Hsms: [hsm('hsm-newone222222', { State: 'CREATE_IN_PROGRESS' })] }));
    const out = await isComplete(event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, []) }));
    expect(out.IsComplete).toBe(false);
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
  });

  test('onEvent run twice for one create (Lambda retry) still makes one HSM', async () => {
    mock.on(DescribeClustersCommand)
      .resolvesOnce({ Clusters: [cluster()] })
      .resolvesOnce({ Clusters: [cluster()] })
      .resolvesOnce({ Clusters: [cluster()] })
      .resolves({ Clusters: [cluster({ Hsms: [hsm('hsm-newone222222', { State: 'CREATE_IN_PROGRESS' })] })] });
    mock.on(CreateHsmCommand).resolves({});
    const first = await onEvent(event('Create'));
    const second = await onEvent(event('Create'));
    expect(second.PhysicalResourceId).toBe(first.PhysicalResourceId);
    const polled = event('Create', { PhysicalResourceId: second.PhysicalResourceId });
    for (let i = 0; i < 3; i++) expect((await isComplete(polled)).IsComplete).toBe(false);
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(1);
  });

  test('ACTIVE on an uninitialized cluster waits for the CSR, then completes with the HSM id and attributes', async () => {
    const pending = event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, []) });
    describeReturns(
      cluster({ Hsms: [hsm('hsm-newone222222')] }),
      cluster({ Hsms: [hsm('hsm-newone222222')], Certificates: { ClusterCsr: CSR } }),
    );
    expect((await isComplete(pending)).IsComplete).toBe(false);
    const done = await isComplete(pending);
    expect(done).toEqual({
      IsComplete: true,
      PhysicalResourceId: `cdk-cloudhsm:hsm:${CLUSTER_ID}:eni-hsm-newone222222:hsm-newone222222`,
      Data: {
        HsmId: 'hsm-newone222222',
        EniId: 'eni-hsm-newone222222',
        EniIp: '10.0.0.10',
        EniIpV6: '',
        HsmType: '',
        AvailabilityZone: 'us-east-1a',
        SubnetId: 'subnet-0a',
        ClusterCsr: CSR,
        DegradedHsmIds: '',
      },
    });
    expect(JSON.stringify(done)).not.toContain('secret-pre-co-password');
  });

  test('HsmType and EniIpV6 come from the HSM as the service describes it (fields newer than the SDK model)', async () => {
    const pending = event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, []) });
    describeReturns(cluster({
      HsmType: 'hsm1.medium',
      Hsms: [hsm('hsm-newone222222', { HsmType: 'hsm2m.medium', EniIpV6: '2600:1f18:4a3:6b00::10' })],
      Certificates: { ClusterCsr: CSR },
    }));
    const done = await isComplete(pending);
    expect(done.Data).toMatchObject({ HsmType: 'hsm2m.medium', EniIpV6: '2600:1f18:4a3:6b00::10' });
  });

  test('an HSM described without HsmType takes its cluster\'s', async () => {
    const pending = event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, []) });
    describeReturns(cluster({ HsmType: 'hsm1.medium', Hsms: [hsm('hsm-newone222222')], Certificates: { ClusterCsr: CSR } }));
    expect((await isComplete(pending)).Data).toMatchObject({ HsmType: 'hsm1.medium', EniIpV6: '' });
  });

  test('HSMs in the snapshot or in another AZ are not taken for this one', async () => {
    describeReturns(cluster({
      State: 'ACTIVE',
      Hsms: [hsm('hsm-before222222'), hsm('hsm-otheraz22222', { AvailabilityZone: 'us-east-1b' })],
    }));
    mock.on(CreateHsmCommand).resolves({});
    const out = await isComplete(event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, ['hsm-before222222']) }));
    expect(out.IsComplete).toBe(false);
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(1);
  });

  test('without an AZ the HSM goes to the cluster AZ with the fewest HSMs', async () => {
    describeReturns(cluster({ State: 'ACTIVE', Hsms: [hsm('hsm-before222222')] }));
    mock.on(CreateHsmCommand).resolves({});
    await isComplete(event('Create', {
      ResourceProperties: { ClusterId: CLUSTER_ID },
      PhysicalResourceId: pendingId(CLUSTER_ID, ['hsm-before222222']),
    }));
    expect(mock.commandCalls(CreateHsmCommand)[0].args[0].input.AvailabilityZone).toBe('us-east-1b');
  });

  test('the service refusing a second HSM becomes the activation error', async () => {
    describeReturns(cluster({ State: 'ACTIVE', Hsms: [hsm('hsm-before222222')] }));
    mock.on(CreateHsmCommand).rejects(Object.assign(new Error(
      `Cluster '${CLUSTER_ID}' already contains an HSM but has not yet been fully activated`), { name: 'CloudHsmInvalidRequestException' }));
    await expect(isComplete(event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, ['hsm-before222222']) })))
      .rejects.toThrow(/cannot take another one yet\. A CloudHSM cluster holds only one HSM until it is initialized and activated/);
  });

  test('two waiter executions of one create (a duplicated onEvent) calling CreateHsm at the same moment on an empty cluster: '
    + 'the one the service refuses waits, and both settle on the one HSM', async () => {
    const pending = pendingId(CLUSTER_ID, []);
    // Both executions described the cluster with no HSM; the other one's CreateHsm went first.
    describeReturns(cluster(), cluster({ Hsms: [hsm('hsm-theotherone22', { State: 'CREATE_IN_PROGRESS' })] }));
    mock.on(CreateHsmCommand).rejects(Object.assign(new Error(
      `Cluster '${CLUSTER_ID}' already contains an HSM but has not yet been fully activated`), { name: 'CloudHsmInvalidRequestException' }));
    expect(await isComplete(event('Create', { PhysicalResourceId: pending }))).toEqual({ IsComplete: false });
    expect(await isComplete(event('Create', { PhysicalResourceId: pending }))).toEqual({ IsComplete: false });
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(1);
  });

  test('other CreateHsm failures name the AZ, the cluster and the cause', async () => {
    describeReturns(cluster({ State: 'ACTIVE' }));
    mock.on(CreateHsmCommand).rejects(Object.assign(new Error('IP address in use'), { name: 'CloudHsmInvalidRequestException' }));
    await expect(isComplete(event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, []) })))
      .rejects.toThrow(`Hsm Hsm1: CreateHsm in us-east-1a of cluster ${CLUSTER_ID} failed: IP address in use`);
  });

  test('with degradedRetries 0, a DEGRADED HSM is deleted and the deployment fails with its state message', async () => {
    describeReturns(cluster({ Hsms: [hsm('hsm-newone222222', { State: 'DEGRADED', StateMessage: 'HSM hardware failure' })] }));
    mock.on(DeleteHsmCommand).resolves({ HsmId: 'hsm-newone222222' });
    mock.on(TagResourceCommand).resolves({});
    mock.on(UntagResourceCommand).resolves({});
    const props = { ServiceToken: 'x', ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1a', DegradedRetries: '0' };
    await expect(isComplete(event('Create', { ResourceProperties: props, PhysicalResourceId: pendingId(CLUSTER_ID, []) })))
      .rejects.toThrow('Hsm Hsm1 (hsm-newone222222) in us-east-1a of cluster cluster-abcdefghijk is DEGRADED (HSM hardware failure); it was deleted');
    expect(mock.commandCalls(DeleteHsmCommand)[0].args[0].input).toEqual({ ClusterId: CLUSTER_ID, HsmId: 'hsm-newone222222' });
  });
});

describe('update', () => {
  const old = { ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1a' };

  test('unchanged placement keeps the HSM', async () => {
    const out = await onEvent(event('Update', { PhysicalResourceId: 'hsm-current22222', OldResourceProperties: old }));
    expect(out.PhysicalResourceId).toBe('hsm-current22222');
    expect(mock.commandCalls(DescribeClustersCommand)).toHaveLength(0);
  });

  test('a new AZ on an active cluster starts a replacement', async () => {
    describeReturns(cluster({ State: 'ACTIVE', Hsms: [hsm('hsm-current22222')] }));
    const out = await onEvent(event('Update', {
      PhysicalResourceId: 'hsm-current22222',
      OldResourceProperties: old,
      ResourceProperties: { ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1b' },
    }));
    expect(parsePendingId(out.PhysicalResourceId)).toEqual({ clusterId: CLUSTER_ID, before: new Set(['eni-hsm-current22222']) });
  });

  test('replacing the only HSM of a cluster that is not activated is refused (it would change the CSR)', async () => {
    describeReturns(cluster({ State: 'UNINITIALIZED', Hsms: [hsm('hsm-current22222')] }));
    await expect(onEvent(event('Update', {
      PhysicalResourceId: 'hsm-current22222',
      OldResourceProperties: old,
      ResourceProperties: { ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1b' },
    }))).rejects.toThrow(/is UNINITIALIZED and already has 1 HSM/);
  });

  test('isComplete of an unchanged HSM returns its attributes', async () => {
    describeReturns(cluster({ State: 'ACTIVE', Hsms: [hsm('hsm-current22222')] }));
    const out = await isComplete(event('Update', { PhysicalResourceId: 'hsm-current22222', OldResourceProperties: old }));
    expect(out).toMatchObject({ IsComplete: true, Data: { HsmId: 'hsm-current22222', ClusterCsr: '' } });
  });
});

describe('delete', () => {
  test('DeleteHsm, wait while DELETE_IN_PROGRESS, done when gone', async () => {
    describeReturns(
      cluster({ State: 'ACTIVE', Hsms: [hsm('hsm-current22222')] }),
      cluster({ State: 'ACTIVE', Hsms: [hsm('hsm-current22222', { State: 'DELETE_IN_PROGRESS' })] }),
      cluster({ State: 'ACTIVE', Hsms: [] }),
    );
    mock.on(DeleteHsmCommand).resolves({ HsmId: 'hsm-current22222' });
    const del = event('Delete', { PhysicalResourceId: 'hsm-current22222' });
    expect((await onEvent(del)).PhysicalResourceId).toBe('hsm-current22222');
    expect(mock.commandCalls(DeleteHsmCommand)).toHaveLength(1);
    expect(await isComplete(del)).toEqual({ IsComplete: false });
    expect(await isComplete(del)).toEqual({ IsComplete: true });
    expect(mock.commandCalls(DeleteHsmCommand)).toHaveLength(1);
  });

  test('not found (HSM or cluster) counts as deleted', async () => {
    describeReturns(cluster({ State: 'ACTIVE', Hsms: [hsm('hsm-current22222')] }), undefined);
    mock.on(DeleteHsmCommand).rejects(Object.assign(new Error('gone'), { name: 'CloudHsmResourceNotFoundException' }));
    const del = event('Delete', { PhysicalResourceId: 'hsm-current22222' });
    await onEvent(del);
    expect(await isComplete(del)).toEqual({ IsComplete: true });
  });

  test('an HSM still being created is deleted once it is ACTIVE', async () => {
    describeReturns(
      cluster({ Hsms: [hsm('hsm-current22222', { State: 'CREATE_IN_PROGRESS' })] }),
      cluster({ Hsms: [hsm('hsm-current22222')] }),
    );
    mock.on(DeleteHsmCommand).resolves({});
    const del = event('Delete', { PhysicalResourceId: 'hsm-current22222' });
    expect(await isComplete(del)).toEqual({ IsComplete: false });
    expect(mock.commandCalls(DeleteHsmCommand)).toHaveLength(0);
    expect(await isComplete(del)).toEqual({ IsComplete: false });
    expect(mock.commandCalls(DeleteHsmCommand)).toHaveLength(1);
  });

  test('rollback of an unfinished create deletes the HSM it made and nothing else', async () => {
    describeReturns(cluster({ State: 'ACTIVE', Hsms: [hsm('hsm-before222222'), hsm('hsm-mine22222222')] }));
    mock.on(DeleteHsmCommand).resolves({});
    await onEvent(event('Delete', { PhysicalResourceId: pendingId(CLUSTER_ID, ['hsm-before222222']) }));
    expect(mock.commandCalls(DeleteHsmCommand).map((c) => c.args[0].input.HsmId)).toEqual(['hsm-mine22222222']);
  });

  test('a physical id from a create that failed before it began deletes nothing', async () => {
    const del = event('Delete', { PhysicalResourceId: 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED' });
    await onEvent(del);
    expect(await isComplete(del)).toEqual({ IsComplete: true });
    expect(mock.calls()).toHaveLength(0);
  });
});

describe('helpers', () => {
  test('leastUsedZone picks the emptiest AZ, ties by name', () => {
    expect(leastUsedZone(cluster())).toBe('us-east-1a');
    expect(leastUsedZone(cluster({ Hsms: [hsm('hsm-a'), hsm('hsm-b', { AvailabilityZone: 'us-east-1b' }), hsm('hsm-c')] }))).toBe('us-east-1b');
  });

  test('pending ids round-trip', () => {
    expect(parsePendingId(pendingId(CLUSTER_ID, ['hsm-b', 'hsm-a']))).toEqual({ clusterId: CLUSTER_ID, before: new Set(['hsm-a', 'hsm-b']) });
    expect(parsePendingId('hsm-abcdefghijk')).toBeUndefined();
  });
});

describe('HSMs created together: each resource identifies its HSM by its address', () => {
  const VPC = 'vpc-0123456789abcdef0';
  const placed = (slot: number, extra: Record<string, string> = {}) => ({
    ServiceToken: 'x', ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1a', SubnetCidr: '10.0.0.0/24', Slot: String(slot), ...extra,
  });
  const ownCluster = (hsms: any[]) => cluster({ State: 'ACTIVE', VpcId: VPC, Hsms: hsms });
  const onDescribe = (own: any, vpcClusters: any[] = [own]) => {
    mock.on(DescribeClustersCommand, { Filters: { clusterIds: [CLUSTER_ID] } }).resolves({ Clusters: [own] });
    mock.on(DescribeClustersCommand, { Filters: { vpcIds: [VPC] } }).resolves({ Clusters: vpcClusters });
  };

  test('onEvent derives the slot\'s address from the top of the subnet, skipping addresses HSMs of the VPC hold', async () => {
    const own = ownCluster([hsm('hsm-existingone22', { EniIp: '10.0.0.253' })]);
    const neighbour = cluster({ ClusterId: 'cluster-neighbour222', VpcId: VPC, Hsms: [hsm('hsm-neighbour2222', { EniIp: '10.0.0.254' })] });
    onDescribe(own, [own, neighbour]);
    const slot0 = await onEvent(event('Create', { ResourceProperties: placed(0) }));
    expect(parsePendingId(slot0.PhysicalResourceId)).toEqual({ clusterId: CLUSTER_ID, before: new Set(['eni-hsm-existingone22']), address: '10.0.0.222' });
    const slot1 = await onEvent(event('Create', { ResourceProperties: placed(1) }));
    expect(parsePendingId(slot1.PhysicalResourceId)?.address).toBe('10.0.0.221');
    const slot2 = await onEvent(event('Create', { ResourceProperties: placed(2) }));
    expect(parsePendingId(slot2.PhysicalResourceId)?.address).toBe('10.0.0.252');
  });

  test('an address given by the user is the identity; no look at the VPC', async () => {
    mock.on(DescribeClustersCommand).resolves({ Clusters: [ownCluster([])] });
    const out = await onEvent(event('Create', { ResourceProperties: placed(0, { IpAddress: '10.0.0.77' }) }));
    expect(parsePendingId(out.PhysicalResourceId)?.address).toBe('10.0.0.77');
    expect(mock.commandCalls(DescribeClustersCommand)).toHaveLength(1);
  });

  test('isComplete creates its HSM at its address while other HSMs of the cluster are being created (no waiting)', async () => {
    onDescribe(ownCluster([hsm('hsm-sibling22222', { State: 'CREATE_IN_PROGRESS', EniIp: '10.0.0.253' })]));
    mock.on(CreateHsmCommand).resolves({ Hsm: hsm('hsm-mine22222222', { State: 'CREATE_IN_PROGRESS', EniIp: '10.0.0.254' }) });
    const out = await isComplete(event('Create', { ResourceProperties: placed(0), PhysicalResourceId: pendingId(CLUSTER_ID, [], '10.0.0.254') }));
    expect(out.IsComplete).toBe(false);
    expect(mock.commandCalls(CreateHsmCommand).map((c) => c.args[0].input)).toEqual([
      { ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1a', IpAddress: '10.0.0.254' },
    ]);
  });

  test('among several new HSMs in one AZ, each resource completes with the HSM at its own address', async () => {
    onDescribe(ownCluster([
      hsm('hsm-aaaaaaaaaaa', { EniIp: '10.0.0.253' }),
      hsm('hsm-bbbbbbbbbbb', { EniIp: '10.0.0.254' }),
      hsm('hsm-ccccccccccc', { EniIp: '10.0.0.252' }),
    ]));
    for (const [address, expected] of [['10.0.0.254', 'hsm-bbbbbbbbbbb'], ['10.0.0.253', 'hsm-aaaaaaaaaaa'], ['10.0.0.252', 'hsm-ccccccccccc']]) {
      const out = await isComplete(event('Create', { ResourceProperties: placed(0), PhysicalResourceId: pendingId(CLUSTER_ID, [], address) }));
      expect(out).toMatchObject({ IsComplete: true, PhysicalResourceId: `cdk-cloudhsm:hsm:${CLUSTER_ID}:eni-${expected}:${expected}`, Data: { EniIp: address } });
    }
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
  });

  test('a delivery that begins after another delivery of the request created the HSM takes that HSM, not a new address', async () => {
    const twin = hsm('hsm-twin22222222', { State: 'CREATE_IN_PROGRESS', EniIp: '10.0.0.254' });
    onDescribe(ownCluster([twin]));
    const out = await onEvent(event('Create', { ResourceProperties: placed(0) }));
    expect(parsePendingId(out.PhysicalResourceId)).toEqual({ clusterId: CLUSTER_ID, before: new Set(), address: '10.0.0.254' });
    expect(await isComplete(event('Create', { ResourceProperties: placed(0), PhysicalResourceId: out.PhysicalResourceId }))).toEqual({ IsComplete: false });
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
  });

  test('CreateHsm refused because the other delivery\'s HSM took the address a moment ago: wait for it', async () => {
    mock.on(DescribeClustersCommand)
      .resolvesOnce({ Clusters: [ownCluster([])] })
      .resolves({ Clusters: [ownCluster([hsm('hsm-twin22222222', { State: 'CREATE_IN_PROGRESS', EniIp: '10.0.0.254' })])] });
    mock.on(CreateHsmCommand).rejects(Object.assign(new Error("IpAddress '10.0.0.254' is already in use"), { name: 'CloudHsmInvalidRequestException' }));
    const out = await isComplete(event('Create', { ResourceProperties: placed(0), PhysicalResourceId: pendingId(CLUSTER_ID, [], '10.0.0.254') }));
    expect(out).toEqual({ IsComplete: false });
  });

  test('CreateHsm refused because something else holds the address: an error naming the resource and the address', async () => {
    mock.on(DescribeClustersCommand).resolves({ Clusters: [ownCluster([])] });
    mock.on(CreateHsmCommand).rejects(Object.assign(new Error("IpAddress '10.0.0.254' is already in use"), { name: 'CloudHsmInvalidRequestException' }));
    await expect(isComplete(event('Create', { ResourceProperties: placed(0), PhysicalResourceId: pendingId(CLUSTER_ID, [], '10.0.0.254') })))
      .rejects.toThrow(`Hsm Hsm1: CreateHsm at 10.0.0.254 in us-east-1a of cluster ${CLUSTER_ID} failed: IpAddress '10.0.0.254' is already in use`);
  });

  test('a rollback\'s Delete of an unfinished create deletes the HSM at its address only', async () => {
    mock.on(DescribeClustersCommand).resolves({
      Clusters: [ownCluster([
        hsm('hsm-sibling22222', { EniIp: '10.0.0.253' }), hsm('hsm-mine22222222', { EniIp: '10.0.0.254' }),
      ])],
    });
    mock.on(DeleteHsmCommand).resolves({ HsmId: 'hsm-mine22222222' });
    await onEvent(event('Delete', { ResourceProperties: placed(0), PhysicalResourceId: pendingId(CLUSTER_ID, [], '10.0.0.254') }));
    expect(mock.commandCalls(DeleteHsmCommand).map((c) => c.args[0].input)).toEqual([{ ClusterId: CLUSTER_ID, HsmId: 'hsm-mine22222222' }]);
  });

  test('a subnet with no address left for the slot is named', async () => {
    const full = Array.from({ length: 8 }, (_, i) => hsm(`hsm-full${'abcdefgh'[i]}2222222`, { EniIp: `10.0.0.${254 - 32 * i}` }));
    onDescribe(ownCluster(full));
    await expect(onEvent(event('Create', { ResourceProperties: placed(0) })))
      .rejects.toThrow("Hsm Hsm1: every address of this HSM's slot 0 in 10.0.0.0/24 is held by another HSM; give ipAddress");
  });
});
