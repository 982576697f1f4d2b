// `npm run demo`'s activation part, in-process: examples/activation reaches an ACTIVE cluster with
// three ACTIVE HSMs in ONE deployment, and destroy leaves nothing but the service's HSM backups.

import { runActivationDemo } from './activation';

test('examples/activation: one deployment to ACTIVE with 3 HSMs in two AZs, destroy leaves nothing', async () => {
  const lines: string[] = [];
  const result = await runActivationDemo({ print: (l) => lines.push(l) });
  expect(result.problems).toEqual([]);
  expect(result.ok).toBe(true);
  expect(result.reports.map((r) => r.stackStatus)).toEqual(['CREATE_COMPLETE', 'DELETE_COMPLETE']);
  expect(result.clusterState).toBe('ACTIVE');
  expect(result.hsmStates).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
  expect(result.reports[0].outputs.ClusterState).toBe('ACTIVE');
  expect(result.leftBehind).toEqual([]);
  expect(result.serviceBackups).toBe(6); // the activation's, one per HSM added to the ACTIVE cluster (2), one per deleted HSM (3)

  // The order the one deployment follows: first HSM, initialization, activation, the other HSMs.
  const progress = lines.filter((l) => l.startsWith('[+'));
  const index = (re: RegExp) => progress.findIndex((l) => re.test(l));
  const hsm1 = index(/ClusterHsm1 .*CREATE_COMPLETE/);
  const initialized = index(/ClusterInitialization .*CREATE_COMPLETE/);
  const activated = index(/ClusterActivation .*CREATE_COMPLETE/);
  const hsm2 = index(/ClusterHsm2 .*CREATE_IN_PROGRESS/);
  expect(hsm1).toBeGreaterThanOrEqual(0);
  expect(initialized).toBeGreaterThan(hsm1);
  expect(activated).toBeGreaterThan(initialized);
  expect(hsm2).toBeGreaterThan(activated);
  expect(lines).toContain('activation demo OK');
}, 180_000);
