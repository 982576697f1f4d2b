// Handler tests of Custom::CloudHsmKmsKey with aws-sdk-client-mock. The mock is backed by a small
// stateful table of keys (ids, tags, states) so that retried, duplicated and lost calls are seen
// as KMS would see them: a second CreateKey makes a second key.
import { createHash } from 'crypto';
import {
  CreateKeyCommand, DescribeCustomKeyStoresCommand, DescribeKeyCommand, KMSClient, ListKeysCommand, ListResourceTagsCommand,
  PutKeyPolicyCommand, ScheduleKeyDeletionCommand, TagResourceCommand, UntagResourceCommand, UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { resourceEvent, STACK_ID, useHandlerEnv } from './fixtures';
import { resetKmsClient } from '../../lambda/aws';
import { isComplete, onEvent } from '../../lambda/index';
import { ResourceEvent } from '../../lambda/types';

// aws-sdk-client-mock 2.2.0 is typed for an older SDK generation than the KMS client.
const kmsMock: any = mockClient(KMSClient as any);

useHandlerEnv();

const STORE = 'cks-1234567890abcdef0';
const REQUEST_ID = '6a1e5a8e-1b2c-4d3e-8f90-0123456789ab';
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' }] };
const PROPS = { ServiceToken: 'x', CustomKeyStoreId: STORE, Description: 'app data', Policy: POLICY, PendingWindowInDays: '7', Tags: [{ Key: 'team', Value: 'data' }] };
const REQUEST_TAG = 'cdk-cloudhsm:create-request';
/** The marker the handler must write, computed here from its definition (sha256 of stack, logical id, request). */
const markerOf = (requestId: string) => createHash('sha256').update(`${STACK_ID}\nDataKey\n${requestId}`).digest('hex');

interface FakeKey { id: string; state: string; tags: Record<string, string>; description: string; policy?: string; created: number; store?: string }
let keys: FakeKey[];
let clock: number;

const kmsError = (name: string, message = name) => Object.assign(new Error(message), { name });

function find(id: string): FakeKey {
  const key = keys.find((k) => k.id === id);
  if (!key) throw kmsError('NotFoundException', `Key '${id}' does not exist`);
  return key;
}

/** Serves the KMS calls the handler makes from `keys`. */
function fakeKms(): void {
  kmsMock.on(CreateKeyCommand).callsFake((input: any) => {
    const key: FakeKey = {
      id: `0000000${keys.length + 1}-aaaa-bbbb-cccc-000000000000`,
      state: 'Enabled',
      tags: Object.fromEntries((input.Tags ?? []).map((t: any) => [t.TagKey, t.TagValue])),
      description: input.Description ?? '',
      policy: input.Policy,
      created: clock++,
      store: input.CustomKeyStoreId,
    };
    keys.push(key);
    return { KeyMetadata: { KeyId: key.id, KeyState: key.state } };
  });
  kmsMock.on(ListKeysCommand).callsFake(() => ({ Keys: keys.map((k) => ({ KeyId: k.id })), Truncated: false }));
  kmsMock.on(ListResourceTagsCommand).callsFake((input: any) => ({
    Tags: Object.entries(find(input.KeyId).tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })), Truncated: false,
  }));
  kmsMock.on(DescribeKeyCommand).callsFake((input: any) => {
    const k = find(input.KeyId);
    return {
      KeyMetadata: {
        KeyId: k.id,
        Arn: `arn:aws:kms:us-east-1:123456789012:key/${k.id}`,
        KeyState: k.state,
        Description: k.description,
        CreationDate: new Date(k.created * 1000),
        CustomKeyStoreId: k.store,
      },
    };
  });
  kmsMock.on(ScheduleKeyDeletionCommand).callsFake((input: any) => {
    const k = find(input.KeyId);
    if (k.state === 'PendingDeletion') throw kmsError('KMSInvalidStateException', `${k.id} is pending deletion.`);
    k.state = 'PendingDeletion';
    return { KeyId: k.id, PendingWindowInDays: input.PendingWindowInDays };
  });
  kmsMock.on(UpdateKeyDescriptionCommand).callsFake((input: any) => {
    find(input.KeyId).description = input.Description;
    return {};
  });
  kmsMock.on(PutKeyPolicyCommand).callsFake((input: any) => {
    find(input.KeyId).policy = input.Policy;
    return {};
  });
  kmsMock.on(TagResourceCommand).callsFake((input: any) => {
    for (const t of input.Tags) find(input.KeyId).tags[t.TagKey] = t.TagValue;
    return {};
  });
  kmsMock.on(UntagResourceCommand).callsFake((input: any) => {
    for (const k of input.TagKeys) delete find(input.KeyId).tags[k];
    return {};
  });
}

