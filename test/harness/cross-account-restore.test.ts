// Cross-account recovery through the deploy harness (real bundled handler, one simulator serving two
// accounts told apart by the access key the handler signs with): account A's stack copies a backup to
// the DR region and shares the copy with account B (BackupCopy shareWith); account B's stack restores
// a cluster from the copy's ARN. Without the share, B's restore is refused and rolls back.
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployHarness } from './engine';
import { CfnTemplate, DeploymentReport } from './types';
import { BackupCopy, HsmCluster } from '../../src';
import { seedBackup } from '../fault/suite';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '../sim';

const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const OWNER = '123456789012';
const RESTORER = '210987654321';
const RESTORER_KEY = 'AKIDHARNESSRESTORER1';

let server: SimulatorServer;
const sim = new CloudHsmSimulator({ seed: 61, accountId: OWNER, accounts: { [RESTORER_KEY]: RESTORER } });
beforeAll(async () => {
  server = await startSimulatorServer(sim);
});
afterAll(() => server.close());
beforeEach(() => sim.reset());

/** Account A: a copy of `backupId` in the DR region, shared with `shareWith` (undefined: not managed). */
function ownerTemplate(backupId: string, shareWith?: string[]): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Owner', { env: { account: OWNER, region: PRIMARY } });
  new BackupCopy(stack, 'DrCopy', { backupId, destinationRegion: DR, shareWith, removalPolicy: RemovalPolicy.DESTROY });
  return app.synth().getStackByName('Owner').template as CfnTemplate;
}

/** Account B: a cluster in the DR region restored from account A's copy, named by its ARN. */
function restorerTemplate(sourceBackupArn: string): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Restorer', { env: { account: RESTORER, region: DR } });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: [`${DR}a`, `${DR}b`],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  new HsmCluster(stack, 'Cluster', { vpc, sourceBackupId: sourceBackupArn, removalPolicy: RemovalPolicy.DESTROY });
  return app.synth().getStackByName('Restorer').template as CfnTemplate;
}

const harnesses = () => ({
  owner: new DeployHarness({ sim, endpoint: server.url, stackName: 'Owner', region: PRIMARY, account: OWNER, seed: 1 }),
  restorer: new DeployHarness({ sim, endpoint: server.url, stackName: 'Restorer', region: DR, account: RESTORER, accessKeyId: RESTORER_KEY, seed: 2 }),
});

const copyOf = (r: DeploymentReport) => Object.values(r.resources).find((x) => x.type === 'Custom::CloudHsmBackupCopy')!;
const clusterOf = (r: DeploymentReport) => Object.values(r.resources).find((x) => x.type === 'Custom::CloudHsmCluster');

test('a copy shared with account B: B restores a cluster from its ARN; the share follows the list and goes with the copy', async () => {
  const backupId = seedBackup(sim, PRIMARY);
  const h = harnesses();
  const o = await h.owner.deploy(ownerTemplate(backupId, [RESTORER]));
  expect(o.outcome).toEqual({ status: 'success' });
  const copyId = copyOf(o).attributes.DestinationBackupId as string;
  const copyArn = `arn:aws:cloudhsm:${DR}:${OWNER}:backup/${copyId}`;
  // The policy lets B describe the copy and restore from it, and names nothing else.
  expect(JSON.parse(sim.peekResourcePolicy(DR, copyId)!)).toEqual({
    Version: '2012-10-17',
    Statement: [{
      Sid: 'CdkCloudHsmRestoreFromBackup',
      Effect: 'Allow',
      Principal: { AWS: [`arn:aws:iam::${RESTORER}:root`] },
      Action: ['cloudhsm:CreateCluster', 'cloudhsm:DescribeBackups'],
      Resource: copyArn,
    }],
  });
  expect(o.apiCalls).toMatchObject({ GetResourcePolicy: 1, PutResourcePolicy: 1 });

  const r = await h.restorer.deploy(restorerTemplate(copyArn));
  expect(r.outcome).toEqual({ status: 'success' });
  const clusterId = clusterOf(r)!.physicalId;
  // The cluster is B's, restored from A's copy, ACTIVE with the backup's content; A has no new cluster.
  expect(sim.peekCluster(DR, clusterId, RESTORER)).toMatchObject({ State: 'ACTIVE', SourceBackupId: copyId });
  expect(sim.peekCluster(DR, clusterId)).toBeUndefined();
  expect(r.orphans.filter((x) => x.account === RESTORER)).toEqual([]);

  // A redeploy with the same list changes nothing; an empty list removes the policy; B's cluster stays.
  const same = await h.owner.deploy(ownerTemplate(backupId, [RESTORER]));
  expect(same.changes).toEqual([]);
  const unshared = await h.owner.deploy(ownerTemplate(backupId, []));
  expect(unshared.outcome).toEqual({ status: 'success' });
  expect(sim.peekResourcePolicy(DR, copyId)).toBeUndefined();
  expect(sim.peekCluster(DR, clusterId, RESTORER)).toMatchObject({ State: 'ACTIVE' });

  // Shared again, then destroyed: the policy is removed before the copy is deleted.
  await h.owner.deploy(ownerTemplate(backupId, [RESTORER]));
  expect(sim.peekResourcePolicy(DR, copyId)).toBeDefined();
  expect((await h.restorer.destroy()).outcome).toEqual({ status: 'success' });
  expect(sim.peekCluster(DR, clusterId, RESTORER)).toMatchObject({ State: 'DELETED' });
  expect((await h.owner.destroy()).outcome).toEqual({ status: 'success' });
  expect(sim.peekBackup(DR, copyId)).toMatchObject({ BackupState: 'PENDING_DELETION' });
  expect(sim.peekResourcePolicy(DR, copyId)).toBeUndefined();
});

