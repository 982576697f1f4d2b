// Issue #23, done-when 1(c): a key store on an imported ACTIVE cluster, through the deploy harness
// (the bundled handler, the real host scripts in the sandbox). The cluster, its first HSM, its
// initialization and activation and the admin secret are made outside the stack (the simulator's
// API and CloudHSM CLI, as an operator would); the stack imports it with
// `HsmCluster.fromClusterAttributes` (its admin secret, trust anchor, VPC and security group), adds
// an HSM in a second zone, and a key store with a KMS key: the admin host is made for the key store.
// Also: KMS's two-zone rule checked at deploy time for an imported cluster, and a wrong admin secret
// deployed six times while each failed deployment takes its admin host with it (the record of the
// failed login lives in SSM's command history, not on the host).

import { DeployHarness } from './engine';
import { DeploymentReport } from './types';
import { activeClusterOutside, importedClusterTemplate, OUTSIDE_ADMIN_PASSWORD, REGION, TRUST_ANCHOR } from '../fixtures/existing-cluster';
import { useHostSandbox, useServedSimulator } from '../sim/fixtures';

const served = useServedSimulator(232);
const { sim } = served;
useHostSandbox(served, REGION);

const STACK = 'ImportedCluster';
const ofType = (r: DeploymentReport, type: string) => Object.values(r.resources).filter((x) => x.type === type);

test('an imported ACTIVE cluster gets an HSM in a second zone, an admin host, kmsuser, a CONNECTED key store and a key in one deployment; destroy keeps the store and key, leaves the cluster as it was', async () => {
  const existing = activeClusterOutside(sim, [`${REGION}a`]);
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: STACK });
  const created = await h.deploy(importedClusterTemplate(STACK, { ...existing, addHsmZones: [`${REGION}b`], withKey: true }));
  expect(created.outcome).toEqual({ status: 'success' });

  const storeId = created.outputs.CustomKeyStoreId;
  expect(sim.peekKeyStore(REGION, storeId)).toMatchObject({
    ConnectionState: 'CONNECTED', CloudHsmClusterId: existing.clusterId, TrustAnchorCertificate: TRUST_ANCHOR,
  });
  const [keyResource] = ofType(created, 'Custom::CloudHsmKmsKey');
  expect(sim.peekKey(REGION, keyResource.physicalId)).toMatchObject({ KeyState: 'Enabled', CustomKeyStoreId: storeId, Arn: created.outputs.KeyArn });
  const hsms = (sim.peekCluster(REGION, existing.clusterId) as any).Hsms;
  expect(hsms.map((x: any) => `${x.AvailabilityZone} ${x.State}`).sort()).toEqual([`${REGION}a ACTIVE`, `${REGION}b ACTIVE`]);
  expect(sim.hsmUsers.find(REGION, existing.clusterId, 'kmsuser')).toMatchObject({ role: 'crypto-user', locked: false });
  expect(sim.hsmUsers.find(REGION, existing.clusterId, 'admin')).toMatchObject({ password: OUTSIDE_ADMIN_PASSWORD, locked: false });

  // The admin host was made for the key store; kmsuser ran there, the real script, with the operator's secret.
  const [host] = ofType(created, 'AWS::EC2::Instance');
  expect(sim.instances.get(REGION, host.physicalId)?.userDataResult?.exitCode).toBe(0);
  const commands = sim.runCommand.all();
  expect(commands.map((c) => `${c.instanceIds.join(',')} ${c.invocations[0].status}`)).toEqual([`${host.physicalId} Success`]);
  expect(commands[0].parameters.commands[0]).toContain(existing.adminSecretArn);
  // The host may reach the cluster's own security group on the HSM ports.
  const ingress = ofType(created, 'AWS::EC2::SecurityGroupIngress').map((r) => r.properties);
  expect(ingress).toEqual([expect.objectContaining({ GroupId: existing.securityGroupId, FromPort: 2223, ToPort: 2225 })]);

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  expect(h.retained.map((r) => r.type).sort()).toEqual(['AWS::SecretsManager::Secret', 'Custom::CloudHsmKeyStore', 'Custom::CloudHsmKmsKey']);
  // The cluster is the operator's: still ACTIVE with its own HSM; the stack's HSM and host are gone.
  const after = sim.peekCluster(REGION, existing.clusterId) as any;
  expect(after.State).toBe('ACTIVE');
  expect(after.Hsms.map((x: any) => x.AvailabilityZone)).toEqual([`${REGION}a`]);
  expect(sim.instances.get(REGION, host.physicalId)?.terminatedMs).toBeDefined();
});

test('an imported cluster with HSMs in one zone: the key store fails at deploy time naming itself, the cluster and KMS\'s two-zone rule; the rollback leaves nothing', async () => {
  const existing = activeClusterOutside(sim, [`${REGION}a`]);
  const operators = new Set(sim.listResources().map((r) => r.id));
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: STACK });
  const created = await h.deploy(importedClusterTemplate(STACK, { ...existing }));
  expect(created.outcome).toMatchObject({ status: 'failed', resourceType: 'Custom::CloudHsmKeyStore', rolledBack: true });
  const message = created.outcome.status === 'failed' ? created.outcome.message : '';
  expect(message).toMatch(/^HsmKeyStore KeyStore[0-9A-F]+ /);
  expect(message).toContain(`cluster (ClusterId): the cluster ${existing.clusterId} has 1 ACTIVE HSM(s) in 1 Availability Zone(s)`);
  expect(message).toContain('at least two ACTIVE HSMs in different Availability Zones');
  // Only what the operator made is left (the cluster, its HSM, its secret); the host is terminated.
  expect(created.orphans.filter((r) => !operators.has(r.id) && r.type !== 'backup')).toEqual([]);
  expect(sim.listResources().filter((r) => r.type === 'instance').map((r) => r.state)).toEqual(['terminated']);
  expect(sim.runCommand.all()).toEqual([]);
});

test('a wrong admin secret deployed six times, each failed deployment taking its admin host with it: six failures naming the secret, one login tried, admin not locked; the right password then deploys', async () => {
  const existing = activeClusterOutside(sim, [`${REGION}a`, `${REGION}b`]);
  const secret = sim.secrets.find(REGION, existing.adminSecretArn)!;
  sim.secrets.putValue(secret, 'Not4The5Admins6Password');
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: STACK });
  const template = importedClusterTemplate(STACK, { ...existing, withKey: true });
  for (let attempt = 1; attempt <= 6; attempt++) {
    const report = await h.deploy(template);
    expect(report.outcome).toMatchObject({ status: 'failed', resourceType: 'Custom::CloudHsmKeyStore', rolledBack: true });
    expect(report.outcome.status === 'failed' ? report.outcome.message : '').toContain(existing.adminSecretArn);
  }
  // Six hosts, each new and terminated by its rollback: none knew of the failures before it.
  expect(sim.listResources().filter((r) => r.type === 'instance').map((r) => r.state)).toEqual(Array(6).fill('terminated'));
  const admin = sim.hsmUsers.find(REGION, existing.clusterId, 'admin')!;
  expect(admin).toMatchObject({ locked: false, failedLogins: 1 });

  sim.secrets.putValue(secret, OUTSIDE_ADMIN_PASSWORD);
  const fixed = await h.deploy(template);
  expect(fixed.outcome).toEqual({ status: 'success' });
  expect(sim.peekKeyStore(REGION, fixed.outputs.CustomKeyStoreId)?.ConnectionState).toBe('CONNECTED');
  expect(admin).toMatchObject({ locked: false, failedLogins: 0 });
});
