// Handler tests of Custom::CloudHsmKeyStore with aws-sdk-client-mock: the removal.

import {
  ConnectCustomKeyStoreCommand, DeleteCustomKeyStoreCommand, DescribeCustomKeyStoresCommand, DisconnectCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { CLUSTER_ID, event, failed, kmsCalls, kmsMock, NAME, noStore, OTHER_CLUSTER, PROPS, STORE_ID, storeIs, WHO } from './key-store-fixtures';
import { isComplete } from '../../lambda/index';

describe('delete', () => {
  test('disconnect, then delete', async () => {
    storeIs('CONNECTED');
    expect((await isComplete(event('Delete'))).IsComplete).toBe(false);
    expect(kmsCalls(DisconnectCustomKeyStoreCommand)).toHaveLength(1);
    storeIs('DISCONNECTING');
    expect((await isComplete(event('Delete'))).IsComplete).toBe(false);
    storeIs('DISCONNECTED');
    expect((await isComplete(event('Delete'))).IsComplete).toBe(true);
    expect(kmsCalls(DeleteCustomKeyStoreCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE_ID });
  });

  test('with KMS keys left (also pending deletion) the store is left disconnected and the delete ends', async () => {
    storeIs('DISCONNECTED');
    kmsMock.on(DeleteCustomKeyStoreCommand).rejects(Object.assign(new Error('has keys'), { name: 'CustomKeyStoreHasCMKsException' }));
    expect((await isComplete(event('Delete'))).IsComplete).toBe(true);
    expect(kmsCalls(ConnectCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('a store that is gone is deleted', async () => {
    noStore();
    expect((await isComplete(event('Delete'))).IsComplete).toBe(true);
    expect(kmsCalls(DeleteCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('a create that failed before its id was known is deleted by name, only on its own cluster', async () => {
    storeIs('DISCONNECTED');
    const pending = event('Delete', PROPS, { PhysicalResourceId: `cdk-cloudhsm:key-store:${CLUSTER_ID}` });
    expect((await isComplete(pending)).IsComplete).toBe(true);
    expect(kmsCalls(DescribeCustomKeyStoresCommand)[0].args[0].input).toEqual({ CustomKeyStoreName: NAME });
    expect(kmsCalls(DeleteCustomKeyStoreCommand)).toHaveLength(1);

    kmsMock.reset();
    kmsMock.on(DescribeCustomKeyStoresCommand).resolves({ CustomKeyStores: [{ CustomKeyStoreId: STORE_ID, CustomKeyStoreName: NAME, CloudHsmClusterId: OTHER_CLUSTER, ConnectionState: 'DISCONNECTED' }] });
    expect((await isComplete(pending)).IsComplete).toBe(true);
    expect(kmsCalls(DeleteCustomKeyStoreCommand)).toHaveLength(0);
  });

  test('another failure of DeleteCustomKeyStore names the store', async () => {
    storeIs('DISCONNECTED');
    kmsMock.on(DeleteCustomKeyStoreCommand).rejects(new Error('KMSInternalException'));
    expect(await failed(isComplete(event('Delete')))).toBe(`${WHO}: DeleteCustomKeyStore ${STORE_ID} failed: KMSInternalException`);
  });
});
