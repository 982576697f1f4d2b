// The Hsm resource after the service replaced its HSM (new HSM id, same ENI), and its self-healing
// of an HSM that goes DEGRADED while being created: the handler with a mocked CloudHSM client.
import {
  CloudHSMV2Client, CreateHsmCommand, DeleteHsmCommand, DescribeBackupsCommand, DescribeClustersCommand, TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { resourceEvent, useHandlerEnv } from './fixtures';
import { setClientFactory } from '../../lambda/aws';
import { recordKey } from '../../lambda/hsm-degraded';
import { hsmPhysicalId, parseHsmPhysicalId } from '../../lambda/hsm-eni';
import { pendingId } from '../../lambda/hsm-identity';
import { isComplete, onEvent } from '../../lambda/index';
import { ResourceEvent } from '../../lambda/types';

const mock = mockClient(CloudHSMV2Client);
const CLUSTER_ID = 'cluster-abcdefghijk';
const ENI = 'eni-0123456789abcdef0';
const OLD = 'hsm-oldoneoldone2';
const NEW = 'hsm-newonenewone2';
const PHYSICAL = `cdk-cloudhsm:hsm:${CLUSTER_ID}:${ENI}:${OLD}`;
const PROPS = { ServiceToken: 'x', ClusterId: CLUSTER_ID, AvailabilityZone: 'us-east-1a' };

useHandlerEnv();
const RESOURCE = { type: 'Custom::CloudHsmHsm', logicalId: 'Hsm1', requestId: 'req-1' };
const event = (type: 'Create' | 'Update' | 'Delete', extra: Partial<ResourceEvent> = {}) => resourceEvent(RESOURCE, type, PROPS, extra);

const hsm = (id: string, o: Record<string, any> = {}): any => ({
  HsmId: id, State: 'ACTIVE', AvailabilityZone: 'us-east-1a', ClusterId: CLUSTER_ID, EniId: ENI, EniIp: '10.0.0.254', SubnetId: 'subnet-0a', ...o,
});
const cluster = (o: Record<string, any> = {}): any => ({
  ClusterId: CLUSTER_ID, State: 'ACTIVE', SubnetMapping: { 'us-east-1a': 'subnet-0a' }, Hsms: [], ...o,
});
const describeAlways = (c: any) => mock.on(DescribeClustersCommand).resolves({ Clusters: [c] });

let logs: string[];
beforeEach(() => {
  mock.reset();
  setClientFactory(() => new CloudHSMV2Client({ region: 'us-east-1' }));
  mock.on(DeleteHsmCommand).resolves({});
  mock.on(TagResourceCommand).resolves({});
  mock.on(UntagResourceCommand).resolves({});
  logs = [];
  delete process.env.CDK_CLOUDHSM_QUIET;
  jest.spyOn(console, 'log').mockImplementation((line: string) => { logs.push(line); });
});
afterEach(() => {
  process.env.CDK_CLOUDHSM_QUIET = '1';
  jest.restoreAllMocks();
});
afterAll(() => setClientFactory());

describe('physical ids', () => {
  test('the final id names the cluster, the ENI and the HSM created; bare HSM ids of earlier versions are understood', () => {
    expect(hsmPhysicalId(CLUSTER_ID, hsm(OLD))).toBe(PHYSICAL);
    expect(parseHsmPhysicalId(PHYSICAL)).toEqual({ clusterId: CLUSTER_ID, eniId: ENI, createdHsmId: OLD });
    expect(parseHsmPhysicalId(OLD)).toEqual({ createdHsmId: OLD });
    expect(parseHsmPhysicalId('AWSCDK::CustomResourceProviderFramework::CREATE_FAILED')).toBeUndefined();
    expect(parseHsmPhysicalId(`cdk-cloudhsm:hsm:${CLUSTER_ID}::${OLD}`)).toBeUndefined();
  });
});

describe('after the service replaced the HSM (same ENI, new HSM id)', () => {
  test('an update keeps the physical id and returns the new HSM id, logging old id, new id and ENI', async () => {
    describeAlways(cluster({ Hsms: [hsm(NEW)] }));
    const begun = await onEvent(event('Update', { PhysicalResourceId: PHYSICAL, OldResourceProperties: PROPS }));
    expect(begun.PhysicalResourceId).toBe(PHYSICAL);
    const done = await isComplete(event('Update', { PhysicalResourceId: PHYSICAL, OldResourceProperties: PROPS }));
    expect(done).toMatchObject({ IsComplete: true, Data: { HsmId: NEW, EniId: ENI, EniIp: '10.0.0.254' } });
    expect(done.PhysicalResourceId).toBeUndefined();
    const line = logs.map((l) => JSON.parse(l)).find((l) => /replaced the HSM/.test(l.message));
    expect(line).toMatchObject({ oldHsmId: OLD, newHsmId: NEW, eniId: ENI, clusterId: CLUSTER_ID });
  });

  test('an update waits while the replacement is being made', async () => {
    describeAlways(cluster({ Hsms: [hsm(NEW, { State: 'CREATE_IN_PROGRESS' })] }));
    expect(await isComplete(event('Update', { PhysicalResourceId: PHYSICAL, OldResourceProperties: PROPS }))).toEqual({ IsComplete: false });
  });

  test('delete removes the replacement, found by its ENI', async () => {
    describeAlways(cluster({ Hsms: [hsm('hsm-someoneelse22', { EniId: 'eni-0ffffffffffffffff', EniIp: '10.0.0.9' }), hsm(NEW)] }));
    await onEvent(event('Delete', { PhysicalResourceId: PHYSICAL }));
    expect(mock.commandCalls(DeleteHsmCommand).map((c) => c.args[0].input)).toEqual([{ ClusterId: CLUSTER_ID, HsmId: NEW }]);
  });

  test('an id of an earlier version (bare HSM id) keeps its id on update and finds the replacement by its address', async () => {
    const props = { ...PROPS, SubnetCidr: '10.0.0.0/24', Slot: '0' };
    describeAlways(cluster({ Hsms: [hsm(NEW)] }));
    const legacy = { PhysicalResourceId: OLD, ResourceProperties: props, OldResourceProperties: props };
    expect((await onEvent(event('Update', legacy))).PhysicalResourceId).toBe(OLD);
    expect(await isComplete(event('Update', legacy))).toMatchObject({ IsComplete: true, Data: { HsmId: NEW } });
    await onEvent(event('Delete', { PhysicalResourceId: OLD, ResourceProperties: props }));
    expect(mock.commandCalls(DeleteHsmCommand).map((c) => c.args[0].input.HsmId)).toEqual([NEW]);
  });

  test('an id of an earlier version without an address: two HSMs at the slot\'s addresses are not guessed between', async () => {
    const props = { ...PROPS, SubnetCidr: '10.0.0.0/24', Slot: '0' };
    describeAlways(cluster({ Hsms: [hsm(NEW), hsm('hsm-otherother222', { EniId: 'eni-0ffffffffffffffff', EniIp: '10.0.0.222' })] }));
    await onEvent(event('Delete', { PhysicalResourceId: OLD, ResourceProperties: props }));
    expect(mock.commandCalls(DeleteHsmCommand)).toHaveLength(0);
    expect(logs.join('\n')).toMatch(/not found by id nor address/);
  });

  test('a create whose HSM the service replaced before it was ACTIVE completes with the replacement, named by the ENI', async () => {
    describeAlways(cluster({ Hsms: [hsm(NEW)] }));
    const out = await isComplete(event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, [], '10.0.0.254') }));
    expect(out).toMatchObject({ IsComplete: true, PhysicalResourceId: `cdk-cloudhsm:hsm:${CLUSTER_ID}:${ENI}:${NEW}`, Data: { HsmId: NEW } });
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
  });

  test('the HSMs there before a create are its ENIs: a sibling the service replaced meanwhile is not taken for the new HSM', async () => {
    const sibling = hsm('hsm-siblingnew222', { EniId: 'eni-0aaaaaaaaaaaaaaaa', EniIp: '10.0.0.9' });
    describeAlways(cluster({ Hsms: [sibling] }));
    mock.on(CreateHsmCommand).resolves({});
    const out = await isComplete(event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, ['eni-0aaaaaaaaaaaaaaaa']) }));
    expect(out).toEqual({ IsComplete: false });
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(1);
  });
});

