// The whole DR path of docs/disaster-recovery.md through the deploy harness (real bundled handler,
// real setup.sh / activate.sh / create-kmsuser.sh in the host sandbox): examples/dr with `recovery`.
// The primary stack (us-east-1) initializes and activates its cluster with an admin secret replicated
// to us-west-2, makes two HSMs and a key store, and copies the backup its activation made to us-west-2.
// The DR stack restores a cluster from the copy with the replica of the admin secret and the primary's
// trust anchor (nothing is activated: the admin host checks that the secret logs in), then makes two
// HSMs and its own key store and KMS key there. KMS's rule (CloudHsmClusterInUseException: one key
// store per cluster, and none on a cluster that shares a backup history with one that has a store,
// in the account and Region; @aws-sdk/client-kms CloudHsmClusterInUseException) holds in the DR Region.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeployHarness } from './engine';
import { CfnTemplate, DeploymentReport } from './types';
import { drApp } from '../../examples/dr/app';
import { CA_ARN } from '../fixtures/activation-stack';
import { useSimWorld } from '../fixtures/sim-world';

const PRIMARY = 'us-east-1';
const DR = 'us-west-2';

const world = useSimWorld(23);

/** The primary cluster's trust anchor: the certificate of the CA that signs its CSR. */
function trustAnchor(): string {
  return (world.pca.handle('GetCertificateAuthorityCertificate', { CertificateAuthorityArn: CA_ARN }) as { Certificate: string }).Certificate;
}

function templates(): { primary: CfnTemplate; dr: CfnTemplate } {
  const { app } = drApp({ recovery: { certificateAuthorityArn: CA_ARN, trustAnchor: trustAnchor() }, destroyOnRemoval: true },
    mkdtempSync(path.join(tmpdir(), 'cdk-cloudhsm-restore-dr-')));
  const assembly = app.synth();
  return {
    primary: assembly.getStackByName('CloudHsmDrPrimary').template as CfnTemplate,
    dr: assembly.getStackByName('CloudHsmDrRestore').template as CfnTemplate,
  };
}

const harnesses = () => ({
  primary: new DeployHarness({ sim: world.sim, endpoint: world.server.url, stackName: 'CloudHsmDrPrimary', region: PRIMARY, seed: 1 }),
  dr: new DeployHarness({ sim: world.sim, endpoint: world.server.url, stackName: 'CloudHsmDrRestore', region: DR, seed: 2 }),
});

const ofType = (r: DeploymentReport, type: string) => Object.values(r.resources).filter((x) => x.type === type);

/** The primary deployed: its copy READY in the DR region; returns the copy's id and the admin secret's ARN. */
async function deployPrimary(h: DeployHarness, t: CfnTemplate): Promise<{ copyId: string; adminSecretArn: string }> {
  const p = await h.deploy(t);
  expect(p.outcome).toEqual({ status: 'success' });
  const copyId = ofType(p, 'Custom::CloudHsmBackupCopy')[0].attributes.DestinationBackupId as string;
  expect(world.sim.peekBackup(DR, copyId)).toMatchObject({ BackupState: 'READY', SourceRegion: PRIMARY });
  expect(world.sim.peekKeyStore(PRIMARY, p.outputs.CustomKeyStoreId)?.ConnectionState).toBe('CONNECTED');
  const adminSecretArn = ofType(p, 'AWS::SecretsManager::Secret')
    .find((s) => s.logicalId.startsWith('AdminSecret'))!.physicalId;
  return { copyId, adminSecretArn };
}

