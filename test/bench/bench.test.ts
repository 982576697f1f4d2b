// Structural facts behind docs/benchmarks.md (no timing assertions): one provider and a constant
// number of Lambda functions per stack whatever the number of clusters, at most one
// DescribeClusters call per resource per poll over a whole cluster + 2 HSMs deployment (two in an
// HSM's onEvent, which also lists the VPC's HSMs), and HSMs added to an activated cluster together;
// on the virtual clock, a new cluster to ACTIVE with 3 HSMs, and nothing to a CONNECTED key store with a
// key, each within 1.02x the service's critical path.
import { runActivationDeploy } from './activation';
import { apiCallsOf, costByResource, runDeploy } from './deploy';
import { chained, runFleetDeploy } from './fleet';
import { runKeyStoreDeploy } from './key-store';
import { countType, libraryStack } from './templates';

describe('synth structure', () => {
  const one = libraryStack(1, 2);
  const ten = libraryStack(10, 2);

  test('one provider per stack: Lambda functions and state machines do not grow with the clusters', () => {
    expect(countType(one, 'AWS::Lambda::Function')).toBe(countType(ten, 'AWS::Lambda::Function'));
    expect(countType(ten, 'AWS::StepFunctions::StateMachine')).toBe(1);
    const providerFns = Object.keys(ten.Resources ?? {}).filter((id) => id.startsWith('CdkCloudHsmProvider') && ten.Resources![id].Type === 'AWS::Lambda::Function');
    expect(providerFns.length).toBe(countType(ten, 'AWS::Lambda::Function'));
  });

  test('every custom resource of the stack uses the same service token', () => {
    const tokens = Object.values(ten.Resources ?? {})
      .filter((r) => r.Type.startsWith('Custom::'))
      .map((r) => JSON.stringify(r.Properties?.ServiceToken));
    expect(tokens.length).toBe(30);
    expect(new Set(tokens).size).toBe(1);
  });
});

