// Scaling to zero HSMs and back through the deploy harness: the real bundled handler, the simulator
// (backups with the HSMs' users and key material, restore onto the first HSM of an emptied cluster,
// KMS) and the admin host's real scripts in the host sandbox (docs/operations.md, "Scaling to zero").
// - examples/key-store goes 2 -> 0 -> 2 HSMs in three deployments; afterwards the admin logs in with
//   its secret, kmsuser with the password KMS has (its secret's when KMS does not rotate it), the
//   store is CONNECTED and its key encrypts; destroy leaves only what is retained on purpose.
// - an emptied cluster whose backups are all PENDING_DELETION fails the scale-up before any CreateHsm.
// - activation removed from the stack and added back never leaves an admin secret that is not the
//   admin password on the HSMs.

import { DeployHarness } from './engine';
import { DeploymentReport } from './types';
import { keyStoreTemplate, keyStoreWorld, REGION } from '../fixtures/key-store-stack';
import { clusterTemplate } from '../fixtures/readded-activation';
import { CloudHsmSimulator, PrivateCaFake, SimulatorServer, startSimulatorServer } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';
import { encryptWith } from '../sim/kms-crypto';

let server: SimulatorServer;
let sim: CloudHsmSimulator;
let pca: PrivateCaFake;
let sandbox: HostSandbox;

