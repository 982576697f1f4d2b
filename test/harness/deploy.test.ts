// The deploy harness with the real bundled handler (assets/handler/index.js) against the simulator:
// examples/basic (a cluster and its first HSM) created, updated and destroyed, removal policies, and CloudFormation-style
// rollback after injected failures. Everything runs on the simulator's virtual clock.

import { DeployHarness, HarnessOptions } from './engine';
import { serviceResourceOf } from './physical';
import { CfnTemplate, DeploymentReport, Transition } from './types';
import { BasicStackProps } from '../../examples/basic/app';
import { DEFAULT_QUERY_INTERVAL_SECONDS, QUERY_INTERVAL_CONTEXT, TOTAL_TIMEOUT_CONTEXT } from '../../src/private/provider';
import { basicTemplate } from '../demo/example';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '../sim';

const REGION = 'us-east-1';
const INTERVAL_MS = DEFAULT_QUERY_INTERVAL_SECONDS * 1000;
/** isComplete runs at once and then every query interval: a transition is seen at the next poll. */
const seenAt = (ms: number): number => Math.ceil(ms / INTERVAL_MS) * INTERVAL_MS;

// Synthesis is the slow part: each template once per file.
const templates = new Map<string, CfnTemplate>();
function template(props: BasicStackProps = {}): CfnTemplate {
  const key = JSON.stringify(props);
  if (!templates.has(key)) templates.set(key, basicTemplate(props));
  return templates.get(key)!;
}

function clusterLogicalId(t: CfnTemplate): string {
  const ids = Object.entries(t.Resources ?? {}).filter(([lid, r]) => r.Type === 'Custom::CloudHsmCluster' && lid !== 'Second').map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0];
}

function hsmLogicalId(t: CfnTemplate): string {
  const ids = Object.entries(t.Resources ?? {}).filter(([, r]) => r.Type === 'Custom::CloudHsmHsm').map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0];
}

/**
 * The template plus a second cluster `Second` that depends on the example's cluster: a later
 * resource for failure tests. `props` changes its properties (as CloudFormation strings).
 */
function withSecond(t: CfnTemplate, props: Record<string, unknown> = {}): CfnTemplate {
  const first = clusterLogicalId(t);
  const res = t.Resources![first];
  return {
    ...t,
    Resources: { ...t.Resources, Second: { ...res, DependsOn: [first], Properties: { ...res.Properties, ...props } } },
  };
}

/** The transitions of one resource as [kind, status, elapsed ms]. */
function steps(report: DeploymentReport, logicalId: string): [string, string, number][] {
  return report.transitions.filter((t) => t.logicalId === logicalId).map((t) => [t.kind, t.status, t.elapsedMs]);
}

const tagsOf = (cluster: Record<string, any> | undefined): Record<string, string> =>
  Object.fromEntries((cluster?.TagList ?? []).map((t: { Key: string; Value: string }) => [t.Key, t.Value]));

let server: SimulatorServer;
let sim: CloudHsmSimulator;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 7 });
  server = await startSimulatorServer(sim);
});
afterAll(() => server.close());
beforeEach(() => sim.reset());

const harness = (opts: Partial<HarnessOptions> = {}): DeployHarness =>
  new DeployHarness({ sim, endpoint: server.url, stackName: 'CloudHsmBasic', ...opts });

