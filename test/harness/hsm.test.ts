// HSM lifecycles through the deploy harness with the bundled handler on the simulator: one HSM
// created and destroyed; two HSMs on a new cluster refused and rolled back; HSMs added by an update
// after the cluster was initialized and activated, created and deleted together.
import { App, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployHarness } from './engine';
import { CfnTemplate } from './types';
import { HsmCluster } from '../../src';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '../sim';

const REGION = 'us-east-1';

function template(hsms: number, activated = false): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Hsms', { env: { account: '123456789012', region: REGION } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, removalPolicy: RemovalPolicy.DESTROY, activated });
  for (let i = 1; i <= hsms; i++) {
    const hsm = cluster.addHsm(`Hsm${i}`);
    new CfnOutput(stack, `Hsm${i}Az`, { value: hsm.availabilityZone });
    if (i === 1) new CfnOutput(stack, 'ClusterCsr', { value: hsm.clusterCsr });
  }
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  return app.synth().getStackByName('Hsms').template as CfnTemplate;
}

let server: SimulatorServer;
let sim: CloudHsmSimulator;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 11 });
  server = await startSimulatorServer(sim);
});
afterAll(() => server.close());
beforeEach(() => sim.reset());

const harness = () => new DeployHarness({ sim, endpoint: server.url, stackName: 'Hsms' });
const hsmsOf = (clusterId: string): any[] => (sim.peekCluster(REGION, clusterId)?.Hsms as any[]) ?? [];

/** Deploys the cluster with `hsms` HSMs, then does what the user does: InitializeCluster, activation with the CloudHSM CLI. */
async function deployActivated(h: DeployHarness, hsms: number): Promise<string> {
  const first = await h.deploy(template(hsms));
  expect(first.outcome).toEqual({ status: 'success' });
  const clusterId = first.outputs.ClusterId;
  sim.forceClusterState(REGION, clusterId, 'INITIALIZED');
  sim.activateCluster(REGION, clusterId);
  // The activation's backup is READY before HSMs are added (the first HSM of a cluster without
  // HSMs waits for a backup still being made: lambda/hsm-restore.ts).
  sim.advance(sim.timings.backupCreateMs);
  return clusterId;
}

test('cluster + 1 HSM: created with the CSR as output, destroyed with nothing left', async () => {
  const h = harness();
  const created = await h.deploy(template(1));
  expect(created.outcome).toEqual({ status: 'success' });
  const clusterId = created.outputs.ClusterId;
  expect(hsmsOf(clusterId).map((x) => [x.State, x.AvailabilityZone])).toEqual([['ACTIVE', 'us-east-1a']]);
  expect(created.outputs.ClusterCsr).toContain('BEGIN CERTIFICATE REQUEST');
  expect(created.orphans).toEqual([]);

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  expect(destroyed.leftInSimulator).toEqual([]);
});

test('cluster + 2 HSMs on an uninitialized cluster: a clear error, rolled back, nothing orphaned', async () => {
  const h = harness();
  const report = await h.deploy(template(2));
  expect(report.outcome.status).toBe('failed');
  if (report.outcome.status !== 'failed') return;
  expect(report.outcome.logicalId).toMatch(/^ClusterHsm2/);
  expect(report.outcome.message).toMatch(/cluster cluster-\w+ is UNINITIALIZED and already has 1 HSM\(s\) .*initialized and activated/);
  expect(report.outcome.rolledBack).toBe(true);
  expect(report.stackStatus).toBe('ROLLBACK_COMPLETE');
  expect(report.leftInSimulator).toEqual([]);
  expect(report.orphans).toEqual([]);
});

test('after initialization and activation an update adds a second and third HSM', async () => {
  const h = harness();
  const clusterId = await deployActivated(h, 1);
  const updated = await h.deploy(template(3, true));
  expect(updated.outcome).toEqual({ status: 'success' });
  expect(hsmsOf(clusterId).map((x) => x.AvailabilityZone).sort()).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b']);
  expect([updated.outputs.Hsm1Az, updated.outputs.Hsm2Az, updated.outputs.Hsm3Az]).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1a']);
  // Together: the third HSM's create starts before the second completed.
  const t = updated.transitions.filter((x) => x.kind === 'resource');
  const done2 = t.find((x) => x.logicalId.startsWith('ClusterHsm2') && x.status === 'CREATE_COMPLETE')!;
  const start3 = t.find((x) => x.logicalId.startsWith('ClusterHsm3') && x.status === 'CREATE_IN_PROGRESS')!;
  expect(start3.seq).toBeLessThan(done2.seq);

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  // HSM deletions of an active cluster leave the service's own backups; no cluster or HSM is left.
  expect(destroyed.leftInSimulator.filter((r) => r.type !== 'backup')).toEqual([]);
  expect(destroyed.orphans.filter((r) => r.type !== 'backup')).toEqual([]);
});

