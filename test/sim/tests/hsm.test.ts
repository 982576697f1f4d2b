// The HSM lifecycle on the simulator over HTTP, driving the bundled handler (assets/handler/index.js)
// through the Provider contract: onEvent once, then isComplete every 10 simulated seconds.
// Expected behaviour comes from the API reference and the service rules in DESIGN.md
// (one HSM until activated, CSR with the first HSM, DeleteHsm before DeleteCluster).
import * as path from 'path';
import { CloudHsmSimulator, notYetActivatedMessage, SimulatorServer, startSimulatorServer } from '..';
import { NOT_ACTIVATED_PATTERN } from '../../../src/private/rules';

const REGION = 'us-east-1';
const POLL_MS = 10_000;
const SUBNETS = ['subnet-00000000', 'subnet-00000001']; // us-east-1a, us-east-1b (derived subnets, sim README)

type Handler = {
  onEvent(e: any): Promise<any>;
  isComplete(e: any): Promise<any>;
};

let server: SimulatorServer;
let sim: CloudHsmSimulator;
let handler: Handler;
let requests = 0;

beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 7 });
  server = await startSimulatorServer(sim);
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
    AWS_ENDPOINT_URL_CLOUDHSM_V2: server.url,
    CDK_CLOUDHSM_QUIET: '1',
  });
  const assetPath = path.join(__dirname, '..', '..', '..', 'assets', 'handler', 'index.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = require(assetPath);
});

afterAll(async () => {
  await server.close();
  delete process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2;
});