const RESOURCE = { type: 'Custom::CloudHsmKmsKey', logicalId: 'DataKey', requestId: REQUEST_ID };
const event = (type: 'Create' | 'Update' | 'Delete', props: Record<string, any> = PROPS, extra: Partial<ResourceEvent> = {}) =>
  resourceEvent(RESOURCE, type, props, extra);

const calls = (command: unknown) => kmsMock.commandCalls(command).map((c: any) => c.args[0].input);

/** A key made by an earlier deployment (another request), as the handler would have made it. */
function existingKey(overrides: Partial<FakeKey> = {}): FakeKey {
  const key: FakeKey = {
    id: '11111111-aaaa-bbbb-cccc-000000000000',
    state: 'Enabled',
    created: clock++,
    store: STORE,
    tags: { team: 'data', [REQUEST_TAG]: markerOf('earlier-request') },
    description: 'app data',
    policy: JSON.stringify(POLICY),
    ...overrides,
  };
  keys.push(key);
  return key;
}

beforeEach(() => {
  kmsMock.reset();
  resetKmsClient();
  keys = [];
  clock = 1_700_000_000;
  fakeKms();
});

describe('create', () => {
  test('CreateKey in the key store with Origin AWS_CLOUDHSM, the policy as JSON, tags and the request marker', async () => {
    const created = await onEvent(event('Create'));
    expect(calls(CreateKeyCommand)).toEqual([{
      CustomKeyStoreId: STORE,
      Origin: 'AWS_CLOUDHSM',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Description: 'app data',
      Policy: JSON.stringify(POLICY),
      BypassPolicyLockoutSafetyCheck: false,
      Tags: [{ TagKey: 'team', TagValue: 'data' }, { TagKey: REQUEST_TAG, TagValue: markerOf(REQUEST_ID) }],
    }]);
    expect(created.PhysicalResourceId).toBe(keys[0].id);
    const done = await isComplete(event('Create', PROPS, { PhysicalResourceId: created.PhysicalResourceId }));
    expect(done).toEqual({
      IsComplete: true,
      PhysicalResourceId: keys[0].id,
      Data: { KeyId: keys[0].id, Arn: `arn:aws:kms:us-east-1:123456789012:key/${keys[0].id}` },
    });
  });

  test('a duplicated onEvent returns the key the first one made, without a second CreateKey', async () => {
    const first = await onEvent(event('Create'));
    const second = await onEvent(event('Create'));
    expect(second.PhysicalResourceId).toBe(first.PhysicalResourceId);
    expect(calls(CreateKeyCommand)).toHaveLength(1);
    expect(keys).toHaveLength(1);
  });

  test('a CreateKey whose response was lost: the key that was made is found by its marker', async () => {
    kmsMock.on(CreateKeyCommand).callsFake((input: any) => {
      keys.push({
        id: '22222222-aaaa-bbbb-cccc-000000000000',
        state: 'Enabled',
        created: clock++,
        store: input.CustomKeyStoreId,
        description: '',
        tags: Object.fromEntries(input.Tags.map((t: any) => [t.TagKey, t.TagValue])),
      });
      throw kmsError('TimeoutError', 'socket hang up');
    });
    const created = await onEvent(event('Create'));
    expect(created.PhysicalResourceId).toBe('22222222-aaaa-bbbb-cccc-000000000000');
    expect(keys).toHaveLength(1);
  });

  test('two keys of one request (a retried CreateKey made a second): the oldest is kept, the other scheduled for deletion', async () => {
    const older = existingKey({ id: '33333333-aaaa-bbbb-cccc-000000000000', tags: { [REQUEST_TAG]: markerOf(REQUEST_ID) } });
    const newer = existingKey({ id: '44444444-aaaa-bbbb-cccc-000000000000', tags: { [REQUEST_TAG]: markerOf(REQUEST_ID) } });
    // This attempt's onEvent returned the newer one; every attempt settles on the older.
    const done = await isComplete(event('Create', PROPS, { PhysicalResourceId: newer.id }));
    expect(done).toEqual(expect.objectContaining({ IsComplete: true, PhysicalResourceId: older.id }));
    expect(calls(ScheduleKeyDeletionCommand)).toEqual([{ KeyId: newer.id, PendingWindowInDays: 7 }]);
    expect(older.state).toBe('Enabled');
    // A second poll (or a second waiter) finds the same key and deletes nothing more.
    const again = await isComplete(event('Create', PROPS, { PhysicalResourceId: newer.id }));
    expect(again.PhysicalResourceId).toBe(older.id);
    expect(calls(ScheduleKeyDeletionCommand)).toHaveLength(1);
  });

  test('keys of other requests and keys whose tags cannot be read are left alone', async () => {
    const other = existingKey();
    const foreign = existingKey({ id: '55555555-aaaa-bbbb-cccc-000000000000', tags: {} });
    const listTags = kmsMock.on(ListResourceTagsCommand);
    listTags.callsFake((input: any) => {
      if (input.KeyId === foreign.id) throw kmsError('AccessDeniedException', 'not allowed');
      return { Tags: Object.entries(find(input.KeyId).tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })), Truncated: false };
    });
    const created = await onEvent(event('Create'));
    expect(created.PhysicalResourceId).not.toBe(other.id);
    await isComplete(event('Create', PROPS, { PhysicalResourceId: created.PhysicalResourceId }));
    expect(calls(ScheduleKeyDeletionCommand)).toEqual([]);
    expect(calls(CreateKeyCommand)).toHaveLength(1);
  });

  test('a key of this request that is pending deletion is not reused', async () => {
    existingKey({ state: 'PendingDeletion', tags: { [REQUEST_TAG]: markerOf(REQUEST_ID) } });
    const created = await onEvent(event('Create'));
    expect(calls(CreateKeyCommand)).toHaveLength(1);
    expect(created.PhysicalResourceId).toBe(keys[1].id);
  });
});