test('restore in the DR Region from the copy of an activated cluster\'s backup: admin secret replica and trust anchor, 2 HSMs, a CONNECTED key store and a KMS key there', async () => {
  const t = templates();
  const h = harnesses();
  const { copyId, adminSecretArn } = await deployPrimary(h.primary, t.primary);

  const d = await h.dr.deploy(t.dr);
  expect(d.outcome).toEqual({ status: 'success' });
  const clusterId = d.outputs.ClusterId;
  const restored = world.sim.peekCluster(DR, clusterId) as Record<string, any>;
  expect(restored).toMatchObject({ State: 'ACTIVE', SourceBackupId: copyId });
  expect(restored.Hsms.map((x: any) => `${x.AvailabilityZone} ${x.State}`).sort()).toEqual(['us-west-2a ACTIVE', 'us-west-2b ACTIVE']);

  // The restored cluster's admin is the primary's: the replica of the primary's secret logs in.
  const replica = adminSecretArn.replace(`:${PRIMARY}:`, `:${DR}:`);
  const admin = world.sim.hsmUsers.find(DR, clusterId, 'admin')!;
  expect(admin).toMatchObject({ role: 'admin', locked: false, failedLogins: 0 });
  expect(admin.password).toBe(world.sim.secrets.find(DR, replica)!.secretString);
  const activation = ofType(d, 'Custom::CloudHsmActivation')[0];
  expect(activation.properties).toMatchObject({ AdminSecretArn: replica, Restored: 'true' });

  // Nothing was activated in the DR Region: the one admin command there only checked the login.
  const drCommands = world.sim.runCommand.list(DR);
  const checks = drCommands.filter((c) => c.comment.startsWith(`cdk-cloudhsm activate ${clusterId} `));
  expect(checks).toHaveLength(1);
  expect(checks[0].parameters.commands.join('\n')).toContain('--check-only');
  expect(checks[0].invocations[0]).toMatchObject({ status: 'Success' });
  expect(checks[0].invocations[0].stdout).toContain('is restored from a backup; the admin password');

  // kmsuser on the restored cluster, the DR key store CONNECTED on it, a KMS key in it (DR Region).
  const storeId = d.outputs.CustomKeyStoreId;
  expect(world.sim.peekKeyStore(DR, storeId)).toMatchObject({ ConnectionState: 'CONNECTED', CloudHsmClusterId: clusterId });
  expect(world.sim.hsmUsers.find(DR, clusterId, 'kmsuser')).toMatchObject({ role: 'crypto-user', locked: false });
  const keyId = ofType(d, 'Custom::CloudHsmKmsKey')[0].physicalId;
  expect(world.sim.peekKey(DR, keyId)).toMatchObject({ KeyState: 'Enabled', CustomKeyStoreId: storeId, CloudHsmClusterId: clusterId });
  expect(drCommands.every((c) => c.invocations[0].status === 'Success')).toBe(true);

  // An unchanged redeploy of both stacks (synthesized again) changes nothing.
  const again = templates();
  for (const [harness, template] of [[h.primary, again.primary], [h.dr, again.dr]] as const) {
    const r = await harness.deploy(template);
    expect(r.outcome).toEqual({ status: 'success' });
    expect(r.changes).toEqual([]);
    expect(r.apiCalls).toEqual({});
  }

  // KMS's rule in the DR Region: this restored cluster's backup history now has a store here, so a
  // second restore of the same copy cannot get one (CloudHsmClusterInUseException).
  const second = (world.sim.handle(DR, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: Object.values(restored.SubnetMapping), SourceBackupId: copyId }) as any).Cluster.ClusterId;
  world.sim.advance(world.sim.timings.clusterCreateMs);
  for (const az of Object.keys(restored.SubnetMapping)) world.sim.handle(DR, 'CreateHsm', { ClusterId: second, AvailabilityZone: az });
  world.sim.advance(world.sim.timings.hsmCreateMs);
  expect(() => world.sim.handle(DR, 'CreateCustomKeyStore', {
    CustomKeyStoreName: 'second', CloudHsmClusterId: second, TrustAnchorCertificate: trustAnchor(), KeyStorePassword: 'kmsuser-password-1',
  }, 'kms')).toThrow(expect.objectContaining({ type: 'CloudHsmClusterInUseException' }));

  expect((await h.dr.destroy()).outcome).toEqual({ status: 'success' });
  expect((await h.primary.destroy()).outcome).toEqual({ status: 'success' });
});

test('a wrong admin secret for the restored cluster fails at the admin check, naming the secret, before the key store; deployed twice, no admin is near the lockout', async () => {
  const t = templates();
  const h = harnesses();
  const { adminSecretArn } = await deployPrimary(h.primary, t.primary);
  // The replica in the DR Region holds a password the backup's admin does not have.
  const replica = world.sim.secrets.find(DR, adminSecretArn.replace(`:${PRIMARY}:`, `:${DR}:`))!;
  world.sim.secrets.putValue(replica, 'not-the-source-admin-password-1');

  for (let attempt = 1; attempt <= 2; attempt++) {
    const d = await h.dr.deploy(t.dr);
    expect(d.outcome).toMatchObject({ status: 'failed', resourceType: 'Custom::CloudHsmActivation' });
    const message = (d.outcome as { message: string }).message;
    expect(message).toContain(replica.arn);
    expect(message).toContain('does not log in as admin of restored cluster');
    expect(message).not.toContain('not-the-source-admin-password-1');
    // A failed first deployment rolls back: the restored cluster is deleted, nothing is left in the DR Region.
    expect(d.outcome).toMatchObject({ rolledBack: true });
  }
  // Each attempt restored its own cluster and logged in once there: no admin comes near the lockout.
  const checks = world.sim.runCommand.list(DR).filter((c) => c.comment.startsWith('cdk-cloudhsm activate '));
  expect(checks.map((c) => c.invocations[0].responseCode)).toEqual([11, 11]);
  const clusterIds = new Set(checks.map((c) => c.comment.split(' ')[2]));
  expect(clusterIds.size).toBe(2);
  // Each restored cluster took one login (one check command each) and went with its rollback, its HSMs' users with it.
  for (const id of clusterIds) expect(world.sim.peekCluster(DR, id)?.State).toBe('DELETED');
  expect(world.sim.kms.keyStores.size).toBe(1); // the primary's only
});