test('3 HSMs added to an activated cluster: created at the same moment, deployed in one HSM creation (and restore) time, deleted together', async () => {
  const h = harness();
  const clusterId = await deployActivated(h, 0);
  const added = await h.deploy(template(3, true));
  expect(added.outcome).toEqual({ status: 'success' });
  const hsmStarts = added.transitions.filter((x) => x.kind === 'resource' && x.resourceType === 'Custom::CloudHsmHsm' && x.status === 'CREATE_IN_PROGRESS');
  expect(hsmStarts).toHaveLength(3);
  expect(new Set(hsmStarts.map((x) => x.elapsedMs)).size).toBe(1);
  const creates = sim.calls.list().filter((c) => c.operation === 'CreateHsm');
  expect(creates.map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok']);
  expect(new Set(creates.map((c) => c.virtualMs)).size).toBe(1);
  // The cluster was ACTIVE with no HSM: the first one is made from its latest backup (the activation's),
  // so the critical path is one HSM creation and that restore (test/sim/cluster-content.ts).
  expect(added.simulatedMs).toBeLessThanOrEqual(1.02 * (sim.timings.hsmCreateMs + sim.timings.hsmRestoreMs));
  const hsms = hsmsOf(clusterId);
  expect(hsms.map((x) => x.State)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
  expect(new Set(hsms.map((x) => x.EniIp)).size).toBe(3);

  sim.calls.reset();
  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  const deletes = sim.calls.list().filter((c) => c.operation === 'DeleteHsm' && c.outcome === 'ok');
  expect(deletes).toHaveLength(3);
  expect(new Set(deletes.map((c) => c.virtualMs)).size).toBe(1);
  expect(destroyed.leftInSimulator.filter((r) => r.type !== 'backup')).toEqual([]);
});

describe('every create delivered twice at the same moment (each delivery starts its own waiter execution)', () => {
  const duplicated = () => new DeployHarness({
    sim, endpoint: server.url, stackName: 'Hsms', faults: { duplicateOnEvent: { requestType: 'Create' }, duplicateConcurrently: true },
  });

  test('cluster + 1 HSM: the CreateHsm the service refuses (the other execution\'s went first) waits; one HSM, nothing orphaned', async () => {
    const h = duplicated();
    const created = await h.deploy(template(1));
    expect(created.outcome).toEqual({ status: 'success' });
    expect(created.warnings.filter((w) => /responded differently/.test(w))).toEqual([]);
    const clusterId = created.outputs.ClusterId;
    expect(hsmsOf(clusterId).map((x) => x.State)).toEqual(['ACTIVE']);
    const hsmCalls = sim.calls.list().filter((c) => c.operation === 'CreateHsm').map((c) => c.outcome);
    expect(hsmCalls.filter((o) => o === 'ok')).toHaveLength(1);

    const destroyed = await h.destroy();
    expect(destroyed.outcome).toEqual({ status: 'success' });
    sim.advance(2 * 60 * 60_000);
    expect(sim.listResources().filter((r) => r.state !== 'DELETED')).toEqual([]);
  });

  // HSMs carry no tags: the address each resource owns is what lets the second execution find the first's HSM.
  test('on an ACTIVE cluster, 3 HSMs each delivered twice at the same moment: one HSM each, the cluster deleted at the end', async () => {
    const h = new DeployHarness({
      sim,
      endpoint: server.url,
      stackName: 'Hsms',
      faults: { duplicateOnEvent: (e) => e.RequestType === 'Create' && e.ResourceType === 'Custom::CloudHsmHsm', duplicateConcurrently: true },
    });
    const clusterId = await deployActivated(h, 0);
    const added = await h.deploy(template(3, true));
    expect(added.outcome).toEqual({ status: 'success' });
    expect(added.warnings.filter((w) => /responded differently/.test(w))).toEqual([]);
    expect(hsmsOf(clusterId)).toHaveLength(3);
    const creates = sim.calls.list().filter((c) => c.operation === 'CreateHsm');
    expect(creates.filter((c) => c.outcome === 'ok')).toHaveLength(3);
    expect(creates.filter((c) => c.outcome === 'error')).toHaveLength(3);

    const destroyed = await h.destroy();
    expect(destroyed.outcome).toEqual({ status: 'success' });
    sim.advance(2 * 60 * 60_000);
    expect(sim.listResources().filter((r) => r.type !== 'backup' && r.state !== 'DELETED')).toEqual([]);
  });
});
