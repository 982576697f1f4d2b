// A KMS key store from the stack through the deploy harness: the bundled handler, the simulator's
// CloudHSM, SSM Run Command, Secrets Manager and KMS, and the admin host running the real setup.sh,
// activate.sh and create-kmsuser.sh with bash in the host sandbox. ONE deployment of
// examples/key-store goes from nothing to a CONNECTED key store with one KMS key in it (cluster,
// Private CA initialization, activation, two HSMs in two AZs, kmsuser, key store, key, an S3
// bucket encrypted by the key). Destroy follows the removal policies: by default the key store
// and the key are kept (as aws-cdk-lib's kms.Key is); with DESTROY the key's deletion is scheduled
// and the key store is left disconnected (KMS refuses to delete a store with keys). Nothing is orphaned.

import { DeployHarness } from './engine';
import { DeploymentReport } from './types';
import { keyStoreTemplate, keyStoreWorld, REGION } from '../fixtures/key-store-stack';
import { CloudHsmSimulator, PrivateCaFake, SimulatorServer, startSimulatorServer } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

let server: SimulatorServer;
let sim: CloudHsmSimulator;
let pca: PrivateCaFake;
let sandbox: HostSandbox;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 31 });
  pca = new PrivateCaFake({ clock: sim.clock });
  server = await startSimulatorServer(sim, 0, pca);
});
afterAll(() => server.close());
beforeEach(() => {
  sim.reset();
  pca.reset();
  sandbox = keyStoreWorld(sim, pca, server.url);
});
afterEach(() => sandbox.dispose());

type Resource = DeploymentReport['resources'][string];
const ofType = (r: DeploymentReport, type: string): Resource[] => Object.values(r.resources).filter((x) => x.type === type);

/** Deploys the example and checks the one-deployment outcome; returns the ids it made. */
async function deployToConnected(h: DeployHarness, destroyOnRemoval: boolean) {
  const created = await h.deploy(keyStoreTemplate({ destroyOnRemoval }));
  expect(created.outcome).toEqual({ status: 'success' });
  expect(created.orphans).toEqual([]);

  const [storeResource] = ofType(created, 'Custom::CloudHsmKeyStore');
  const [keyResource] = ofType(created, 'Custom::CloudHsmKmsKey');
  const storeId = created.outputs.CustomKeyStoreId;
  expect(storeResource.physicalId).toBe(storeId);
  const store = sim.peekKeyStore(REGION, storeId) as Record<string, any>;
  expect(store).toMatchObject({ ConnectionState: 'CONNECTED', CustomKeyStoreType: 'AWS_CLOUDHSM' });

  // The cluster: ACTIVE, two ACTIVE HSMs in two AZs; its trust anchor is the store's.
  const clusterId = store.CloudHsmClusterId as string;
  const cluster = sim.peekCluster(REGION, clusterId) as Record<string, any>;
  expect(cluster.State).toBe('ACTIVE');
  expect(cluster.Hsms.map((x: any) => `${x.AvailabilityZone} ${x.State}`).sort()).toEqual(['us-east-1a ACTIVE', 'us-east-1b ACTIVE']);

  // kmsuser is a crypto user on the cluster (its password rotated by KMS when it connected).
  expect(sim.hsmUsers.find(REGION, clusterId, 'kmsuser')).toMatchObject({ role: 'crypto-user', locked: false });

  // The key: in the store, Enabled, its ARN the stack's output; the alias and the bucket use it.
  const key = sim.peekKey(REGION, keyResource.physicalId) as Record<string, any>;
  expect(key).toMatchObject({ KeyState: 'Enabled', Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId, CloudHsmClusterId: clusterId });
  expect(created.outputs.KeyArn).toBe(key.Arn);
  expect(sim.describeKmsKey(REGION, 'alias/example-hsm-data')).toBe('Enabled');
  expect(sim.kms.aliases.get(`${REGION}/alias/example-hsm-data`)?.targetKeyId).toBe(key.KeyId);
  // The data bucket (the example also has its access-log bucket, S3-managed encryption).
  const buckets = ofType(created, 'AWS::S3::Bucket').filter((b) => JSON.stringify(b.properties).includes('aws:kms'));
  expect(buckets).toHaveLength(1);
  expect(JSON.stringify(buckets[0].properties)).toContain(key.Arn);
  expect(sim.kms.keys.size).toBe(1);
  expect(sim.kms.keyStores.size).toBe(1);

  // The kmsuser step ran on the admin host: the real script, in the sandbox.
  const commands = sim.runCommand.all();
  expect(commands.map((c) => c.invocations[0].status)).toEqual(commands.map(() => 'Success'));
  expect(commands.length).toBeGreaterThanOrEqual(2); // activation, kmsuser
  return { created, storeId, clusterId, keyId: key.KeyId as string };
}

test('one deployment: cluster, initialization, activation, 2 HSMs in 2 AZs, kmsuser, CONNECTED key store, one KMS key, an S3 bucket with it; destroy keeps key store and key (RETAIN), nothing orphaned', async () => {
  const h = new DeployHarness({ sim, endpoint: server.url, stackName: 'CloudHsmKeyStore' });
  const { storeId, keyId, clusterId } = await deployToConnected(h, false);

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  const retained = h.retained.map((r) => `${r.type} ${r.physicalId}`);
  expect(retained).toEqual(expect.arrayContaining([`Custom::CloudHsmKeyStore ${storeId}`, `Custom::CloudHsmKmsKey ${keyId}`, `Custom::CloudHsmCluster ${clusterId}`]));
  // kept, and still usable: the store CONNECTED, the key Enabled
  expect(sim.peekKeyStore(REGION, storeId)?.ConnectionState).toBe('CONNECTED');
  expect(sim.peekKey(REGION, keyId)?.KeyState).toBe('Enabled');
  expect(destroyed.orphans).toEqual([]);
});

test('DESTROY: the key is scheduled for deletion, the key store is left disconnected while it still holds the key (as documented), the cluster goes; nothing else is left', async () => {
  const h = new DeployHarness({ sim, endpoint: server.url, stackName: 'CloudHsmKeyStore' });
  const { storeId, keyId, clusterId } = await deployToConnected(h, true);

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  expect(sim.peekKey(REGION, keyId)).toMatchObject({ KeyState: 'PendingDeletion' });
  expect(sim.kms.aliases.size).toBe(0);
  expect(sim.peekCluster(REGION, clusterId)?.State).toBe('DELETED');
  // KMS refuses to delete a store with keys (pending deletion ones too): it is left, disconnected
  expect(sim.peekKeyStore(REGION, storeId)?.ConnectionState).toBe('DISCONNECTED');
  // That store is the only thing left that the stack no longer names (the service's HSM backups aside)
  expect(destroyed.orphans.filter((r) => r.type !== 'backup').map((r) => `${r.type} ${r.id}`)).toEqual([`key-store ${storeId}`]);
  expect(destroyed.leftInSimulator.filter((r) => r.type !== 'backup' && r.type !== 'key-store')).toEqual([]);
  // Once the key is deleted (its 30-day window), the store can be deleted: nothing else holds it
  sim.advance(30 * 24 * 60 * 60_000);
  expect(sim.peekKey(REGION, keyId)).toBeUndefined();
  sim.handle(REGION, 'DeleteCustomKeyStore', { CustomKeyStoreId: storeId }, 'kms');
  expect(sim.listResources().filter((r) => r.type === 'key-store' || r.type === 'kms-key')).toEqual([]);
});
