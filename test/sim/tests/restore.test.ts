// The simulator's backups of what a cluster's HSMs hold, and the restore of the latest READY backup
// onto the first HSM of an emptied ACTIVE cluster (test/sim/cluster-content.ts, ops/hsms.ts), with the
// KMS rules for keys whose cluster has no active HSM or lost their key material (kms-crypto.ts).

import { CloudHsmSimulator } from '..';
import { SimError } from '../errors';
import { connectedKeyStore, clusterWithHsm } from '../fixtures';
import { encryptWith } from '../kms-crypto';
import { noUsableBackupMessage } from '../ops/hsms';

const REGION = 'us-east-1';
const sim = new CloudHsmSimulator({ seed: 30 });
beforeEach(() => sim.reset());

const backupsOf = (clusterId: string) => sim.listResources().filter((r) => r.type === 'backup' && r.clusterId === clusterId);
const hsmsOf = (clusterId: string) => (sim.peekCluster(REGION, clusterId)!.Hsms as Array<Record<string, string>>);
const errorOf = (f: () => unknown): SimError => {
  try {
    f();
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  throw new Error('no error');
};

/** A connected key store with one KMS key; its cluster is then emptied (both HSMs deleted, their backups READY). */
function emptiedStoreWithKey() {
  const { keyStoreId, clusterId } = connectedKeyStore(sim, REGION);
  const key = sim.handle(REGION, 'CreateKey', { CustomKeyStoreId: keyStoreId, Origin: 'AWS_CLOUDHSM' }, 'kms') as { KeyMetadata: { KeyId: string } };
  const keyId = key.KeyMetadata.KeyId;
  expect(encryptWith(sim.kms, REGION, keyId, 'hello')).toEqual({ keyId, bytes: 5 });
  const kmsPassword = sim.kms.keyStores.get(keyStoreId)!.password;
  const usersBefore = sim.hsmUsers.of(REGION, clusterId).map((u) => ({ ...u, sessions: undefined }));
  for (const h of hsmsOf(clusterId)) sim.handle(REGION, 'DeleteHsm', { ClusterId: clusterId, HsmId: h.HsmId });
  sim.advance(Math.max(sim.timings.hsmDeleteMs, sim.timings.backupCreateMs));
  return { keyStoreId, clusterId, keyId, kmsPassword, usersBefore };
}

test('adding an HSM to an ACTIVE cluster with HSMs makes a backup; so does the CLI\'s cluster activate', () => {
  const { clusterId, ip } = clusterWithHsm(sim, REGION);
  expect(backupsOf(clusterId)).toHaveLength(0);
  const out = sim.hsmCli(REGION, [ip], ['cluster', 'activate'], 'Activate-Pass-1');
  expect(out.exitCode).toBe(0);
  expect(backupsOf(clusterId)).toHaveLength(1);
  sim.handle(REGION, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${REGION}a` });
  expect(backupsOf(clusterId).map((b) => b.state)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS']);
  sim.advance(sim.timings.backupCreateMs);
  expect(backupsOf(clusterId).map((b) => b.state)).toEqual(['READY', 'READY']);
});

test('emptied: no users left outside the backups; the store stays CONNECTED but its key fails (no active HSM)', () => {
  const { keyStoreId, clusterId, keyId } = emptiedStoreWithKey();
  expect(hsmsOf(clusterId)).toEqual([]);
  expect(sim.hsmUsers.of(REGION, clusterId)).toEqual([]);
  expect(sim.peekKeyStore(REGION, keyStoreId)?.ConnectionState).toBe('CONNECTED');
  const err = errorOf(() => encryptWith(sim.kms, REGION, keyId, 'hello'));
  expect(err.type).toBe('KMSInvalidStateException');
  expect(err.message).toMatch(/has no active HSM/);
});

test('the first new HSM gets the latest READY backup: users (kmsuser with the password KMS rotated to), key material; restore time on top of creation', () => {
  const { keyStoreId, clusterId, keyId, kmsPassword, usersBefore } = emptiedStoreWithKey();
  sim.handle(REGION, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${REGION}a` });
  sim.advance(sim.timings.hsmCreateMs);
  expect(hsmsOf(clusterId).map((h) => h.State)).toEqual(['CREATE_IN_PROGRESS']);
  sim.advance(sim.timings.hsmRestoreMs);
  expect(hsmsOf(clusterId).map((h) => h.State)).toEqual(['ACTIVE']);
  expect(sim.hsmUsers.of(REGION, clusterId)).toEqual(usersBefore);
  expect(sim.hsmUsers.find(REGION, clusterId, 'kmsuser')).toMatchObject({ role: 'crypto-user', password: kmsPassword });
  expect(encryptWith(sim.kms, REGION, keyId, 'hello').keyId).toBe(keyId);
  // KMS connects again with the password it has (the restored kmsuser's).
  sim.handle(REGION, 'DisconnectCustomKeyStore', { CustomKeyStoreId: keyStoreId }, 'kms');
  sim.advance(sim.timings.keyStoreDisconnectMs);
  sim.handle(REGION, 'ConnectCustomKeyStore', { CustomKeyStoreId: keyStoreId }, 'kms');
  sim.advance(sim.timings.keyStoreConnectMs);
  expect(sim.peekKeyStore(REGION, keyStoreId)?.ConnectionState).toBe('CONNECTED');
});

