// A BackupCopy of a cluster created in the same deployment (the README's disaster-recovery
// snippet before it said to activate first): CloudHSM makes a cluster's first backup when it is
// activated, so the copy comes after the cluster's HSM and initialization and waits, within a bound,
// for that backup. Through the deploy harness with the bundled handler on the simulator.
import { App, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployHarness } from './engine';
import { InvocationInfo } from './faults';
import { CfnTemplate, DeploymentReport } from './types';
import { BackupCopy, ClusterInitialization, HsmCluster } from '../../src';
import { pemChain } from '../fixtures/pem';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '../sim';

const REGION = 'us-east-1';
const DR = 'us-west-2';
const COPY_TYPE = 'Custom::CloudHsmBackupCopy';

function template(): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Primary', { env: { account: '123456789012', region: REGION } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc,
    removalPolicy: RemovalPolicy.DESTROY,
    initialization: ClusterInitialization.fromCertificates({ signedCertificate: pemChain(1500), trustAnchor: pemChain(1200) }),
  });
  new BackupCopy(stack, 'DrCopy', { cluster, destinationRegion: DR, neverExpires: true, removalPolicy: RemovalPolicy.DESTROY });
  cluster.addHsm('Hsm1'); // declared after the copy: the copy still comes after it
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  return app.synth().getStackByName('Primary').template as CfnTemplate;
}

/** The deploy transitions of the custom resources ("<type> <status>"), in the order they happened. */
function timeline(report: DeploymentReport): string[] {
  return report.transitions
    .filter((t) => t.kind === 'resource' && t.custom && t.phase === 'deploy')
    .map((t) => `${(t as any).resourceType} ${t.status}`);
}

/**
 * What is left that nobody accounts for, besides the backups CloudHSM itself made of the stack's
 * cluster (on activation, on DeleteHsm): the service keeps those after the cluster is deleted.
 */
function unexpectedOrphans(report: DeploymentReport): unknown[] {
  const clusters = new Set(sim.listResources().filter((r) => r.type === 'cluster').map((r) => r.id));
  return report.orphans.filter((o) => !(o.type === 'backup' && o.region === REGION && clusters.has(o.clusterId ?? '')));
}

let server: SimulatorServer;
let sim: CloudHsmSimulator;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 41 });
  server = await startSimulatorServer(sim);
});
afterAll(() => server.close());
beforeEach(() => sim.reset());

test('activated while the copy waits: the first backup is copied in the same deployment', async () => {
  const copyPolls: number[] = [];
  let activatedAtPoll = 0;
  const beforeInvoke = (info: InvocationInfo) => {
    if (info.event.ResourceType !== COPY_TYPE || info.fn !== 'isComplete' || info.phase !== 'deploy') return;
    copyPolls.push(info.attempt);
    // The operator activates the cluster with the CloudHSM CLI a few minutes into the wait.
    const cluster = sim.listResources().find((r) => r.type === 'cluster' && r.state === 'INITIALIZED');
    if (cluster && info.attempt === 30) {
      sim.activateCluster(REGION, cluster.id);
      activatedAtPoll = info.attempt;
    }
  };
  const h = new DeployHarness({ sim, endpoint: server.url, stackName: 'Primary', faults: { beforeInvoke } });
  const created = await h.deploy(template());
  expect(created.outcome).toEqual({ status: 'success' });
  expect(activatedAtPoll).toBe(30);
  expect(copyPolls.length).toBeGreaterThan(30);

  // The copy started only once the HSM and the initialization had completed.
  const order = timeline(created);
  const copyDone = order.indexOf(`${COPY_TYPE} CREATE_COMPLETE`);
  expect(copyDone).toBeGreaterThan(order.indexOf('Custom::CloudHsmHsm CREATE_COMPLETE'));
  expect(copyDone).toBeGreaterThan(order.indexOf('Custom::CloudHsmClusterInitialization CREATE_COMPLETE'));

  // What was copied is the backup activation made, and the copy is READY in the DR region.
  const clusterId = created.outputs.ClusterId;
  const copy = Object.values(created.resources).find((r) => r.type === COPY_TYPE)!;
  const source = copy.attributes.SourceBackupId as string;
  expect(sim.peekBackup(REGION, source)).toMatchObject({ ClusterId: clusterId, BackupState: 'READY' });
  expect(sim.peekBackup(DR, copy.attributes.DestinationBackupId as string)).toMatchObject({
    BackupState: 'READY', SourceBackup: source, NeverExpires: true,
  });
  expect(copy.physicalId).toMatch(new RegExp(`^${DR}/${source}/`));

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  expect(unexpectedOrphans(destroyed)).toEqual([]);
});

test('never activated: the copy fails after its bounded wait with a clear error, and the rollback leaves nothing', async () => {
  const h = new DeployHarness({ sim, endpoint: server.url, stackName: 'Primary' });
  const started = sim.clock.now();
  const created = await h.deploy(template());
  expect(created.outcome).toMatchObject({
    status: 'failed',
    resourceType: COPY_TYPE,
    rolledBack: true,
  });
  const message = (created.outcome as any).message as string;
  expect(message).toMatch(/^BackupCopy DrCopy[0-9A-F]*: cluster cluster-\w+ has no READY backup in us-east-1 after 25 minutes, so there is nothing to copy\. /);
  expect(message).toContain('CloudHSM makes a cluster\'s first backup when the cluster is activated');
  // Bounded by the handler, before the provider's own time-out (50 minutes) would say only "Operation timed out".
  expect(sim.clock.now() - started).toBeLessThan(50 * 60_000);
  expect(unexpectedOrphans(created)).toEqual([]);
  expect(sim.listResources().filter((r) => r.type !== 'backup' && r.state !== 'DELETED')).toEqual([]);
});