describe('deploy structure (simulator, virtual clock)', () => {
  test('cluster + 2 HSMs: at most one DescribeClusters per invocation (two in an HSM\'s onEvent), and no call without an invocation', async () => {
    const run = await runDeploy({ name: 'test', intervalS: 30, delayFirstCheck: false }, { clusterCreateMs: 130_000, hsmCreateMs: 250_000 });
    // Attribution per invocation is exact only when invocations do not overlap.
    expect(Math.max(...run.invocations.map((i) => i.overlapping))).toBe(0);
    for (const inv of run.invocations) {
      const hsmOnEvent = inv.fn === 'onEvent' && inv.logicalId.startsWith('ClusterHsm');
      expect(inv.calls.DescribeClusters ?? 0).toBeLessThanOrEqual(hsmOnEvent ? 2 : 1);
    }
    const perResource = costByResource(run);
    expect(Object.keys(perResource).length).toBe(3);
    for (const [id, c] of Object.entries(perResource)) {
      expect(c.calls.DescribeClusters ?? 0).toBeLessThanOrEqual(c.onEvent * (id.startsWith('ClusterHsm') ? 2 : 1) + c.isComplete);
      expect(c.onEvent).toBe(1);
    }
    // Every API call of the deployment happened inside some invocation.
    const attributed = Object.values(perResource).reduce((a, c) => a + c.total, 0);
    const total = Object.values(apiCallsOf(run)).reduce((a, b) => a + b, 0);
    expect(attributed).toBe(total);
    expect(apiCallsOf(run)).toMatchObject({ CreateCluster: 1, CreateHsm: 2 });
    // Nothing finishes before the service does.
    expect(run.deployMs).toBeGreaterThanOrEqual(run.provisioningMs);
  });

  test('3 HSMs added to an activated cluster start together; chained, one after another', async () => {
    const timings = { clusterCreateMs: 130_000, hsmCreateMs: 250_000 };
    const together = await runFleetDeploy({ name: 'together', intervalS: 10, delayFirstCheck: false, serial: false }, timings);
    expect(together.startSpreadMs).toBe(0);
    expect(together.apiCalls.CreateHsm).toBe(3);
    expect(together.deployMs).toBeGreaterThanOrEqual(timings.hsmCreateMs);
    const serial = await runFleetDeploy({ name: 'serial', intervalS: 10, delayFirstCheck: false, serial: true }, timings);
    expect(serial.startSpreadMs).toBeGreaterThanOrEqual(2 * timings.hsmCreateMs);
    expect(serial.deployMs).toBeGreaterThanOrEqual(3 * timings.hsmCreateMs);
  });

  test('nothing to ACTIVE with 3 HSMs in one deployment: never faster than the critical path, at most five intervals later; HSM 2 and 3 together, or chained', async () => {
    // Off the 10-s grid, so that every wait ends between two checks.
    const timings = { clusterCreateMs: 131_000, hsmCreateMs: 251_000 };
    const intervalMs = 10_000;
    const together = await runActivationDeploy({ name: 'together', intervalS: 10, delayFirstCheck: false, serial: false }, timings);
    expect(together.apiCalls).toMatchObject({ CreateCluster: 1, InitializeCluster: 1, SendCommand: 1, CreateHsm: 3 });
    expect(together.laterHsmsSpreadMs).toBe(0);
    expect(together.deployMs).toBeGreaterThanOrEqual(together.criticalPathMs);
    // Five waits in a row (cluster, first HSM, initialization, activation, the other HSMs), each up
    // to one interval late, and no more: the first check after the certificate is issued initializes,
    // and the first check after the activation command's delivery completes.
    expect(together.deployMs - together.criticalPathMs).toBeLessThan(5 * intervalMs);
    const serial = await runActivationDeploy({ name: 'serial', intervalS: 10, delayFirstCheck: false, serial: true }, timings);
    expect(serial.laterHsmsSpreadMs).toBeGreaterThanOrEqual(timings.hsmCreateMs);
    expect(serial.deployMs).toBeGreaterThanOrEqual(together.criticalPathMs + timings.hsmCreateMs);
  });

  test('nothing to ACTIVE with 3 HSMs at the service\'s timings and the default interval: at most 1.02x the critical path', async () => {
    // The service's times of docs/benchmarks.md (cluster 5 min, HSM 12 min), off the 10-s grid.
    const timings = { clusterCreateMs: 5 * 60_000 + 31_700, hsmCreateMs: 12 * 60_000 + 13_300 };
    const run = await runActivationDeploy({ name: 'default', intervalS: 10, delayFirstCheck: false, serial: false }, timings);
    expect(run.apiCalls).toMatchObject({ InitializeCluster: 1, SendCommand: 1, CreateHsm: 3 });
    expect(run.ratio).toBeGreaterThanOrEqual(1);
    expect(run.ratio).toBeLessThanOrEqual(1.02);
  });

  test('chained() makes each HSM depend on the one before it and leaves the other resources alone', () => {
    const t = {
      Resources: {
        H1: { Type: 'Custom::CloudHsmHsm' }, H2: { Type: 'Custom::CloudHsmHsm', DependsOn: 'X' }, H3: { Type: 'Custom::CloudHsmHsm' }, X: { Type: 'Other' },
      },
    } as any;
    const c = chained(t).Resources as any;
    expect([c.H1.DependsOn, c.H2.DependsOn, c.H3.DependsOn, c.X.DependsOn]).toEqual([undefined, ['X', 'H1'], ['H2'], undefined]);
    expect(t.Resources.H2.DependsOn).toBe('X');
  });
});

describe('key store (simulator, virtual clock)', () => {
  test('nothing to a CONNECTED key store with a key in one deployment, at the service\'s timings and the default interval: at most 1.02x the critical path', async () => {
    // The service's times of docs/benchmarks.md (cluster 5 min, HSM 12 min), off the 10-s grid.
    const timings = { clusterCreateMs: 5 * 60_000 + 31_700, hsmCreateMs: 12 * 60_000 + 13_300 };
    const run = await runKeyStoreDeploy({ name: 'default', intervalS: 10, delayFirstCheck: false }, timings);
    expect(run.apiCalls).toMatchObject({ CreateCustomKeyStore: 1, ConnectCustomKeyStore: 1, CreateKey: 1, SendCommand: 2 });
    expect(run.ratio).toBeGreaterThanOrEqual(1);
    expect(run.ratio).toBeLessThanOrEqual(1.02);
  });
});