describe('examples/basic lifecycle', () => {
  test('DESTROY: create, update retention and tag, destroy; nothing is left', async () => {
    const T = sim.timings;
    const h = harness();
    const v1 = template({ destroyOnRemoval: true });
    const id = clusterLogicalId(v1);
    const hsm = hsmLogicalId(v1);

    const created = await h.deploy(v1);
    expect(created.outcome).toEqual({ status: 'success' });
    expect(created.stackStatus).toBe('CREATE_COMPLETE');
    const clusterId = created.resources[id].physicalId;
    expect(clusterId).toMatch(/^cluster-[2-7a-z]{11}$/);
    expect(steps(created, id)).toEqual([
      ['resource', 'CREATE_IN_PROGRESS', 0],
      ['service', 'CREATE_IN_PROGRESS', 0],
      ['service', 'UNINITIALIZED', seenAt(T.clusterCreateMs)],
      ['resource', 'CREATE_COMPLETE', seenAt(T.clusterCreateMs)],
    ]);
    // The HSM is created once the cluster is complete, and complete once it is ACTIVE.
    const hsmCreated = seenAt(T.clusterCreateMs) + seenAt(T.hsmCreateMs);
    // The physical id names the HSM's network interface (lambda/hsm-eni.ts); the HSM id is an attribute.
    const hsmPhysicalId = created.resources[hsm].physicalId;
    const hsmId = String(created.resources[hsm].attributes.HsmId);
    expect(hsmId).toMatch(/^hsm-[2-7a-z]{11}$/);
    expect(hsmPhysicalId).toBe(`cdk-cloudhsm:hsm:${clusterId}:${created.resources[hsm].attributes.EniId}:${hsmId}`);
    expect(steps(created, hsm)).toEqual([
      ['resource', 'CREATE_IN_PROGRESS', seenAt(T.clusterCreateMs)],
      ['service', 'ACTIVE', hsmCreated],
      ['resource', 'CREATE_COMPLETE', hsmCreated],
    ]);
    // The example's defaults reached the service; its outputs resolve to the handler's attributes.
    const live = sim.peekCluster(REGION, clusterId) as Record<string, any>;
    expect(live.BackupRetentionPolicy).toEqual({ Type: 'DAYS', Value: '90' });
    expect(tagsOf(live)).toMatchObject({ team: 'payments' });
    expect(live.SubnetMapping).toEqual({ 'us-east-1a': expect.stringMatching(/^subnet-/), 'us-east-1b': expect.stringMatching(/^subnet-/) });
    expect(live.Hsms).toEqual([expect.objectContaining({ HsmId: hsmId, State: 'ACTIVE', AvailabilityZone: 'us-east-1a', SubnetId: live.SubnetMapping['us-east-1a'] })]);
    expect(live.State).toBe('UNINITIALIZED');
    expect(created.outputs.ClusterId).toBe(clusterId);
    expect(created.outputs.ClusterSecurityGroupId).toBe(live.SecurityGroup);
    expect(created.outputs.HsmId).toBe(hsmId);
    expect(created.outputs.ClusterCsr).toBe(live.Certificates.ClusterCsr);
    expect(created.outputs.ClusterCsr).toContain('BEGIN CERTIFICATE REQUEST');
    expect(created.apiCalls).toMatchObject({ CreateCluster: 1, CreateHsm: 1 });

    const updated = await h.deploy(template({ destroyOnRemoval: true, retentionDays: 30, team: 'risk' }));
    expect(updated.outcome).toEqual({ status: 'success' });
    expect(updated.stackStatus).toBe('UPDATE_COMPLETE');
    expect(updated.resources[id].physicalId).toBe(clusterId);
    expect(steps(updated, id)).toEqual([
      ['resource', 'UPDATE_IN_PROGRESS', 0],
      ['service', 'UPDATE_IN_PROGRESS', 0],
      ['service', 'UNINITIALIZED', seenAt(T.modifyMs)],
      ['resource', 'UPDATE_COMPLETE', seenAt(T.modifyMs)],
    ]);
    const changed = sim.peekCluster(REGION, clusterId) as Record<string, any>;
    expect(changed.BackupRetentionPolicy).toEqual({ Type: 'DAYS', Value: '30' });
    expect(tagsOf(changed)).toMatchObject({ team: 'risk' });
    expect(updated.apiCalls).toMatchObject({ ModifyCluster: 1, TagResource: 1 });
    expect(updated.apiCalls.CreateCluster).toBeUndefined();
    // The HSM is not touched by a change of its cluster's retention or tags.
    expect(steps(updated, hsm)).toEqual([]);
    expect(updated.resources[hsm].physicalId).toBe(hsmPhysicalId);
    expect(updated.apiCalls.CreateHsm).toBeUndefined();

    // Destroy: the HSM first (a cluster with HSMs cannot be deleted), then the cluster.
    const destroyed = await h.destroy();
    expect(destroyed.stackStatus).toBe('DELETE_COMPLETE');
    const hsmGone = seenAt(T.hsmDeleteMs);
    expect(steps(destroyed, hsm)).toEqual([
      ['resource', 'DELETE_IN_PROGRESS', 0],
      ['service', 'DELETE_IN_PROGRESS', 0],
      ['resource', 'DELETE_COMPLETE', hsmGone],
    ]);
    expect(steps(destroyed, id)).toEqual([
      ['resource', 'DELETE_IN_PROGRESS', hsmGone],
      ['service', 'DELETE_IN_PROGRESS', hsmGone],
      ['service', 'DELETED', hsmGone + seenAt(T.clusterDeleteMs)],
      ['resource', 'DELETE_COMPLETE', hsmGone + seenAt(T.clusterDeleteMs)],
    ]);
    expect(destroyed.apiCalls).toMatchObject({ DeleteHsm: 1, DeleteCluster: 1 });
    expect(destroyed.leftInSimulator).toEqual([]);
    expect(destroyed.orphans).toEqual([]);
    expect(sim.listResources()).toEqual([{ region: REGION, type: 'cluster', id: clusterId, state: 'DELETED' }]);
  });

  test('default policy: destroy deletes the HSM and keeps exactly the cluster and its VPC\'s flow logs, and says so', async () => {
    const h = harness();
    const v1 = template();
    const id = clusterLogicalId(v1);
    const hsm = hsmLogicalId(v1);
    const clusterId = (await h.deploy(v1)).resources[id].physicalId;

    const destroyed = await h.destroy();
    expect(destroyed.stackStatus).toBe('DELETE_COMPLETE');
    // The HSM's own default is DESTROY: it is deleted before the cluster is skipped.
    expect(steps(destroyed, hsm).map(([kind, status]) => `${kind} ${status}`))
      .toEqual(['resource DELETE_IN_PROGRESS', 'service DELETE_IN_PROGRESS', 'resource DELETE_COMPLETE']);
    expect(steps(destroyed, id)).toEqual([['resource', 'DELETE_SKIPPED', seenAt(sim.timings.hsmDeleteMs)]]);
    expect(destroyed.apiCalls.DeleteHsm).toBe(1);
    expect((sim.peekCluster(REGION, clusterId) as Record<string, any>).Hsms).toEqual([]);
    expect(destroyed.retained).toHaveLength(2);
    expect(destroyed.retained).toEqual(expect.arrayContaining([
      { logicalId: id, type: 'Custom::CloudHsmCluster', physicalId: clusterId, reason: 'DeletionPolicy', phase: 'destroy' },
      expect.objectContaining({ type: 'AWS::Logs::LogGroup', reason: 'DeletionPolicy', phase: 'destroy' }),
    ]));
    expect(destroyed.leftInSimulator).toEqual([{ region: REGION, type: 'cluster', id: clusterId, state: 'UNINITIALIZED' }]);
    expect(destroyed.orphans).toEqual([]);
    expect(destroyed.apiCalls.DeleteCluster).toBeUndefined();
  });
});

