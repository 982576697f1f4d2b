// Handler tests of Custom::CloudHsmKeyStore with aws-sdk-client-mock: the name change in place.

import { ConnectCustomKeyStoreCommand, DisconnectCustomKeyStoreCommand, UpdateCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import { CLUSTER_ID, event, failed, kmsCalls, kmsMock, noStore, PROPS, secretsMock, ssmMock, STORE_ID, storeIs } from './key-store-fixtures';
import { isComplete, onEvent } from '../../lambda/index';

describe('update', () => {
  const renamed = { ...PROPS, CustomKeyStoreName: 'new-name' };
  const WHO2 = `HsmKeyStore KeyStore ("new-name" on ${CLUSTER_ID})`;

  test('a new name: disconnect, UpdateCustomKeyStore (no password), connect, CONNECTED', async () => {
    storeIs('CONNECTED');
    expect((await onEvent(event('Update', renamed))).PhysicalResourceId).toBe(STORE_ID);
    expect((await isComplete(event('Update', renamed))).IsComplete).toBe(false);
    expect(kmsCalls(DisconnectCustomKeyStoreCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE_ID });

    storeIs('DISCONNECTED');
    expect((await isComplete(event('Update', renamed))).IsComplete).toBe(false);
    expect(kmsCalls(UpdateCustomKeyStoreCommand)[0].args[0].input).toEqual({ CustomKeyStoreId: STORE_ID, NewCustomKeyStoreName: 'new-name' });

    storeIs('DISCONNECTED', { CustomKeyStoreName: 'new-name' });
    expect((await isComplete(event('Update', renamed))).IsComplete).toBe(false);
    expect(kmsCalls(ConnectCustomKeyStoreCommand)).toHaveLength(1);

    storeIs('CONNECTED', { CustomKeyStoreName: 'new-name' });
    expect(await isComplete(event('Update', renamed))).toMatchObject({ IsComplete: true, Data: { CustomKeyStoreName: 'new-name' } });
    expect(secretsMock.calls()).toHaveLength(0);
    expect(ssmMock.calls()).toHaveLength(0);
  });

  test('a name in use fails naming the property', async () => {
    storeIs('DISCONNECTED');
    kmsMock.on(UpdateCustomKeyStoreCommand).rejects(Object.assign(new Error('in use'), { name: 'CustomKeyStoreNameInUseException' }));
    expect(await failed(isComplete(event('Update', renamed))))
      .toBe(`${WHO2}: customKeyStoreName (CustomKeyStoreName): "new-name" is the name of another custom key store; choose another`);
  });

  test('a store that is gone fails', async () => {
    noStore();
    expect(await failed(isComplete(event('Update', renamed)))).toBe(`${WHO2}: the custom key store ${STORE_ID} does not exist any more`);
  });
});
