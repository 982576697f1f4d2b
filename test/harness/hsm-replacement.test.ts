// HSMs the service replaces (new HSM id on the same ENI) and HSMs that go DEGRADED while being
// created, through the deploy harness with the bundled handler on the simulator (issues #29, #26).
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployHarness } from './engine';
import { CfnTemplate, DeployedResource, DeploymentReport } from './types';
import { HsmCluster } from '../../src';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '../sim';

const REGION = 'us-east-1';

interface Shape {
  readonly hsms: number;
  readonly activated?: boolean;
  readonly degradedRetries?: number;
  readonly retentionDays?: number;
}

function template(shape: Shape): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Replaced', { env: { account: '123456789012', region: REGION } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc, removalPolicy: RemovalPolicy.DESTROY, activated: shape.activated, backupRetention: Duration.days(shape.retentionDays ?? 90),
  });
  for (let i = 1; i <= shape.hsms; i++) {
    const hsm = cluster.addHsm(`Hsm${i}`, { degradedRetries: shape.degradedRetries });
    new CfnOutput(stack, `Hsm${i}Id`, { value: hsm.hsmId });
    new CfnOutput(stack, `Hsm${i}Ip`, { value: hsm.eniIp });
  }
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  return app.synth().getStackByName('Replaced').template as CfnTemplate;
}

let server: SimulatorServer;
let sim: CloudHsmSimulator;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 29 });
  server = await startSimulatorServer(sim);
});
afterAll(() => server.close());
beforeEach(() => sim.reset());

const harness = (faults?: ConstructorParameters<typeof DeployHarness>[0]['faults']) =>
  new DeployHarness({ sim, endpoint: server.url, stackName: 'Replaced', faults });
const hsmsOf = (clusterId: string): any[] => (sim.peekCluster(REGION, clusterId)?.Hsms as any[]) ?? [];
const createHsmCalls = () => sim.calls.list().filter((c) => c.operation === 'CreateHsm' && c.outcome === 'ok').length;
const nothingButBackups = (left: readonly { type: string }[]) => left.filter((r) => r.type !== 'backup');

/** A cluster activated by hand (as the user does), then `hsms` HSMs added by an update. */
async function deployFleet(h: DeployHarness, hsms: number): Promise<{ clusterId: string; outputs: Record<string, string> }> {
  const first = await h.deploy(template({ hsms: 0 }));
  expect(first.outcome).toEqual({ status: 'success' });
  const clusterId = first.outputs.ClusterId;
  sim.forceClusterState(REGION, clusterId, 'INITIALIZED');
  sim.activateCluster(REGION, clusterId);
  const fleet = await h.deploy(template({ hsms, activated: true }));
  expect(fleet.outcome).toEqual({ status: 'success' });
  expect(hsmsOf(clusterId)).toHaveLength(hsms);
  return { clusterId, outputs: { ...fleet.outputs } };
}

/** The service replaces the HSM and the replacement becomes ACTIVE. */
function replaceAndWait(hsmId: string) {
  const r = sim.replaceHsm(REGION, hsmId);
  sim.advance(60 * 60_000);
  return r;
}

describe('#29: the service replaces an HSM of a deployed fleet', () => {
  test('(a) an unchanged redeploy, and a redeploy that updates every HSM resource, make no CreateHsm; (c) the update reports the new HSM id', async () => {
    const h = harness();
    const { clusterId, outputs } = await deployFleet(h, 3);
    const r = replaceAndWait(outputs.Hsm2Id);
    expect(hsmsOf(clusterId).map((x) => x.HsmId)).toContain(r.newHsmId);
    sim.calls.reset();

    const unchanged = await h.deploy(template({ hsms: 3, activated: true }));
    expect(unchanged.outcome).toEqual({ status: 'success' });
    const updated = await h.deploy(template({ hsms: 3, activated: true, degradedRetries: 2 }));
    expect(updated.outcome).toEqual({ status: 'success' });
    expect(createHsmCalls()).toBe(0);
    expect(hsmsOf(clusterId)).toHaveLength(3);
    expect(updated.outputs.Hsm2Id).toBe(r.newHsmId);
    expect(updated.outputs.Hsm2Ip).toBe(outputs.Hsm2Ip);
    expect([updated.outputs.Hsm1Id, updated.outputs.Hsm3Id]).toEqual([outputs.Hsm1Id, outputs.Hsm3Id]);
    // The physical ids did not change: CloudFormation replaced nothing.
    expect(updated.transitions.filter((t) => t.kind === 'resource' && t.resourceType === 'Custom::CloudHsmHsm' && /DELETE/.test(t.status))).toEqual([]);
  });

  test('(b) destroy after a replacement deletes the replacement HSM and, under DESTROY, the cluster', async () => {
    const h = harness();
    const { outputs } = await deployFleet(h, 3);
    replaceAndWait(outputs.Hsm1Id);
    const destroyed = await h.destroy();
    expect(destroyed.outcome).toEqual({ status: 'success' });
    sim.advance(2 * 60 * 60_000);
    expect(nothingButBackups(destroyed.leftInSimulator)).toEqual([]);
    expect(sim.listResources().filter((r) => r.type !== 'backup' && r.state !== 'DELETED')).toEqual([]);
  });

  test('destroy while the failed HSM is still DEGRADED (before the replacement appears) deletes it, and nothing comes back', async () => {
    const h = harness();
    const { outputs } = await deployFleet(h, 2);
    sim.replaceHsm(REGION, outputs.Hsm1Id, { failedMs: 30 * 60_000 });
    const destroyed = await h.destroy();
    expect(destroyed.outcome).toEqual({ status: 'success' });
    sim.advance(2 * 60 * 60_000);
    expect(sim.listResources().filter((r) => r.type !== 'backup' && r.state !== 'DELETED')).toEqual([]);
  });
});