/** One custom-resource request as the Provider framework runs it; returns the final response. */
async function run(type: 'Create' | 'Update' | 'Delete', resourceType: string, logicalId: string,
  props: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<any> {
  const event: any = {
    RequestType: type,
    RequestId: `req-${++requests}`,
    ResourceType: resourceType,
    LogicalResourceId: logicalId,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/sim/1',
    ResourceProperties: props,
    ...extra,
  };
  const started = await handler.onEvent(event);
  const polled = { ...event, ...started };
  for (let i = 0; i < 400; i++) {
    sim.advance(POLL_MS);
    const out = await handler.isComplete(polled);
    if (out.IsComplete) return { ...polled, ...out };
  }
  throw new Error(`${logicalId} did not complete`);
}

const clusterProps = { HsmType: 'hsm2m.medium', SubnetIds: SUBNETS, AllowReplacement: 'false' };

describe('HSMs on the simulator with the bundled handler', () => {
  let clusterId: string;
  let first: any;

  test('the first HSM becomes ACTIVE and brings the cluster CSR', async () => {
    const cluster = await run('Create', 'Custom::CloudHsmCluster', 'Cluster', clusterProps);
    clusterId = cluster.PhysicalResourceId;
    first = await run('Create', 'Custom::CloudHsmHsm', 'Hsm1', { ClusterId: clusterId, AvailabilityZone: 'us-east-1b' });
    expect(first.PhysicalResourceId).toMatch(/^cdk-cloudhsm:hsm:cluster-[2-7a-z]{11}:eni-[0-9a-f]{17}:hsm-[2-7a-zA-Z]{11,16}$/);
    expect(first.Data.AvailabilityZone).toBe('us-east-1b');
    expect(first.Data.EniIp).toMatch(/^10\.0\.1\.\d+$/); // in subnet-00000001's CIDR
    expect(first.Data.ClusterCsr).toContain('BEGIN CERTIFICATE REQUEST');
    expect(first.Data.HsmType).toBe('hsm2m.medium');
    expect(first.Data.EniIpV6).toBe(''); // an IPV4 cluster
    expect(sim.peekCluster(REGION, clusterId)?.Hsms).toHaveLength(1);
  });

  test('HsmType and EniIpV6 of an HSM in a DUALSTACK cluster pass through SDK 3.332.0, which does not know them', async () => {
    const cluster = await run('Create', 'Custom::CloudHsmCluster', 'Dual', { ...clusterProps, NetworkType: 'DUALSTACK' });
    const hsm = await run('Create', 'Custom::CloudHsmHsm', 'DualHsm', { ClusterId: cluster.PhysicalResourceId });
    const described = (sim.peekCluster(REGION, cluster.PhysicalResourceId)?.Hsms as any[])[0];
    expect(described.EniIpV6).toMatch(/^[0-9a-f:]+$/);
    expect(hsm.Data.EniIpV6).toBe(described.EniIpV6);
    expect(hsm.Data.HsmType).toBe('hsm2m.medium');
    await run('Delete', 'Custom::CloudHsmHsm', 'DualHsm', { ClusterId: cluster.PhysicalResourceId }, { PhysicalResourceId: hsm.PhysicalResourceId });
    await run('Delete', 'Custom::CloudHsmCluster', 'Dual', clusterProps, { PhysicalResourceId: cluster.PhysicalResourceId });
  });

  test('a second HSM before activation fails clearly and leaves nothing behind', async () => {
    await expect(run('Create', 'Custom::CloudHsmHsm', 'Hsm2', { ClusterId: clusterId }))
      .rejects.toThrow(/is UNINITIALIZED and already has 1 HSM.*initialized and activated/);
    expect(sim.peekCluster(REGION, clusterId)?.Hsms).toHaveLength(1);
  });

  test('the handler recognises the service\'s own refusal text', () => {
    // The simulator words the refusal as the live service does; CreateHsm errors are matched against it.
    expect(NOT_ACTIVATED_PATTERN.test(notYetActivatedMessage(clusterId))).toBe(true);
  });

  test('after activation a second HSM goes to the other AZ by default', async () => {
    sim.forceClusterState(REGION, clusterId, 'INITIALIZED');
    sim.activateCluster(REGION, clusterId);
    const second = await run('Create', 'Custom::CloudHsmHsm', 'Hsm2', { ClusterId: clusterId });
    expect(second.Data.AvailabilityZone).toBe('us-east-1a');
    expect(sim.peekCluster(REGION, clusterId)?.Hsms).toHaveLength(2);

    await run('Delete', 'Custom::CloudHsmHsm', 'Hsm2', { ClusterId: clusterId }, { PhysicalResourceId: second.PhysicalResourceId });
    expect((sim.peekCluster(REGION, clusterId)?.Hsms as any[]).map((h) => h.HsmId)).toEqual([first.Data.HsmId]);
  });

  test('with degradedRetries 0, a DEGRADED HSM fails the create and is deleted', async () => {
    const event: any = {
      RequestType: 'Create',
      RequestId: 'req-degraded',
      ResourceType: 'Custom::CloudHsmHsm',
      LogicalResourceId: 'Hsm3',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/sim/1',
      ResourceProperties: { ClusterId: clusterId, DegradedRetries: '0' },
    };
    const polled = { ...event, ...(await handler.onEvent(event)) };
    sim.advance(POLL_MS);
    await handler.isComplete(polled); // CreateHsm
    const created = (sim.peekCluster(REGION, clusterId)?.Hsms as any[]).find((h) => h.HsmId !== first.Data.HsmId);
    sim.degradeHsm(REGION, created.HsmId, 'HSM failed to boot');
    await expect(handler.isComplete(polled)).rejects.toThrow(/is DEGRADED \(HSM failed to boot\); it was deleted/);
    sim.advance(30 * 60_000);
    expect((sim.peekCluster(REGION, clusterId)?.Hsms as any[]).map((h) => h.HsmId)).toEqual([first.Data.HsmId]);
  });

  test('delete HSM then cluster leaves nothing', async () => {
    await run('Delete', 'Custom::CloudHsmHsm', 'Hsm1', { ClusterId: clusterId }, { PhysicalResourceId: first.PhysicalResourceId });
    await run('Delete', 'Custom::CloudHsmCluster', 'Cluster', clusterProps, { PhysicalResourceId: clusterId });
    const left = sim.listResources().filter((r: any) => r.type !== 'backup' && r.state !== 'DELETED');
    expect(left).toEqual([]);
  });
});

describe('CreateHsm concurrency rules of the simulator', () => {
  const api = (op: string, input: unknown): any => sim.handle(REGION, op, input);
  const newCluster = (): string => {
    const id = api('CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: SUBNETS }).Cluster.ClusterId;
    sim.advance(sim.timings.clusterCreateMs);
    return id;
  };
  const refusal = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return `${(e as any).type ?? (e as Error).name}: ${(e as Error).message}`;
    }
    return 'no error';
  };

  test('an ACTIVE cluster takes several CreateHsm at once: created in parallel, ACTIVE together, the cluster stays ACTIVE', () => {
    const clusterId = newCluster();
    sim.forceClusterState(REGION, clusterId, 'ACTIVE');
    // An ACTIVE cluster without HSMs restores its latest READY backup onto the first (restore.test.ts).
    sim.createBackup(REGION, clusterId);
    const created = ['us-east-1a', 'us-east-1b', 'us-east-1a'].map((az) => api('CreateHsm', { ClusterId: clusterId, AvailabilityZone: az }).Hsm);
    expect(created.map((h: any) => h.State)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS']);
    expect(sim.peekCluster(REGION, clusterId)!.State).toBe('ACTIVE');
    sim.advance(sim.timings.hsmCreateMs + sim.timings.hsmRestoreMs);
    expect((sim.peekCluster(REGION, clusterId)!.Hsms as any[]).map((h) => h.State)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
  });

  test('a second CreateHsm for an address in use is refused', () => {
    const clusterId = newCluster();
    sim.forceClusterState(REGION, clusterId, 'ACTIVE');
    sim.createBackup(REGION, clusterId);
    const input = { ClusterId: clusterId, AvailabilityZone: 'us-east-1a', IpAddress: '10.0.0.254' };
    expect(api('CreateHsm', input).Hsm.EniIp).toBe('10.0.0.254');
    expect(refusal(() => api('CreateHsm', input))).toMatch(/CloudHsmInvalidRequestException: IpAddress '10\.0\.0\.254' is already in use/);
  });

  test('before activation a second CreateHsm is refused even while the first HSM is still being created', () => {
    const clusterId = newCluster();
    api('CreateHsm', { ClusterId: clusterId, AvailabilityZone: 'us-east-1a' });
    expect(refusal(() => api('CreateHsm', { ClusterId: clusterId, AvailabilityZone: 'us-east-1b' })))
      .toBe(`CloudHsmInvalidRequestException: ${notYetActivatedMessage(clusterId)}`);
  });
});