test('a restore from a backup older than the key: no kmsuser, and the key fails (its material is not in the cluster)', () => {
  const { clusterId, keyId } = emptiedStoreWithKey();
  // Every backup made after kmsuser and the key is deleted: the activation's backup is the latest READY.
  const all = backupsOf(clusterId);
  for (const b of all.slice(1)) sim.handle(REGION, 'DeleteBackup', { BackupId: b.id });
  sim.handle(REGION, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${REGION}a` });
  sim.handle(REGION, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${REGION}b` });
  sim.advance(sim.timings.hsmCreateMs + sim.timings.hsmRestoreMs);
  expect(sim.hsmUsers.find(REGION, clusterId, 'kmsuser')).toBeUndefined();
  const err = errorOf(() => encryptWith(sim.kms, REGION, keyId, 'hello'));
  expect(err.type).toBe('KMSInvalidStateException');
  expect(err.message).toMatch(/does not contain the key material/);
});

test('no READY backup (all PENDING_DELETION): CreateHsm is refused and nothing is made; RestoreBackup makes it possible', () => {
  const { clusterId } = emptiedStoreWithKey();
  const backups = backupsOf(clusterId);
  for (const b of backups) sim.handle(REGION, 'DeleteBackup', { BackupId: b.id });
  const err = errorOf(() => sim.handle(REGION, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${REGION}a` }));
  expect(err.type).toBe('CloudHsmInvalidRequestException');
  expect(err.message).toBe(noUsableBackupMessage(clusterId));
  expect(hsmsOf(clusterId)).toEqual([]);
  sim.handle(REGION, 'RestoreBackup', { BackupId: backups[backups.length - 1].id });
  sim.handle(REGION, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${REGION}a` });
  expect(hsmsOf(clusterId)).toHaveLength(1);
});

test('a cluster created from a backup, without a backup of its own: its first HSM gets that backup\'s users; later emptied, its own latest', () => {
  const { clusterId, usersBefore } = emptiedStoreWithKey();
  const source = backupsOf(clusterId).pop()!;
  const c = sim.handle(REGION, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0a000000', 'subnet-0b000000'], SourceBackupId: source.id }) as { Cluster: { ClusterId: string } };
  const restored = c.Cluster.ClusterId;
  sim.advance(sim.timings.clusterCreateMs);
  sim.handle(REGION, 'CreateHsm', { ClusterId: restored, AvailabilityZone: `${REGION}a` });
  sim.advance(sim.timings.hsmCreateMs + sim.timings.hsmRestoreMs);
  expect(hsmsOf(restored).map((h) => h.State)).toEqual(['ACTIVE']);
  expect(sim.hsmUsers.of(REGION, restored).map((u) => u.username)).toEqual(usersBefore.map((u) => u.username));
});