test('without the share, account B\'s restore from the ARN is refused (CloudHsmAccessDeniedException) and rolls back with nothing left in B', async () => {
  const backupId = seedBackup(sim, PRIMARY);
  const h = harnesses();
  const o = await h.owner.deploy(ownerTemplate(backupId));
  expect(o.outcome).toEqual({ status: 'success' });
  const copyId = copyOf(o).attributes.DestinationBackupId as string;
  expect(sim.peekResourcePolicy(DR, copyId)).toBeUndefined();
  // Sharing not asked for: the handler never touched the copy's policy.
  expect(o.apiCalls.PutResourcePolicy ?? 0).toBe(0);

  const r = await h.restorer.deploy(restorerTemplate(`arn:aws:cloudhsm:${DR}:${OWNER}:backup/${copyId}`));
  expect(r.outcome).toMatchObject({ status: 'failed', resourceType: 'Custom::CloudHsmCluster', rolledBack: true });
  expect((r.outcome as { message: string }).message).toContain(`Account ${RESTORER} is not authorized to perform cloudhsm:CreateCluster`);
  expect(sim.listResources().filter((x) => x.account === RESTORER && x.state !== 'DELETED')).toEqual([]);
});

test('synth refuses a backup ARN of another region than the cluster\'s, and an own-account or malformed share', () => {
  expect(() => restorerTemplate(`arn:aws:cloudhsm:${PRIMARY}:${OWNER}:backup/backup-aaaaaaaaaaa`))
    .toThrow(/is a backup in us-east-1, but the cluster is in us-west-2/);
  expect(() => ownerTemplate('backup-aaaaaaaaaaa', [OWNER])).toThrow(/is the copy's own account/);
  expect(() => ownerTemplate('backup-aaaaaaaaaaa', ['12345'])).toThrow(/"12345" is not an AWS account id/);
});

test('duplicated deliveries (concurrent) and a lost PutResourcePolicy response: one copy, one policy, B restores', async () => {
  const backupId = seedBackup(sim, PRIMARY);
  // The first PutResourcePolicy runs but its response is lost (the client retries it: the same policy again).
  sim.injectFault({ operation: 'PutResourcePolicy', kind: 'dropResponse', nthCall: 1 });
  const owner = new DeployHarness({
    sim,
    endpoint: server.url,
    stackName: 'Owner',
    region: PRIMARY,
    account: OWNER,
    seed: 3,
    faults: { duplicateOnEvent: { resourceType: 'Custom::CloudHsmBackupCopy', requestType: 'Create' }, duplicateConcurrently: true },
  });
  const o = await owner.deploy(ownerTemplate(backupId, [RESTORER]));
  expect(o.outcome).toEqual({ status: 'success' });
  expect(sim.calls.list().filter((c) => c.operation === 'PutResourcePolicy').map((c) => c.outcome)).toContain('dropped');
  const copies = sim.listResources().filter((x) => x.type === 'backup' && x.region === DR && x.state !== 'PENDING_DELETION');
  expect(copies).toHaveLength(1);
  const copyId = copies[0].id;
  expect(JSON.parse(sim.peekResourcePolicy(DR, copyId)!).Statement[0].Principal).toEqual({ AWS: [`arn:aws:iam::${RESTORER}:root`] });
  const r = await harnesses().restorer.deploy(restorerTemplate(`arn:aws:cloudhsm:${DR}:${OWNER}:backup/${copyId}`));
  expect(r.outcome).toEqual({ status: 'success' });
});