/** A simulator for the tests of one describe block (KMS rotating kmsuser's password or not). */
function useWorld(rotateKmsUserPassword = true): void {
  beforeAll(async () => {
    sim = new CloudHsmSimulator({ seed: 30, rotateKmsUserPassword });
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
}

type Resource = DeploymentReport['resources'][string];
const ofType = (r: DeploymentReport, type: string): Resource[] => Object.values(r.resources).filter((x) => x.type === type);
const secretArn = (r: DeploymentReport, logicalIdPart: string): string =>
  ofType(r, 'AWS::SecretsManager::Secret').find((s) => s.logicalId.includes(logicalIdPart))!.physicalId;
const secretValue = (arn: string): string => sim.secrets.find(REGION, arn)!.secretString;
const hsmsOf = (clusterId: string) => (sim.peekCluster(REGION, clusterId)!.Hsms as Array<Record<string, string>>);
const activeIps = (clusterId: string) => hsmsOf(clusterId).filter((h) => h.State === 'ACTIVE').map((h) => h.EniIp);

/** Whether `username` logs in on the cluster with `password` (the CloudHSM CLI, one login). */
function logsIn(clusterId: string, username: string, role: string, password: string): boolean {
  return sim.hsmCli(REGION, activeIps(clusterId), ['login', '--username', username, '--role', role], password).exitCode === 0;
}

describe.each([true, false])('examples/key-store 2 -> 0 -> 2 HSMs (KMS rotates the kmsuser password: %s)', (rotate) => {
  useWorld(rotate);

  test('three deployments; credentials log in, the store is CONNECTED and its key encrypts; destroy leaves what is retained', async () => {
    const h = new DeployHarness({ sim, endpoint: server.url, stackName: 'CloudHsmKeyStore' });
    const up = await h.deploy(keyStoreTemplate({ hsmCount: 2 }));
    expect(up.outcome).toEqual({ status: 'success' });
    const storeId = up.outputs.CustomKeyStoreId;
    const clusterId = sim.peekKeyStore(REGION, storeId)!.CloudHsmClusterId as string;
    const keyId = ofType(up, 'Custom::CloudHsmKmsKey')[0].physicalId;
    const adminArn = secretArn(up, 'AdminSecret');
    const kmsUserArn = secretArn(up, 'KmsUserSecret');
    expect(encryptWith(sim.kms, REGION, keyId, 'before').keyId).toBe(keyId);

    // 2 -> 0: the store is disconnected first, then the HSMs go; the key is kept, unusable.
    const down = await h.deploy(keyStoreTemplate({ hsmCount: 0 }));
    expect(down.outcome).toEqual({ status: 'success' });
    expect(hsmsOf(clusterId)).toEqual([]);
    expect(sim.peekKeyStore(REGION, storeId)?.ConnectionState).toBe('DISCONNECTED');
    expect(sim.peekKey(REGION, keyId)).toMatchObject({ KeyState: 'Unavailable' });
    expect(() => encryptWith(sim.kms, REGION, keyId, 'meanwhile')).toThrow(/Unavailable/);
    const disconnectBeforeDelete = sim.calls.list().map((c) => c.operation).filter((o) => o === 'DisconnectCustomKeyStore' || o === 'DeleteHsm');
    expect(disconnectBeforeDelete[0]).toBe('DisconnectCustomKeyStore');
    // Nothing of the credentials or the key changed.
    expect(sim.secrets.find(REGION, adminArn)?.deletedMs).toBeUndefined();
    expect(sim.kms.keys.get(keyId)?.state).toBe('Enabled');

    // 0 -> 2: the first HSM alone from the latest backup, then the other; the store CONNECTED again.
    sim.resetCallCounts();
    const back = await h.deploy(keyStoreTemplate({ hsmCount: 2 }));
    expect(back.outcome).toEqual({ status: 'success' });
    expect(hsmsOf(clusterId).map((x) => `${x.AvailabilityZone} ${x.State}`).sort()).toEqual(['us-east-1a ACTIVE', 'us-east-1b ACTIVE']);
    // The second CreateHsm waited for the first HSM: its creation and the restore of the backup.
    const creates = sim.calls.list().filter((c) => c.operation === 'CreateHsm' && c.outcome === 'ok').map((c) => c.virtualMs);
    expect(creates).toHaveLength(2);
    expect(creates[1] - creates[0]).toBeGreaterThanOrEqual(sim.timings.hsmCreateMs + sim.timings.hsmRestoreMs);
    expect(sim.peekKeyStore(REGION, storeId)?.ConnectionState).toBe('CONNECTED');
    expect(sim.callCounts().ConnectCustomKeyStore).toBe(1);
    expect(logsIn(clusterId, 'admin', 'admin', secretValue(adminArn))).toBe(true);
    const kmsPassword = sim.kms.keyStores.get(storeId)!.password;
    expect(logsIn(clusterId, 'kmsuser', 'crypto-user', kmsPassword)).toBe(true);
    if (!rotate) expect(kmsPassword).toBe(secretValue(kmsUserArn));
    expect(encryptWith(sim.kms, REGION, keyId, 'after').keyId).toBe(keyId);
    expect(sim.peekKey(REGION, keyId)).toMatchObject({ KeyState: 'Enabled' });

    const destroyed = await h.destroy();
    expect(destroyed.outcome).toEqual({ status: 'success' });
    expect(destroyed.orphans).toEqual([]);
    const retained = h.retained.map((r) => r.physicalId);
    expect(retained).toEqual(expect.arrayContaining([storeId, keyId, clusterId]));
  }, 600_000);
});

describe('an emptied cluster and its credentials', () => {
  useWorld();

  test('every backup PENDING_DELETION: the scale-up fails before any CreateHsm, naming the backups and RestoreBackup', async () => {
    const h = new DeployHarness({ sim, endpoint: server.url, stackName: 'ScaleToZero' });
    const up = await h.deploy(clusterTemplate({ hsms: 2, activation: true }));
    expect(up.outcome).toEqual({ status: 'success' });
    const clusterId = up.outputs.ClusterId;
    expect((await h.deploy(clusterTemplate({ hsms: 0, activation: true }))).outcome).toEqual({ status: 'success' });
    sim.advance(sim.timings.backupCreateMs);
    const backups = sim.listResources().filter((r) => r.type === 'backup' && r.clusterId === clusterId);
    expect(backups.length).toBeGreaterThan(0);
    for (const b of backups) sim.handle(REGION, 'DeleteBackup', { BackupId: b.id });

    sim.resetCallCounts();
    const failed = await h.deploy(clusterTemplate({ hsms: 2, activation: true }));
    expect(failed.outcome.status).toBe('failed');
    const message = failed.outcome.status === 'failed' ? failed.outcome.message : '';
    expect(message).toMatch(/Hsm ClusterHsm1\w*: cluster cluster-\w+ is ACTIVE with no HSM, and its latest backup backup-\w+ is PENDING_DELETION/);
    for (const b of backups.slice(-5)) expect(message).toContain(b.id);
    expect(message).toContain('RestoreBackup');
    expect(sim.callCounts().CreateHsm ?? 0).toBe(0);
    expect(hsmsOf(clusterId)).toEqual([]);
  }, 600_000);

  test('activation removed and added back: the re-added activation refuses a new admin secret; the kept one works', async () => {
    const h = new DeployHarness({ sim, endpoint: server.url, stackName: 'ScaleToZero' });
    const up = await h.deploy(clusterTemplate({ hsms: 2, activation: true }));
    expect(up.outcome).toEqual({ status: 'success' });
    const clusterId = up.outputs.ClusterId;
    const firstArn = secretArn(up, 'AdminSecret');
    const adminPassword = secretValue(firstArn);
    expect(logsIn(clusterId, 'admin', 'admin', adminPassword)).toBe(true);

    // Without activation: the secret is kept (the cluster's default removal policy), unchanged.
    const without = await h.deploy(clusterTemplate({ hsms: 2, activation: false }));
    expect(without.outcome).toEqual({ status: 'success' });
    expect(sim.secrets.find(REGION, firstArn)?.deletedMs).toBeUndefined();

    // Back, with a new generated secret: refused, saying why; the rollback removes that secret.
    const again = await h.deploy(clusterTemplate({ hsms: 2, activation: true }));
    expect(again.outcome.status).toBe('failed');
    expect(again.outcome.status === 'failed' && again.outcome.message).toMatch(/already active and the password in .* does not log in as admin[\s\S]*activation\.adminSecret/);
    const liveAdminSecrets = sim.secrets.all().filter((s) => s.deletedMs === undefined && s.arn !== sim.secrets.find(REGION, firstArn)?.arn)
      .filter((s) => /AdminSecret/.test(s.arn));
    expect(liveAdminSecrets.map((s) => s.secretString)).toEqual(liveAdminSecrets.map(() => adminPassword));

    // Back with the kept secret: accepted (its password logs in).
    const kept = await h.deploy(clusterTemplate({ hsms: 2, activation: true, adminSecretArn: firstArn }));
    expect(kept.outcome).toEqual({ status: 'success' });
    expect(logsIn(clusterId, 'admin', 'admin', secretValue(firstArn))).toBe(true);
  }, 600_000);
});
