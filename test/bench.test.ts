// Structural facts behind docs/benchmarks.md (no timing assertions): one provider and a constant
// number of Lambda functions per stack whatever the number of clusters, and at most one
// DescribeClusters call per resource per poll over a whole cluster + 2 HSMs deployment.
import { apiCallsOf, costByResource, runDeploy } from './bench/deploy';
import { countType, libraryStack } from './bench/templates';

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
  test('cluster + 2 HSMs: at most one DescribeClusters per invocation, and no call without an invocation', async () => {
    const run = await runDeploy({ name: 'test', intervalS: 30, delayFirstCheck: false }, { clusterCreateMs: 130_000, hsmCreateMs: 250_000 });
    // Attribution per invocation is exact only when invocations do not overlap.
    expect(Math.max(...run.invocations.map((i) => i.overlapping))).toBe(0);
    for (const inv of run.invocations) expect(inv.calls.DescribeClusters ?? 0).toBeLessThanOrEqual(1);
    const perResource = costByResource(run);
    expect(Object.keys(perResource).length).toBe(3);
    for (const c of Object.values(perResource)) {
      expect(c.calls.DescribeClusters ?? 0).toBeLessThanOrEqual(c.onEvent + c.isComplete);
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
});