describe('rollback', () => {
  test('create: a later resource fails, so the cluster made before it is deleted (DESTROY)', async () => {
    const h = harness();
    const t = withSecond(template({ destroyOnRemoval: true }), { BackupRetentionDays: '3' });
    const id = clusterLogicalId(t);
    const hsm = hsmLogicalId(t);

    const report = await h.deploy(t);
    expect(report.outcome).toMatchObject({ status: 'failed', logicalId: 'Second', requestType: 'Create', rolledBack: true });
    expect(report.outcome.status === 'failed' && report.outcome.message).toMatch(/backupRetention/);
    expect(report.stackStatus).toBe('ROLLBACK_COMPLETE');
    // Dependency order: the cluster completed before the HSM and Second started. The HSM's create
    // runs on when Second fails; the rollback waits for it, then deletes both before the cluster.
    const order = report.transitions.filter((x) => x.kind === 'resource' && x.custom).map((x) => `${x.logicalId} ${x.status}${x.phase === 'rollback' ? ' (rollback)' : ''}`);
    expect(order).toEqual([
      `${id} CREATE_IN_PROGRESS`, `${id} CREATE_COMPLETE`,
      `${hsm} CREATE_IN_PROGRESS`, 'Second CREATE_IN_PROGRESS', 'Second CREATE_FAILED', `${hsm} CREATE_COMPLETE`,
      `${hsm} DELETE_IN_PROGRESS (rollback)`, 'Second DELETE_IN_PROGRESS (rollback)',
      'Second DELETE_COMPLETE (rollback)', `${hsm} DELETE_COMPLETE (rollback)`,
      `${id} DELETE_IN_PROGRESS (rollback)`, `${id} DELETE_COMPLETE (rollback)`,
    ]);
    expect(report.leftInSimulator).toEqual([]);
    expect(report.orphans).toEqual([]);
    expect(sim.listResources().map((r) => r.state)).toEqual(['DELETED']);
    expect(h.state.size).toBe(0);
  });

  test('create with the default policy (RetainExceptOnCreate): the rollback of a failed first deploy deletes the cluster', async () => {
    const h = harness();
    // examples/basic sets RETAIN explicitly; this is what HsmCluster renders without a removalPolicy.
    const base = withSecond(template(), { BackupRetentionDays: '3' });
    const id = clusterLogicalId(base);
    const t = { ...base, Resources: { ...base.Resources, [id]: { ...base.Resources![id], DeletionPolicy: 'RetainExceptOnCreate' } } };

    const report = await h.deploy(t);
    expect(report.stackStatus).toBe('ROLLBACK_COMPLETE');
    expect(report.retained).toEqual([]);
    expect(report.leftInSimulator).toEqual([]);
    expect(report.orphans).toEqual([]);
  });

  test('a Retain cluster is kept on rollback of a failed create; it is reported, not orphaned', async () => {
    const h = harness();
    const base = withSecond(template(), { BackupRetentionDays: '3' });
    const id = clusterLogicalId(base);
    const t = { ...base, Resources: { ...base.Resources, [id]: { ...base.Resources![id], DeletionPolicy: 'Retain' } } };

    const report = await h.deploy(t);
    expect(report.stackStatus).toBe('ROLLBACK_COMPLETE');
    const [kept] = report.retained;
    expect(report.retained).toEqual([{ logicalId: id, type: 'Custom::CloudHsmCluster', physicalId: kept.physicalId, reason: 'DeletionPolicy', phase: 'rollback' }]);
    expect(report.leftInSimulator.map((r) => r.id)).toEqual([kept.physicalId]);
    expect(report.orphans).toEqual([]);
  });

  test('create: the cluster turns DEGRADED in the simulator; the failed cluster is deleted', async () => {
    const h = harness({
      faults: {
        // the third isComplete of the create finds the cluster degraded
        beforeInvoke: ({ fn, attempt, event }) => {
          if (fn === 'isComplete' && attempt === 3 && event.RequestType === 'Create') {
            // Until the create settles the physical id names the request; the harness finds its cluster.
            sim.degradeCluster(REGION, serviceResourceOf(sim, event.PhysicalResourceId)!.id, 'Hardware failure in us-east-1a');
          }
        },
      },
    });
    const t = template({ destroyOnRemoval: true });
    const id = clusterLogicalId(t);

    const report = await h.deploy(t);
    expect(report.outcome).toMatchObject({ status: 'failed', logicalId: id, requestType: 'Create', rolledBack: true });
    expect(report.outcome.status === 'failed' && report.outcome.message).toMatch(/DEGRADED: Hardware failure in us-east-1a/);
    expect(report.stackStatus).toBe('ROLLBACK_COMPLETE');
    const service = report.transitions.filter((x) => x.kind === 'service').map((x) => x.status);
    expect(service).toEqual(['CREATE_IN_PROGRESS', 'DEGRADED', 'DELETE_IN_PROGRESS', 'DELETED']);
    expect(steps(report, id).filter(([kind]) => kind === 'resource').map(([, s]) => s))
      .toEqual(['CREATE_IN_PROGRESS', 'CREATE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(report.leftInSimulator).toEqual([]);
    expect(report.orphans).toEqual([]);
  });

  test('update: a later resource fails, so the cluster updated before it is restored', async () => {
    const v1 = withSecond(template({ destroyOnRemoval: true }));
    const v2 = withSecond(template({ destroyOnRemoval: true, retentionDays: 30, team: 'risk' }));
    const id = clusterLogicalId(v1);
    const h = harness({
      faults: {
        beforeInvoke: ({ fn, event, phase }) => {
          if (fn === 'onEvent' && phase === 'deploy' && event.RequestType === 'Update' && event.LogicalResourceId === 'Second') {
            throw new Error('injected: the onEvent function of Second crashed');
          }
        },
      },
    });
    const created = await h.deploy(v1);
    expect(created.stackStatus).toBe('CREATE_COMPLETE');
    const clusterId = created.resources[id].physicalId;
    const secondId = created.resources.Second.physicalId;

    const report = await h.deploy(v2);
    expect(report.outcome).toMatchObject({
      status: 'failed',
      logicalId: 'Second',
      requestType: 'Update',
      rolledBack: true,
      // The framework's FAILED reason: the function's error message, its log group, its trace.
      message: expect.stringMatching(/^injected: the onEvent function of Second crashed\n\nLogs: \/aws\/lambda\/\w+\n\n {4}at /),
    });
    expect(report.stackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const clusterSteps = report.transitions.filter((x: Transition) => x.logicalId === id && x.kind === 'resource')
      .map((x) => `${x.status} ${x.phase}`);
    expect(clusterSteps).toEqual(['UPDATE_IN_PROGRESS deploy', 'UPDATE_COMPLETE deploy', 'UPDATE_IN_PROGRESS rollback', 'UPDATE_COMPLETE rollback']);
    // The service holds the old retention and tag again; nothing was replaced.
    const live = sim.peekCluster(REGION, clusterId) as Record<string, any>;
    expect(live.BackupRetentionPolicy).toEqual({ Type: 'DAYS', Value: '90' });
    expect(tagsOf(live)).toMatchObject({ team: 'payments' });
    expect(report.resources[id].physicalId).toBe(clusterId);
    expect(report.resources.Second.physicalId).toBe(secondId);
    expect(report.apiCalls.ModifyCluster).toBe(2); // 90 -> 30, then 30 -> 90
    expect(report.apiCalls.CreateCluster).toBeUndefined();

    const destroyed = await h.destroy();
    expect(destroyed.leftInSimulator).toEqual([]);
    expect(destroyed.orphans).toEqual([]);
  });
});

describe('faults the handler rides out', () => {
  test('throttling and 500s from the simulator are retried by the SDK; the deployment succeeds', async () => {
    sim.injectFault({ kind: 'throttle', operation: 'DescribeClusters', nextCalls: 2 });
    sim.injectFault({ kind: 'internalError', operation: 'CreateCluster', nextCalls: 1 });
    const t = template({ destroyOnRemoval: true });
    const report = await harness().deploy(t);
    expect(report.outcome).toEqual({ status: 'success' });
    const outcomes = sim.calls.list().map((c) => `${c.operation} ${c.outcome}`);
    expect(outcomes.filter((o) => o.endsWith(' fault'))).toEqual(['DescribeClusters fault', 'DescribeClusters fault', 'CreateCluster fault']);
    expect(outcomes.filter((o) => o === 'CreateCluster ok')).toHaveLength(1);
    expect(sim.listResources().filter((r) => r.type === 'cluster')).toHaveLength(1);
  });

  test('onEvent delivered twice for one create makes one cluster (the handler finds the first by its tag)', async () => {
    const t = template({ destroyOnRemoval: true });
    const id = clusterLogicalId(t);
    const report = await harness({ faults: { duplicateOnEvent: { logicalId: id, requestType: 'Create' } } }).deploy(t);
    expect(report.outcome).toEqual({ status: 'success' });
    expect(report.invocations.byResource[id].onEvent).toBe(2);
    expect(report.apiCalls.CreateCluster).toBe(1);
    expect(sim.listResources().filter((r) => r.type === 'cluster').map((r) => r.id)).toEqual([report.resources[id].physicalId]);
    expect(report.warnings).toEqual([expect.stringContaining('ran twice')]);
  });
});

describe('one create delivered twice at the same moment (each delivery starts its own waiter execution)', () => {
  test('cluster: both attempts create, both return the same physical id, both executions settle on the oldest cluster and delete the twin; nothing is orphaned', async () => {
    const t = template({ destroyOnRemoval: true });
    const id = clusterLogicalId(t);
    const h = harness({ faults: { duplicateOnEvent: { logicalId: id, requestType: 'Create' }, duplicateConcurrently: true } });

    const report = await h.deploy(t);
    expect(report.outcome).toEqual({ status: 'success' });
    expect(report.invocations.byResource[id].onEvent).toBe(2);
    // Neither attempt saw the other's cluster: two were made (the limit this covers).
    expect(report.apiCalls.CreateCluster).toBe(2);
    // One physical id from both onEvents, and no waiter execution answered differently.
    expect(report.warnings).toEqual([expect.stringMatching(/ran twice at the same time; both returned cdk-cloudhsm:pending-cluster:vpc-[0-9a-f]+:[0-9a-f-]+; two waiter executions$/)]);
    const clusterId = report.resources[id].physicalId;
    expect(clusterId).toMatch(/^cluster-[2-7a-z]{11}$/);
    expect(report.outputs.ClusterId).toBe(clusterId);
    // The oldest (CreateTimestamp, then id) is kept; the twin's DeleteCluster came before the cluster's create
    // completed, and the deletion finished while the example's HSM was being created.
    // Each waiter execution asks once; the service refuses the second (already being deleted), which is fine.
    expect(report.apiCalls.DeleteCluster).toBe(2);
    const clusters = sim.listResources().filter((r) => r.type === 'cluster');
    expect(clusters).toHaveLength(2);
    const byAge = clusters.map((r) => sim.peekCluster(REGION, r.id) as Record<string, any>)
      .sort((a, b) => a.CreateTimestamp - b.CreateTimestamp || (a.ClusterId < b.ClusterId ? -1 : 1));
    expect(byAge[0].ClusterId).toBe(clusterId);
    expect(byAge[0].State).toBe('UNINITIALIZED');
    expect(byAge[1].State).toBe('DELETED');
    expect(report.orphans).toEqual([]);

    const destroyed = await h.destroy();
    expect(destroyed.outcome).toEqual({ status: 'success' });
    sim.advance(2 * 60 * 60_000);
    expect(sim.listResources().filter((r) => r.state !== 'DELETED')).toEqual([]);
    expect(destroyed.orphans).toEqual([]);
  });

  test('cluster, then a later resource fails: the rollback deletes the kept cluster; the twin was already going', async () => {
    const t = withSecond(template({ destroyOnRemoval: true }), { BackupRetentionDays: '3' });
    const id = clusterLogicalId(t);
    const h = harness({ faults: { duplicateOnEvent: { logicalId: id, requestType: 'Create' }, duplicateConcurrently: true } });
    const report = await h.deploy(t);
    expect(report.outcome).toMatchObject({ status: 'failed', logicalId: 'Second', rolledBack: true });
    sim.advance(2 * 60 * 60_000);
    expect(sim.listResources().filter((r) => r.state !== 'DELETED')).toEqual([]);
    expect(report.orphans).toEqual([]);
  });
});

describe('the provider as synthesized', () => {
  test('query interval and total timeout come from the template\'s waiter: a create that outlasts it times out and rolls back', async () => {
    const intervalS = 60;
    const timeoutMin = 4;
    const t = basicTemplate({ destroyOnRemoval: true }, { [QUERY_INTERVAL_CONTEXT]: intervalS, [TOTAL_TIMEOUT_CONTEXT]: timeoutMin });
    const id = clusterLogicalId(t);
    expect(sim.timings.clusterCreateMs).toBeGreaterThan(timeoutMin * 60_000); // the premise

    const report = await harness().deploy(t);
    expect(report.outcome).toMatchObject({ status: 'failed', logicalId: id, message: 'Operation timed out', rolledBack: true });
    // isComplete at 0 s and at every interval; the framework gives up after totalTimeout / interval retries.
    const failed = report.transitions.find((x) => x.status === 'CREATE_FAILED');
    expect(failed?.elapsedMs).toBe(timeoutMin * 60_000);
    expect(report.invocations.byResource[id].isComplete).toBeGreaterThanOrEqual((timeoutMin * 60) / intervalS + 1);
    // The rollback's Delete waits out CREATE_IN_PROGRESS, then deletes the cluster.
    expect(report.stackStatus).toBe('ROLLBACK_COMPLETE');
    expect(report.leftInSimulator).toEqual([]);
  });
});

// An update the handler refuses must roll back: the rollback Update carries the refused values as
// OldResourceProperties, which the handler must not reject again.
describe('rollback of a refused update', () => {
  test('an update with a value the handler refuses rolls back cleanly', async () => {
    const v1 = template({ destroyOnRemoval: true });
    const id = clusterLogicalId(v1);
    const res = v1.Resources![id];
    const v2 = { ...v1, Resources: { ...v1.Resources, [id]: { ...res, Properties: { ...res.Properties, BackupRetentionDays: 3 } } } };
    const h = harness();
    await h.deploy(v1);
    const report = await h.deploy(v2);
    expect(report.outcome).toMatchObject({ status: 'failed', requestType: 'Update' });
    expect(report.stackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
  });
});
