// The key store of a cluster that goes to zero HSMs and back (lambda/key-store-fleet.ts): the update
// that says the stack has no HSM disconnects the store and ends once it is DISCONNECTED; the update
// that brings HSMs back connects it and ends once CONNECTED; nothing else is called (no key is
// touched, no rename while empty).

import { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import {
  ConnectCustomKeyStoreCommand, DescribeCustomKeyStoresCommand, DisconnectCustomKeyStoreCommand, KMSClient,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { resourceEvent, useHandlerEnv } from './fixtures';
import { resetKmsClient, setClientFactory } from '../../lambda/aws';
import { isComplete, onEvent } from '../../lambda/index';
import { ResourceEvent } from '../../lambda/types';
import { EMPTY_FLEET, FLEET_PROPERTY } from '../../src/private/rules';

// aws-sdk-client-mock 2.2.0 is typed for the CloudHSM client's SDK generation; the KMS client is newer.
const kmsMock: any = mockClient(KMSClient as any);
useHandlerEnv();

const CLUSTER_ID = 'cluster-abcdefghijk';
const STORE_ID = 'cks-1234567890abcdef0';
const NAME = 'app-keys';
const PROPS = {
  ServiceToken: 'x',
  ClusterId: CLUSTER_ID,
  InstanceId: 'i-0123456789abcdef0',
  AdminSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cluster-admin-AbCdEf',
  KmsUserSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kmsuser-GhIjKl',
  CustomKeyStoreName: NAME,
  TrustAnchor: '-----BEGIN CERTIFICATE-----\nMIIroot\n-----END CERTIFICATE-----',
};
const EMPTY = { ...PROPS, [FLEET_PROPERTY]: EMPTY_FLEET };
const RESOURCE = { type: 'Custom::CloudHsmKeyStore', logicalId: 'KeyStore', requestId: 'req-1' };
const update = (props: Record<string, any>, old: Record<string, any>): ResourceEvent =>
  resourceEvent(RESOURCE, 'Update', props, { PhysicalResourceId: STORE_ID, OldResourceProperties: old });
const storeIs = (state: string, name = NAME) => kmsMock.on(DescribeCustomKeyStoresCommand).resolves({
  CustomKeyStores: [{ CustomKeyStoreId: STORE_ID, CustomKeyStoreName: name, CloudHsmClusterId: CLUSTER_ID, ConnectionState: state }],
});
const calls = (command: unknown) => kmsMock.commandCalls(command);

beforeEach(() => {
  kmsMock.reset();
  resetKmsClient();
  setClientFactory(() => new CloudHSMV2Client({ region: 'us-east-1' }));
});

test('to zero HSMs: disconnect, wait while DISCONNECTING, done once DISCONNECTED; no connect, no other call', async () => {
  storeIs('CONNECTED');
  expect((await onEvent(update(EMPTY, PROPS))).PhysicalResourceId).toBe(STORE_ID);
  expect((await isComplete(update(EMPTY, PROPS))).IsComplete).toBe(false);
  expect(calls(DisconnectCustomKeyStoreCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE_ID });
  storeIs('DISCONNECTING');
  expect((await isComplete(update(EMPTY, PROPS))).IsComplete).toBe(false);
  storeIs('DISCONNECTED');
  expect(await isComplete(update(EMPTY, PROPS))).toMatchObject({ IsComplete: true, Data: { ConnectionState: 'DISCONNECTED' } });
  expect(calls(DisconnectCustomKeyStoreCommand)).toHaveLength(1);
  expect(calls(ConnectCustomKeyStoreCommand)).toHaveLength(0);
  const used = new Set(kmsMock.calls().map((c: any) => c.args[0].constructor.name));
  expect([...used].sort()).toEqual(['DescribeCustomKeyStoresCommand', 'DisconnectCustomKeyStoreCommand']);
});

test('HSMs back: connect, done once CONNECTED', async () => {
  storeIs('DISCONNECTED');
  expect((await isComplete(update(PROPS, EMPTY))).IsComplete).toBe(false);
  expect(calls(ConnectCustomKeyStoreCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE_ID });
  storeIs('CONNECTING');
  expect((await isComplete(update(PROPS, EMPTY))).IsComplete).toBe(false);
  storeIs('CONNECTED');
  expect(await isComplete(update(PROPS, EMPTY))).toMatchObject({ IsComplete: true, Data: { ConnectionState: 'CONNECTED' } });
  expect(calls(DisconnectCustomKeyStoreCommand)).toHaveLength(0);
});

test('a rename while the cluster has no HSM is refused, saying why, before anything changes', async () => {
  storeIs('CONNECTED');
  await expect(isComplete(update({ ...EMPTY, CustomKeyStoreName: 'new-name' }, PROPS)))
    .rejects.toThrow(/cannot be renamed while its cluster has no HSM \(UpdateCustomKeyStore needs two ACTIVE HSMs/);
  expect(calls(DisconnectCustomKeyStoreCommand)).toHaveLength(0);
});
