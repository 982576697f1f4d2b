// The Custom::CloudHsmKmsKey handler with the real @aws-sdk/client-kms against the simulator's KMS
// over HTTP: a key in a CONNECTED CloudHSM key store, a CreateKey whose response is lost (the SDK
// retries it and KMS makes a second key), a duplicated onEvent, updates in place, deletion, and a
// key store that is not connected.
import { DisconnectCustomKeyStoreCommand, GetKeyPolicyCommand, KMSClient, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '..';
import { resetKmsClient } from '../../../lambda/aws';
import { isComplete, onEvent } from '../../../lambda/index';
import { ResourceEvent } from '../../../lambda/types';
import { connectedKeyStore } from '../fixtures';

const REGION = 'us-east-1';
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' }],
};

let server: SimulatorServer;
let sim: CloudHsmSimulator;
let kms: KMSClient;
let keyStoreId: string;

beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 23 });
  server = await startSimulatorServer(sim);
  process.env.AWS_REGION = REGION;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_ENDPOINT_URL_KMS = server.url;
  process.env.CDK_CLOUDHSM_QUIET = '1';
  kms = new KMSClient({ region: REGION, endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_KMS;
  await server.close();
});
beforeEach(() => {
  sim.reset();
  resetKmsClient();
  keyStoreId = connectedKeyStore(sim, REGION).keyStoreId;
});

let requests = 0;
function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, any> = {}, extra: Partial<ResourceEvent> = {}): ResourceEvent {
  return {
    RequestType: type,
    RequestId: `request-${++requests}`,
    ResourceType: 'Custom::CloudHsmKmsKey',
    LogicalResourceId: 'DataKey',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
    ResourceProperties: {
      ServiceToken: 'x',
      CustomKeyStoreId: keyStoreId,
      Description: 'app data',
      Policy: POLICY,
      PendingWindowInDays: '7',
      Tags: [{ Key: 'team', Value: 'data' }],
      ...props,
    },
    ...extra,
  };
}

/** onEvent, then isComplete until done, as the provider framework runs a create. */
async function create(e: ResourceEvent): Promise<{ keyId: string; arn: string }> {
  const started = await onEvent(e);
  const done = await isComplete({ ...e, PhysicalResourceId: started.PhysicalResourceId });
  expect(done.IsComplete).toBe(true);
  return { keyId: done.PhysicalResourceId!, arn: done.Data!.Arn };
}

const keysInSim = () => sim.listResources().filter((r) => r.type === 'kms-key').map((r) => r.state).sort();
const tagsOf = async (keyId: string) => Object.fromEntries(((await kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags ?? [])
  .filter((t) => !t.TagKey!.startsWith('cdk-cloudhsm:')).map((t) => [t.TagKey, t.TagValue]));

test('creates an Enabled AWS_CLOUDHSM key in the store with the policy, description and tags; Arn is KMS\'s', async () => {
  const { keyId, arn } = await create(event('Create'));
  expect(sim.peekKey(REGION, keyId)).toMatchObject({
    KeyState: 'Enabled',
    Origin: 'AWS_CLOUDHSM',
    CustomKeyStoreId: keyStoreId,
    Description: 'app data',
    Arn: arn,
    KeySpec: 'SYMMETRIC_DEFAULT',
    KeyUsage: 'ENCRYPT_DECRYPT',
  });
  expect(JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy!)).toEqual(POLICY);
  expect(await tagsOf(keyId)).toEqual({ team: 'data' });
});

test('a CreateKey whose response is lost: the SDK retries, KMS makes a second key; one is kept, the other scheduled for deletion', async () => {
  sim.injectFault({ kind: 'dropResponse', operation: 'CreateKey', nthCall: 1 });
  const { keyId } = await create(event('Create'));
  expect(keysInSim()).toEqual(['Enabled', 'PendingDeletion']);
  expect(sim.peekKey(REGION, keyId)?.KeyState).toBe('Enabled');
  const creates = sim.calls.list().filter((c) => c.operation === 'CreateKey');
  expect(creates).toHaveLength(2);
});

test('a duplicated onEvent finds the first attempt\'s key: one CreateKey, one key', async () => {
  const e = event('Create');
  const first = await onEvent(e);
  const second = await onEvent(e);
  expect(second.PhysicalResourceId).toBe(first.PhysicalResourceId);
  const done = await isComplete({ ...e, PhysicalResourceId: second.PhysicalResourceId });
  expect(done.PhysicalResourceId).toBe(first.PhysicalResourceId);
  expect(keysInSim()).toEqual(['Enabled']);
  expect(sim.calls.list().filter((c) => c.operation === 'CreateKey')).toHaveLength(1);
});

test('updates description, policy and tags in place; delete schedules deletion with the pending window', async () => {
  const created = event('Create');
  const { keyId } = await create(created);
  const policy = { ...POLICY, Statement: [...POLICY.Statement, { Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*' }] };
  const update = event('Update', { Description: 'new words', Policy: policy, Tags: [{ Key: 'owner', Value: 'platform' }] },
    { PhysicalResourceId: keyId, OldResourceProperties: created.ResourceProperties });
  expect((await onEvent(update)).PhysicalResourceId).toBe(keyId);
  expect((await isComplete(update)).IsComplete).toBe(true);
  expect(sim.peekKey(REGION, keyId)?.Description).toBe('new words');
  expect(JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy!)).toEqual(policy);
  expect(await tagsOf(keyId)).toEqual({ owner: 'platform' });

  await onEvent(event('Delete', update.ResourceProperties, { PhysicalResourceId: keyId }));
  expect(sim.peekKey(REGION, keyId)).toMatchObject({ KeyState: 'PendingDeletion', PendingDeletionWindowInDays: 7 });
  // A repeated delete is fine.
  await expect(onEvent(event('Delete', update.ResourceProperties, { PhysicalResourceId: keyId }))).resolves.toBeDefined();
});

test('a key store that is not CONNECTED: the error names the key, the store and its state', async () => {
  await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
  sim.advance(sim.timings.keyStoreDisconnectMs);
  await expect(onEvent(event('Create'))).rejects.toThrow(
    `HsmKey DataKey: the CloudHSM key store ${keyStoreId} is DISCONNECTED, and KMS creates keys only in a CONNECTED key store (CustomKeyStoreInvalidStateException)`,
  );
  expect(keysInSim()).toEqual([]);
});