describe('create errors name the resource and the cause', () => {
  test('a key store that is not CONNECTED', async () => {
    kmsMock.on(CreateKeyCommand).rejects(kmsError('CustomKeyStoreInvalidStateException', 'The custom key store is not connected.'));
    kmsMock.on(DescribeCustomKeyStoresCommand).resolves({
      CustomKeyStores: [{ CustomKeyStoreId: STORE, ConnectionState: 'FAILED', ConnectionErrorCode: 'INSUFFICIENT_CLOUDHSM_HSMS' }],
    });
    await expect(onEvent(event('Create'))).rejects.toThrow(
      `HsmKey DataKey: the CloudHSM key store ${STORE} is FAILED (ConnectionErrorCode INSUFFICIENT_CLOUDHSM_HSMS), and KMS creates keys only in a CONNECTED key store (CustomKeyStoreInvalidStateException).`,
    );
    expect(kmsMock.commandCalls(DescribeCustomKeyStoresCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE });
  });

  test.each([
    ['CustomKeyStoreNotFoundException', `HsmKey DataKey: customKeyStoreId (CustomKeyStoreId): there is no custom key store ${STORE} in this account and region`],
    ['CloudHsmClusterInvalidConfigurationException', `HsmKey DataKey: the CloudHSM cluster of key store ${STORE} cannot hold a new key: KMS needs at least two ACTIVE HSMs in different Availability Zones`],
    ['CloudHsmClusterNotActiveException', `HsmKey DataKey: the CloudHSM cluster of key store ${STORE} is not ACTIVE (CloudHsmClusterNotActiveException)`],
    ['MalformedPolicyDocumentException', 'HsmKey DataKey: KMS refused the key policy (Policy) (MalformedPolicyDocumentException)'],
    ['LimitExceededException', 'HsmKey DataKey: a KMS quota was reached (LimitExceededException)'],
    ['KMSInternalException', `HsmKey DataKey: CreateKey in key store ${STORE} failed (KMSInternalException)`],
  ])('%s', async (name, message) => {
    kmsMock.on(CreateKeyCommand).rejects(kmsError(name, 'detail from KMS'));
    await expect(onEvent(event('Create'))).rejects.toThrow(message);
    expect(keys).toHaveLength(0);
  });

  test('a bad pending window at deploy time names the property', async () => {
    await expect(onEvent(event('Create', { ...PROPS, PendingWindowInDays: '45' })))
      .rejects.toThrow('HsmKey DataKey: pendingWindow (PendingWindowInDays): 45 days is not valid');
    expect(calls(CreateKeyCommand)).toEqual([]);
  });

  test('a key store id that was a token at synth time is checked at deploy time', async () => {
    await expect(onEvent(event('Create', { ...PROPS, CustomKeyStoreId: '' })))
      .rejects.toThrow('HsmKey DataKey: customKeyStoreId (CustomKeyStoreId): "" is not a custom key store id');
  });
});

