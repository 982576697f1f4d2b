// The simulator's resource policies on backups and cross-account restores (ops/resource-policies.ts),
// over HTTP: two accounts served by one simulator, told apart by the access key id of each signed
// request. The resource-policy requests are sent by the handler's own module (lambda/cloudhsm-raw.ts),
// since the pinned client predates them; CreateCluster by the client's generated command.

import { CloudHSMV2Client, CreateClusterCommand, DescribeBackupsCommand } from '@aws-sdk/client-cloudhsm-v2';
import { deleteResourcePolicy, getResourcePolicy, putResourcePolicy } from '../../../lambda/cloudhsm-raw';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '../index';

const REGION = 'us-west-2';
const OWNER = '111111111111';
const RESTORER = '222222222222';
const OTHER = '333333333333';

let server: SimulatorServer;
const sim = new CloudHsmSimulator({ seed: 31, accountId: OWNER, accounts: { AKIDRESTORER: RESTORER, AKIDOTHER: OTHER } });

beforeAll(async () => {
  server = await startSimulatorServer(sim);
});
afterAll(() => server.close());
beforeEach(() => sim.reset());

const clientOf = (accessKeyId: string) => new CloudHSMV2Client({
  region: REGION, endpoint: server.url, maxAttempts: 1, credentials: { accessKeyId, secretAccessKey: 'sim' },
});
const owner = () => clientOf('AKIDOWNER');
const restorer = () => clientOf('AKIDRESTORER');

/** A READY backup of a cluster of the owner (the default account). */
function ownersBackup(): { id: string; arn: string } {
  const c = sim.handle(REGION, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0a000000'] }) as any;
  const b = sim.createBackup(REGION, c.Cluster.ClusterId);
  return { id: b.BackupId as string, arn: b.BackupArn as string };
}

/** The policy cdk-cloudhsm puts: the restoring account may describe the backup and create a cluster from it. */
const policyFor = (arn: string, ...accounts: string[]) => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow',
    Principal: { AWS: accounts.map((a) => `arn:aws:iam::${a}:root`) },
    Action: ['cloudhsm:DescribeBackups', 'cloudhsm:CreateCluster'],
    Resource: arn,
  }],
});

const restore = (arn: string) => restorer().send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0b000000'], SourceBackupId: arn }));

test('Put, Get and Delete: the policy is the backup\'s, Delete answers with the policy it removed and is idempotent', async () => {
  const { id, arn } = ownersBackup();
  expect(await getResourcePolicy(owner(), arn)).toEqual({});
  const policy = policyFor(arn, RESTORER);
  expect(await putResourcePolicy(owner(), arn, policy)).toEqual({ ResourceArn: arn, Policy: policy });
  expect(await getResourcePolicy(owner(), arn)).toEqual({ Policy: policy });
  expect(sim.peekResourcePolicy(REGION, id)).toBe(policy);
  expect(await deleteResourcePolicy(owner(), arn)).toEqual({ ResourceArn: arn, Policy: policy });
  expect(await deleteResourcePolicy(owner(), arn)).toEqual({ ResourceArn: arn });
  expect(sim.peekResourcePolicy(REGION, id)).toBeUndefined();
});