describe('stacks deployed by earlier versions (HSM resources whose physical id is the bare HSM id)', () => {
  /** Puts the stack's HSM resources in the state an earlier version left them in: physical id = HSM id. */
  function asEarlierVersion(h: DeployHarness): void {
    const resources = (h as unknown as { resources: Map<string, DeployedResource> }).resources;
    for (const [id, r] of resources) {
      if (r.type !== 'Custom::CloudHsmHsm') continue;
      const { DegradedHsmIds: _, ...attributes } = r.attributes as Record<string, unknown>;
      resources.set(id, { ...r, physicalId: String(r.attributes.HsmId), attributes });
    }
  }
  const hsmPhysicalIds = (r: DeploymentReport) => Object.values(r.resources).filter((x) => x.type === 'Custom::CloudHsmHsm').map((x) => x.physicalId).sort();

  test('upgrading replaces nothing; after a service replacement an update follows it by address, and destroy deletes it', async () => {
    const h = harness();
    const { clusterId, outputs } = await deployFleet(h, 2);
    asEarlierVersion(h);
    sim.calls.reset();
    const upgraded = await h.deploy(template({ hsms: 2, activated: true, degradedRetries: 2 }));
    expect(upgraded.outcome).toEqual({ status: 'success' });
    expect(hsmPhysicalIds(upgraded)).toEqual([outputs.Hsm1Id, outputs.Hsm2Id].sort());
    expect(upgraded.transitions.filter((t) => t.kind === 'resource' && t.resourceType === 'Custom::CloudHsmHsm' && /DELETE/.test(t.status))).toEqual([]);
    expect(createHsmCalls()).toBe(0);

    const r = replaceAndWait(outputs.Hsm1Id);
    const followed = await h.deploy(template({ hsms: 2, activated: true, degradedRetries: 3 }));
    expect(followed.outcome).toEqual({ status: 'success' });
    expect(followed.outputs.Hsm1Id).toBe(r.newHsmId);
    expect(hsmPhysicalIds(followed)).toEqual([outputs.Hsm1Id, outputs.Hsm2Id].sort());
    expect(createHsmCalls()).toBe(0);
    expect(hsmsOf(clusterId)).toHaveLength(2);

    const destroyed = await h.destroy();
    expect(destroyed.outcome).toEqual({ status: 'success' });
    expect(nothingButBackups(destroyed.leftInSimulator)).toEqual([]);
  });
});