describe('update in place', () => {
  const OLD_PROPS = { ...PROPS, Tags: [{ Key: 'team', Value: 'data' }, { Key: 'gone', Value: 'soon' }] };

  test('description, policy and tags change in place; the request marker and tags added outside stay', async () => {
    const key = existingKey({ tags: { team: 'data', gone: 'soon', outside: 'x', [REQUEST_TAG]: markerOf('earlier-request') } });
    const policy = { ...POLICY, Statement: [...POLICY.Statement, { Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*' }] };
    const props = { ...PROPS, Description: 'new words', Policy: policy, Tags: [{ Key: 'team', Value: 'platform' }] };
    const update = event('Update', props, { PhysicalResourceId: key.id, OldResourceProperties: OLD_PROPS });
    expect(await onEvent(update)).toEqual({ PhysicalResourceId: key.id });
    const done = await isComplete(update);
    expect(done).toEqual(expect.objectContaining({ IsComplete: true, PhysicalResourceId: key.id }));
    expect(calls(UpdateKeyDescriptionCommand)).toEqual([{ KeyId: key.id, Description: 'new words' }]);
    expect(calls(PutKeyPolicyCommand)).toEqual([{ KeyId: key.id, PolicyName: 'default', Policy: JSON.stringify(policy), BypassPolicyLockoutSafetyCheck: false }]);
    expect(key.tags).toEqual({ team: 'platform', outside: 'x', [REQUEST_TAG]: markerOf('earlier-request') });
    expect(calls(CreateKeyCommand)).toEqual([]);
  });

  test('an update that changes nothing of the key calls nothing that changes it', async () => {
    const key = existingKey();
    const update = event('Update', { ...PROPS, PendingWindowInDays: '30' }, { PhysicalResourceId: key.id, OldResourceProperties: PROPS });
    await onEvent(update);
    await isComplete(update);
    const changing = [
      UpdateKeyDescriptionCommand, PutKeyPolicyCommand, TagResourceCommand, UntagResourceCommand, CreateKeyCommand, ScheduleKeyDeletionCommand,
    ];
    for (const c of changing) {
      expect(calls(c)).toEqual([]);
    }
  });

  test('another key store makes a new key (CloudFormation then removes the old one per its policy)', async () => {
    const key = existingKey();
    const props = { ...PROPS, CustomKeyStoreId: 'cks-abcdefabcdefabcde' };
    const update = event('Update', props, { PhysicalResourceId: key.id, OldResourceProperties: PROPS });
    const out = await onEvent(update);
    expect(out.PhysicalResourceId).not.toBe(key.id);
    expect(calls(CreateKeyCommand)).toEqual([expect.objectContaining({ CustomKeyStoreId: 'cks-abcdefabcdefabcde' })]);
    const done = await isComplete({ ...update, PhysicalResourceId: out.PhysicalResourceId });
    expect(done.PhysicalResourceId).toBe(out.PhysicalResourceId);
    expect(calls(UpdateKeyDescriptionCommand)).toEqual([]);
  });

  test('a key pending deletion outside the stack fails the update with what to do', async () => {
    const key = existingKey({ state: 'PendingDeletion' });
    const update = event('Update', PROPS, { PhysicalResourceId: key.id, OldResourceProperties: PROPS });
    await expect(isComplete(update)).rejects.toThrow(`HsmKey DataKey: key ${key.id} is PendingDeletion (its deletion was scheduled outside this stack); cancel it with CancelKeyDeletion`);
  });
});

describe('delete', () => {
  test('schedules the deletion with the pending window', async () => {
    const key = existingKey();
    await onEvent(event('Delete', PROPS, { PhysicalResourceId: key.id }));
    expect(calls(ScheduleKeyDeletionCommand)).toEqual([{ KeyId: key.id, PendingWindowInDays: 7 }]);
    expect(await isComplete(event('Delete', PROPS, { PhysicalResourceId: key.id }))).toEqual({ IsComplete: true });
  });

  test('a key already pending deletion or gone is fine', async () => {
    const pending = existingKey({ state: 'PendingDeletion' });
    await expect(onEvent(event('Delete', PROPS, { PhysicalResourceId: pending.id }))).resolves.toEqual({ PhysicalResourceId: pending.id });
    await expect(onEvent(event('Delete', PROPS, { PhysicalResourceId: '99999999-aaaa-bbbb-cccc-000000000000' }))).resolves.toBeDefined();
    expect(calls(ScheduleKeyDeletionCommand)).toEqual([]);
  });

  test('a deletion that races with another one (KMSInvalidStateException, now pending) is fine', async () => {
    const key = existingKey();
    kmsMock.on(ScheduleKeyDeletionCommand).callsFake(() => {
      key.state = 'PendingDeletion';
      throw kmsError('KMSInvalidStateException', 'pending deletion');
    });
    await expect(onEvent(event('Delete', PROPS, { PhysicalResourceId: key.id }))).resolves.toEqual({ PhysicalResourceId: key.id });
  });

  test('other failures name the resource and the key', async () => {
    const key = existingKey();
    kmsMock.on(ScheduleKeyDeletionCommand).rejects(kmsError('AccessDeniedException', 'not allowed'));
    await expect(onEvent(event('Delete', PROPS, { PhysicalResourceId: key.id })))
      .rejects.toThrow(`HsmKey DataKey: ScheduleKeyDeletion of key ${key.id} failed (AccessDeniedException): not allowed`);
  });
});