test('the API\'s rules: only READY backups the caller owns; clusters are not shared; the policy must be a policy document', async () => {
  const { id, arn } = ownersBackup();
  // "In order to share a backup, it must be in a 'READY' state and you must own it."
  sim.handle(REGION, 'DeleteBackup', { BackupId: id });
  await expect(putResourcePolicy(owner(), arn, policyFor(arn, RESTORER))).rejects.toMatchObject({ name: 'CloudHsmInvalidRequestException' });
  sim.handle(REGION, 'RestoreBackup', { BackupId: id });
  // "Cross-account use: No."
  await expect(putResourcePolicy(restorer(), arn, policyFor(arn, RESTORER))).rejects.toMatchObject({ name: 'CloudHsmAccessDeniedException' });
  await expect(getResourcePolicy(restorer(), arn)).rejects.toMatchObject({ name: 'CloudHsmAccessDeniedException' });
  // Backups are the only resource with a policy.
  const clusterArn = arn.replace(/backup\/backup-/, 'cluster/cluster-');
  await expect(putResourcePolicy(owner(), clusterArn, policyFor(arn, RESTORER))).rejects.toMatchObject({ name: 'CloudHsmInvalidRequestException' });
  // Unknown backup, and another region's ARN.
  await expect(getResourcePolicy(owner(), arn.replace(id, 'backup-aaaaaaaaaaa'))).rejects.toMatchObject({ name: 'CloudHsmResourceNotFoundException' });
  await expect(getResourcePolicy(owner(), arn.replace(REGION, 'us-east-1'))).rejects.toMatchObject({ name: 'CloudHsmResourceNotFoundException' });
  for (const bad of ['not json', '[]', '{"Statement":[]}', '{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*"}]}']) {
    await expect(putResourcePolicy(owner(), arn, bad)).rejects.toMatchObject({ name: 'CloudHsmInvalidRequestException' });
  }
  expect(sim.peekResourcePolicy(REGION, id)).toBeUndefined();
});

test('a cluster in another account restores from the backup ARN only while the backup\'s policy allows that account', async () => {
  const { id, arn } = ownersBackup();
  // No policy: refused, and nothing is created in the restoring account.
  await expect(restore(arn)).rejects.toMatchObject({ name: 'CloudHsmAccessDeniedException' });
  // A policy for another account does not help.
  await putResourcePolicy(owner(), arn, policyFor(arn, OTHER));
  await expect(restore(arn)).rejects.toMatchObject({ name: 'CloudHsmAccessDeniedException' });
  // An explicit Deny wins over the Allow.
  const denied = JSON.parse(policyFor(arn, RESTORER));
  denied.Statement.push({ Effect: 'Deny', Principal: { AWS: RESTORER }, Action: 'cloudhsm:CreateCluster', Resource: '*' });
  await putResourcePolicy(owner(), arn, JSON.stringify(denied));
  await expect(restore(arn)).rejects.toMatchObject({ name: 'CloudHsmAccessDeniedException' });
  expect(sim.listResources().filter((r) => r.account === RESTORER)).toEqual([]);

  await putResourcePolicy(owner(), arn, policyFor(arn, RESTORER));
  const { Cluster } = await restore(arn);
  expect(Cluster).toMatchObject({ SourceBackupId: id, State: 'CREATE_IN_PROGRESS' });
  sim.advance(sim.timings.clusterCreateMs);
  // The cluster is the restoring account's: its own view, not the owner's.
  expect(sim.peekCluster(REGION, Cluster!.ClusterId!, RESTORER)).toMatchObject({ State: 'ACTIVE', SourceBackupId: id });
  expect(sim.peekCluster(REGION, Cluster!.ClusterId!)).toBeUndefined();
  expect(sim.listResources().filter((r) => r.type === 'cluster').map((r) => r.account)).toEqual([undefined, RESTORER]);
  const seen = await restorer().send(new DescribeBackupsCommand({}));
  expect(seen.Backups).toEqual([]);

  // "Deleting the resource policy attached to a backup will not impact any clusters created from that backup."
  await deleteResourcePolicy(owner(), arn);
  expect(sim.peekCluster(REGION, Cluster!.ClusterId!, RESTORER)).toMatchObject({ State: 'ACTIVE' });
  await expect(restore(arn)).rejects.toMatchObject({ name: 'CloudHsmAccessDeniedException' });
  // The backup id alone names a backup of the caller's own account: not found there.
  await expect(restorer().send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0b000000'], SourceBackupId: id })))
    .rejects.toMatchObject({ name: 'CloudHsmResourceNotFoundException' });
});

test('an unknown access key id is the default account; an unknown account in a backup ARN is not found', async () => {
  const { arn } = ownersBackup();
  expect(await putResourcePolicy(clientOf('AKIDANYONE'), arn, policyFor(arn, RESTORER))).toMatchObject({ ResourceArn: arn });
  await expect(restore(arn.replace(OWNER, '444444444444'))).rejects.toMatchObject({ name: 'CloudHsmResourceNotFoundException' });
});
