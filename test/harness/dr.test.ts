// examples/dr through the deploy harness on the simulator: the primary stack (us-east-1) copies a
// backup to us-west-2, the DR stack there restores a cluster from the copy (read through CDK's
// cross-region reference), then both are destroyed according to their removal policies.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeployHarness } from './engine';
import { resetCrossRegionParameters } from './native';
import { CfnTemplate } from './types';
import { drApp } from '../../examples/dr/app';
import { seedBackup } from '../fault/suite';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '../sim';

const PRIMARY = 'us-east-1';
const DR = 'us-west-2';

function templates(props: { backupId?: string; destroyOnRemoval?: boolean }): { primary: CfnTemplate; dr: CfnTemplate } {
  const { app } = drApp(props, mkdtempSync(path.join(tmpdir(), 'cdk-cloudhsm-dr-')));
  const assembly = app.synth();
  return {
    primary: assembly.getStackByName('CloudHsmDrPrimary').template as CfnTemplate,
    dr: assembly.getStackByName('CloudHsmDrRestore').template as CfnTemplate,
  };
}

let server: SimulatorServer;
let sim: CloudHsmSimulator;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 5 });
  server = await startSimulatorServer(sim);
});
afterAll(() => server.close());
beforeEach(() => {
  sim.reset();
  resetCrossRegionParameters();
});

test('DR example: copy READY in the destination region, restored cluster ACTIVE there, destroyed with nothing orphaned', async () => {
  const backupId = seedBackup(sim, PRIMARY);
  const t = templates({ backupId, destroyOnRemoval: true });
  const primary = new DeployHarness({ sim, endpoint: server.url, stackName: 'CloudHsmDrPrimary', region: PRIMARY });
  const dr = new DeployHarness({ sim, endpoint: server.url, stackName: 'CloudHsmDrRestore', region: DR });

  const p = await primary.deploy(t.primary);
  expect(p.outcome).toEqual({ status: 'success' });
  const copy = Object.values(p.resources).find((r) => r.type === 'Custom::CloudHsmBackupCopy')!;
  const copyId = copy.attributes.DestinationBackupId as string;
  expect(copyId).toMatch(/^backup-[2-7a-zA-Z]{11,16}$/);
  expect(sim.peekBackup(DR, copyId)).toMatchObject({ BackupState: 'READY', SourceBackup: backupId, SourceRegion: PRIMARY });

  const d = await dr.deploy(t.dr);
  expect(d.outcome).toEqual({ status: 'success' });
  const restored = sim.peekCluster(DR, d.outputs.ClusterId) as any;
  expect(restored).toMatchObject({ State: 'ACTIVE', SourceBackupId: copyId });

  expect((await dr.destroy()).outcome).toEqual({ status: 'success' });
  expect((await primary.destroy()).outcome).toEqual({ status: 'success' });
  const live = sim.listResources().filter((r) => r.type !== 'backup' && r.state !== 'DELETED');
  expect(live).toEqual([]);
  // The copy was deleted (DESTROY): CloudHSM keeps it PENDING_DELETION for 7 days.
  expect(sim.peekBackup(DR, copyId)).toMatchObject({ BackupState: 'PENDING_DELETION' });
});

test('DR example with the default policies: the copy and both clusters are kept, and reported as retained', async () => {
  const backupId = seedBackup(sim, PRIMARY);
  const t = templates({ backupId });
  const primary = new DeployHarness({ sim, endpoint: server.url, stackName: 'CloudHsmDrPrimary', region: PRIMARY });
  const dr = new DeployHarness({ sim, endpoint: server.url, stackName: 'CloudHsmDrRestore', region: DR });
  await primary.deploy(t.primary);
  await dr.deploy(t.dr);
  const d = await dr.destroy();
  const p = await primary.destroy();
  // The flow logs of each VPC are kept like the cluster (RetainExceptOnCreate).
  expect(d.retained.map((r) => r.type).sort()).toEqual(['AWS::Logs::LogGroup', 'Custom::CloudHsmCluster']);
  expect(p.retained.map((r) => r.type).sort()).toEqual(['AWS::Logs::LogGroup', 'Custom::CloudHsmBackupCopy', 'Custom::CloudHsmCluster']);
  // Left in the simulator: the two retained clusters, the retained copy, and the backup this test made.
  const left = sim.listResources().filter((r) => r.state !== 'DELETED');
  const clusters = [...p.retained, ...d.retained].filter((r) => r.type === 'Custom::CloudHsmCluster').map((r) => r.physicalId);
  expect(left.filter((r) => r.type === 'cluster').map((r) => r.id).sort()).toEqual(clusters.sort());
  const backups = left.filter((r) => r.type === 'backup');
  expect(backups.map((b) => [b.region, b.region === PRIMARY ? b.id : (sim.peekBackup(DR, b.id) as any).SourceBackup]).sort())
    .toEqual([[PRIMARY, backupId], [DR, backupId]]);
});