describe('#29 (d): a replacement during a deployment ends with exactly the declared HSMs', () => {
  test('an HSM replaced between its create and ACTIVE', async () => {
    let replaced: string | undefined;
    const h = harness({
      beforeInvoke: (info) => {
        if (replaced || info.fn !== 'isComplete' || info.event.ResourceType !== 'Custom::CloudHsmHsm' || info.attempt < 2) return;
        const inFlight = sim.listResources().find((r) => r.type === 'hsm' && r.state === 'CREATE_IN_PROGRESS');
        if (inFlight) replaced = sim.replaceHsm(REGION, inFlight.id, { failedMs: 0 }).newHsmId;
      },
    });
    const { clusterId } = await deployFleet(h, 3);
    expect(replaced).toBeDefined();
    expect(hsmsOf(clusterId).map((x) => x.State)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    expect(hsmsOf(clusterId).map((x) => x.HsmId)).toContain(replaced);
    const destroyed = await h.destroy();
    expect(destroyed.outcome).toEqual({ status: 'success' });
    expect(nothingButBackups(destroyed.leftInSimulator)).toEqual([]);
  });

  test('an HSM replaced while the cluster is being updated, in the update that adds two more', async () => {
    let hook: (() => void) | undefined;
    const h = harness({ beforeInvoke: () => hook?.() });
    const { clusterId, outputs } = await deployFleet(h, 1);
    let replaced = false;
    hook = () => {
      if (replaced || (sim.peekCluster(REGION, clusterId) as any)?.State !== 'UPDATE_IN_PROGRESS') return;
      replaced = true;
      sim.replaceHsm(REGION, outputs.Hsm1Id, { failedMs: 60_000 });
    };
    const updated = await h.deploy(template({ hsms: 3, activated: true, retentionDays: 30 }));
    expect(updated.outcome).toEqual({ status: 'success' });
    expect(replaced).toBe(true);
    sim.advance(60 * 60_000);
    expect(hsmsOf(clusterId)).toHaveLength(3);
    expect(hsmsOf(clusterId).map((x) => x.HsmId)).not.toContain(outputs.Hsm1Id);
    const destroyed = await h.destroy();
    expect(destroyed.outcome).toEqual({ status: 'success' });
    expect(nothingButBackups(destroyed.leftInSimulator)).toEqual([]);
  });
});

describe('#26: an HSM that goes DEGRADED on create', () => {
  test('is replaced once and the deployment succeeds; its id is recorded in DegradedHsmIds; the cluster keeps no record tag', async () => {
    const h = harness();
    sim.failHsmCreates(REGION, 1, 'HSM hardware initialization failed.');
    const created = await h.deploy(template({ hsms: 1 }));
    expect(created.outcome).toEqual({ status: 'success' });
    const clusterId = created.outputs.ClusterId;
    expect(hsmsOf(clusterId).map((x) => x.State)).toEqual(['ACTIVE']);
    expect(createHsmCalls()).toBe(2);
    const hsm = Object.values(created.resources).find((r) => r.type === 'Custom::CloudHsmHsm')!;
    expect(hsm.attributes?.DegradedHsmIds).toMatch(/^hsm-\w+$/);
    expect(hsm.attributes?.DegradedHsmIds).not.toBe(hsm.attributes?.HsmId);
    expect(((sim.peekCluster(REGION, clusterId) as any).TagList ?? []).filter((t: any) => /degraded/.test(t.Key))).toEqual([]);
    const destroyed = await h.destroy();
    expect(destroyed.leftInSimulator).toEqual([]);
  });

  test('a second DEGRADED fails the deployment with the StateMessage; the rollback leaves nothing', async () => {
    const h = harness();
    sim.failHsmCreates(REGION, 2, 'HSM hardware initialization failed.');
    const report = await h.deploy(template({ hsms: 1 }));
    expect(report.outcome.status).toBe('failed');
    if (report.outcome.status !== 'failed') return;
    expect(report.outcome.logicalId).toMatch(/^ClusterHsm1/);
    expect(report.outcome.message).toMatch(/is DEGRADED \(HSM hardware initialization failed\.\); it was deleted; 2 HSMs of this create went DEGRADED/);
    expect(report.stackStatus).toBe('ROLLBACK_COMPLETE');
    sim.advance(2 * 60 * 60_000);
    expect(sim.listResources().filter((r) => r.state !== 'DELETED')).toEqual([]);
  });

  test('on an active cluster, 3 HSMs created together with 2 of them DEGRADED once: each replaced at its own address', async () => {
    const h = harness();
    const first = await h.deploy(template({ hsms: 0 }));
    const clusterId = first.outputs.ClusterId;
    sim.forceClusterState(REGION, clusterId, 'INITIALIZED');
    sim.activateCluster(REGION, clusterId);
    sim.failHsmCreates(REGION, 2);
    const fleet = await h.deploy(template({ hsms: 3, activated: true }));
    expect(fleet.outcome).toEqual({ status: 'success' });
    const hsms = hsmsOf(clusterId);
    expect(hsms.map((x) => x.State)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    expect(hsms.map((x) => x.EniIp).sort()).toEqual([fleet.outputs.Hsm1Ip, fleet.outputs.Hsm2Ip, fleet.outputs.Hsm3Ip].sort());
    expect(createHsmCalls()).toBe(5);
    const destroyed = await h.destroy();
    expect(nothingButBackups(destroyed.leftInSimulator)).toEqual([]);
  });
});