describe('an HSM that goes DEGRADED while being created', () => {
  const pending = () => event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, [], '10.0.0.254') });
  const key = recordKey(event('Create'));
  const degraded = (id: string) => hsm(id, { State: 'DEGRADED', StateMessage: 'HSM failed: hardware error' });

  test('the first is recorded on the cluster, deleted, and the create goes on', async () => {
    describeAlways(cluster({ Hsms: [degraded(OLD)] }));
    expect(await isComplete(pending())).toEqual({ IsComplete: false });
    expect(mock.commandCalls(TagResourceCommand)[0].args[0].input).toEqual({ ResourceId: CLUSTER_ID, TagList: [{ Key: key, Value: OLD }] });
    expect(mock.commandCalls(DeleteHsmCommand)[0].args[0].input).toEqual({ ClusterId: CLUSTER_ID, HsmId: OLD });
    expect(logs.join('\n')).toMatch(/DEGRADED while being created; deleted, to be created again/);
  });

  test('while the recorded HSM is being deleted the create waits, then creates at the same address', async () => {
    const tags = { TagList: [{ Key: key, Value: OLD }] };
    mock.on(DescribeClustersCommand)
      .resolvesOnce({ Clusters: [cluster({ ...tags, Hsms: [hsm(OLD, { State: 'DELETE_IN_PROGRESS' })] })] })
      .resolves({ Clusters: [cluster({ ...tags, Hsms: [] })] });
    // The ACTIVE cluster is empty for a moment: its first HSM again is made from its latest backup.
    mock.on(DescribeBackupsCommand).resolves({ Backups: [{ BackupId: 'backup-ready222222', BackupState: 'READY', ClusterId: CLUSTER_ID, CreateTimestamp: new Date(0) }] });
    mock.on(CreateHsmCommand).resolves({});
    expect(await isComplete(pending())).toEqual({ IsComplete: false });
    expect(mock.commandCalls(CreateHsmCommand)).toHaveLength(0);
    expect(await isComplete(pending())).toEqual({ IsComplete: false });
    expect(mock.commandCalls(CreateHsmCommand)[0].args[0].input).toMatchObject({ IpAddress: '10.0.0.254' });
  });

  test('the replacement ACTIVE: the create completes, the replaced id in DegradedHsmIds, the record removed', async () => {
    describeAlways(cluster({ TagList: [{ Key: key, Value: OLD }], Hsms: [hsm(NEW)] }));
    const out = await isComplete(pending());
    expect(out).toMatchObject({ IsComplete: true, Data: { HsmId: NEW, DegradedHsmIds: OLD } });
    expect(mock.commandCalls(UntagResourceCommand)[0].args[0].input).toEqual({ ResourceId: CLUSTER_ID, TagKeyList: [key] });
  });

  test('a second DEGRADED fails with the service\'s StateMessage; the HSM is deleted and the record removed', async () => {
    describeAlways(cluster({ TagList: [{ Key: key, Value: OLD }], Hsms: [degraded(NEW)] }));
    await expect(isComplete(pending())).rejects.toThrow(
      `Hsm Hsm1 (${NEW}) in us-east-1a of cluster ${CLUSTER_ID} is DEGRADED (HSM failed: hardware error); it was deleted; `
      + `2 HSMs of this create went DEGRADED (${OLD}, ${NEW}), 1 of them replaced (degradedRetries (DegradedRetries): 1)`);
    expect(mock.commandCalls(DeleteHsmCommand)[0].args[0].input.HsmId).toBe(NEW);
    expect(mock.commandCalls(UntagResourceCommand)).toHaveLength(1);
  });

  test('DegradedRetries 2 allows a second replacement', async () => {
    describeAlways(cluster({ TagList: [{ Key: key, Value: OLD }], Hsms: [degraded(NEW)] }));
    const e = event('Create', { PhysicalResourceId: pendingId(CLUSTER_ID, [], '10.0.0.254'), ResourceProperties: { ...PROPS, DegradedRetries: '2' } });
    expect(await isComplete(e)).toEqual({ IsComplete: false });
    expect(mock.commandCalls(TagResourceCommand)[0].args[0].input.TagList).toEqual([{ Key: key, Value: `${OLD} ${NEW}` }]);
  });

  test('a record that cannot be written (50 tags) means no retry', async () => {
    describeAlways(cluster({ Hsms: [degraded(OLD)] }));
    mock.on(TagResourceCommand).rejects(Object.assign(new Error('too many tags'), { name: 'CloudHsmTagException' }));
    await expect(isComplete(pending())).rejects.toThrow(/is DEGRADED \(HSM failed: hardware error\); it was deleted/);
    expect(mock.commandCalls(DeleteHsmCommand)).toHaveLength(1);
  });

  test('DegradedRetries must be a whole number from 0 to 5', async () => {
    await expect(onEvent(event('Create', { ResourceProperties: { ...PROPS, DegradedRetries: '9' } })))
      .rejects.toThrow('degradedRetries (DegradedRetries): "9" is not a whole number from 0 to 5');
  });
});
