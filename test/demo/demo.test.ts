// `npm run demo`'s main function, in-process: its outcome, its progress lines and its check
// for what is left behind.

import { DEMO_UPDATE, runDemo } from './demo';
import { DEFAULT_QUERY_INTERVAL_SECONDS } from '../../src/private/provider';
import { CloudHsmSimulator, DEFAULT_TIMINGS } from '../sim';

const at = (ms: number): string => {
  const interval = DEFAULT_QUERY_INTERVAL_SECONDS * 1000;
  const s = Math.ceil(ms / interval) * interval / 1000;
  return `[+${`${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`.padStart(7)}]`;
};

test('deploys, updates and destroys examples/basic (cluster and HSM), one line per state change, nothing left', async () => {
  const lines: string[] = [];
  // How fast the demo runs is the benchmarks' business (npm run bench), not a unit test's.
  const result = await runDemo({ print: (l) => lines.push(l) });

  expect(result.problems).toEqual([]);
  expect(result.ok).toBe(true);
  expect(result.reports.map((r) => r.stackStatus)).toEqual(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'DELETE_COMPLETE']);
  expect(result.leftBehind).toEqual([]);
  expect(result.retainedIds).toEqual([]);

  // One progress line per transition of the CloudHSM resources, in order.
  const progress = lines.filter((l) => l.startsWith('[+'));
  const transitions = result.reports.flatMap((r) => r.transitions.filter((t) => t.custom));
  expect(progress).toHaveLength(transitions.length);
  const clusterId = result.reports[0].outputs.ClusterId;
  const created = at(DEFAULT_TIMINGS.clusterCreateMs);
  expect(progress).toContain(`${created} Cluster    Custom::CloudHsmCluster  CREATE_IN_PROGRESS -> UNINITIALIZED  ${clusterId}`);
  expect(progress[progress.length - 1]).toMatch(/DELETE_COMPLETE/);

  // The HSM: created once the cluster is, ACTIVE after the service's HSM time; deleted before the cluster.
  const hsmId = result.reports[0].outputs.HsmId;
  expect(hsmId).toMatch(/^hsm-[2-7a-z]{11}$/);
  const hsmActive = at(DEFAULT_TIMINGS.clusterCreateMs + DEFAULT_TIMINGS.hsmCreateMs);
  expect(progress).toContain(`${created} ClusterHsm Custom::CloudHsmHsm      CREATE_IN_PROGRESS`);
  expect(progress).toContain(`${hsmActive} ClusterHsm Custom::CloudHsmHsm      (new) -> ACTIVE  ${hsmId}`);
  expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^HSM ${hsmId} ACTIVE in us-east-1a at 10\\.0\\.\\d+\\.\\d+; `)));
  expect(result.reports[0].apiCalls).toMatchObject({ CreateCluster: 1, CreateHsm: 1 });
  expect(result.reports[0].outputs.ClusterCsr).toContain('BEGIN CERTIFICATE REQUEST');
  const hsmDeleted = progress.findIndex((l) => l.includes('Custom::CloudHsmHsm      DELETE_COMPLETE') && l.includes(hsmId));
  const clusterDeleting = progress.findIndex((l) => l.includes(`Custom::CloudHsmCluster  DELETE_IN_PROGRESS  ${clusterId}`));
  expect(hsmDeleted).toBeGreaterThan(0);
  expect(clusterDeleting).toBeGreaterThan(hsmDeleted);
  expect(result.reports[2].apiCalls).toMatchObject({ DeleteHsm: 1, DeleteCluster: 1 });

  // The update reached the service.
  const updated = result.reports[1];
  expect(updated.apiCalls.ModifyCluster).toBe(1);
  expect(lines).toContain(`== update: backup retention -> ${DEMO_UPDATE.retentionDays} days, tag team -> ${DEMO_UPDATE.team}`);
  expect(lines).toContain('left in the simulator: nothing');
  expect(lines[lines.length - 1]).toBe('demo OK');
});

test('with --retain only the retained cluster is left, without its HSM, and that is fine', async () => {
  const sim = new CloudHsmSimulator({ seed: 1 });
  const result = await runDemo({ retain: true, sim, print: () => undefined });
  expect(result.ok).toBe(true);
  const retained = result.reports.flatMap((r) => r.retained);
  // The cluster, and the flow logs of its VPC (not CloudHSM resources: nothing of them in the simulator).
  expect(retained.map((r) => r.type).sort()).toEqual(['AWS::Logs::LogGroup', 'Custom::CloudHsmCluster']);
  const clusterId = retained.find((r) => r.type === 'Custom::CloudHsmCluster')!.physicalId;
  expect(result.leftBehind.map((r) => [r.type, r.id])).toEqual([['cluster', clusterId]]);
  // The HSM's removal policy is DESTROY: it was deleted, the cluster kept.
  expect(result.reports[2].apiCalls.DeleteHsm).toBe(1);
  expect(sim.peekCluster('us-east-1', clusterId)).toMatchObject({ State: 'UNINITIALIZED', Hsms: [] });
});

test('fails when something is left that the stack does not account for', async () => {
  const sim = new CloudHsmSimulator({ seed: 3 });
  const stray = sim.handle('us-east-1', 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-00000000'] }) as { Cluster: { ClusterId: string } };
  const lines: string[] = [];
  const result = await runDemo({ sim, print: (l) => lines.push(l) });
  expect(result.ok).toBe(false);
  expect(result.problems).toEqual([expect.stringContaining(`left behind: cluster ${stray.Cluster.ClusterId}`)]);
  expect(lines[lines.length - 1]).toMatch(/^demo FAILED/);
});
