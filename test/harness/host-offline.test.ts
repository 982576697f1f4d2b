// An admin host that never comes online in SSM (its subnet has no route out: the simulator's
// noRouteToSsm), through the deploy harness with the bundled handler: the activation fails once the
// bound of lambda/host-wait.ts is over, long before the Provider's total timeout, with a message that
// names the host and the network causes; the rollback leaves nothing behind.

import { DeployHarness } from './engine';
import { HOST_ONLINE_BOUND_MS } from '../../lambda/host-wait';
import { DEFAULT_TOTAL_TIMEOUT_MINUTES } from '../../src/private/provider';
import { activationTemplate, activationWorld, leftOver, REGION } from '../fixtures/activation-stack';
import { useServedSimulator } from '../sim/fixtures';
import { HostSandbox } from '../sim/host/sandbox';

const served = useServedSimulator(23);
const { sim, pca } = served;
let sandbox: HostSandbox;
beforeEach(() => {
  sandbox = activationWorld(sim, pca, served.url);
});
afterEach(() => sandbox.dispose());

test('a host that never registers with SSM fails the activation within the bound, naming the causes; the rollback leaves nothing', async () => {
  sim.instances.noRouteToSsm = true;
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: 'Offline' });
  const report = await h.deploy(activationTemplate('Offline'));

  expect(report.outcome).toMatchObject({ status: 'failed', resourceType: 'Custom::CloudHsmActivation', requestType: 'Create', rolledBack: true });
  const message = report.outcome.status === 'failed' ? report.outcome.message : '';
  expect(message).toMatch(/^HsmActivation \S+ \(cluster-\w+\): activation of cluster cluster-\w+: the admin host i-[0-9a-f]{17} is not online in SSM after 15 minutes \(it never registered with SSM\)/);
  for (const cause of ['no NAT gateway', 'createVpcEndpoints', 'outbound HTTPS (TCP 443)', 'AmazonSSMManagedInstanceCore']) {
    expect(message).toContain(cause);
  }
  expect(sim.runCommand.all()).toEqual([]);

  // Bounded: the activation's create ended HOST_ONLINE_BOUND_MS (plus at most a poll or two) after it began,
  // not at the Provider's total timeout.
  const activation = report.transitions.filter((t) => t.resourceType === 'Custom::CloudHsmActivation' && t.phase === 'deploy');
  const began = activation.find((t) => t.status === 'CREATE_IN_PROGRESS')!.elapsedMs;
  const failed = activation.find((t) => t.status === 'CREATE_FAILED')!.elapsedMs;
  expect(failed - began).toBeGreaterThanOrEqual(HOST_ONLINE_BOUND_MS);
  expect(failed - began).toBeLessThan(HOST_ONLINE_BOUND_MS + 2 * 60_000);
  expect(failed - began).toBeLessThan(DEFAULT_TOTAL_TIMEOUT_MINUTES * 60_000);

  // The rollback deleted the cluster: its id is in the transitions. Its HSM's deletion backup is the service's.
  const clusterId = report.transitions.find((t) => t.resourceType === 'Custom::CloudHsmCluster' && t.status === 'CREATE_COMPLETE')!.physicalId!;
  expect(sim.peekCluster(REGION, clusterId)?.State).toBe('DELETED');
  expect(leftOver(report, h.retained.map((r) => r.physicalId), clusterId).unexpected).toEqual([]);
  expect(report.orphans.filter((r) => !(r.type === 'backup' && r.clusterId === clusterId))).toEqual([]);
  expect(sim.instances.all(REGION).every((i) => i.terminatedMs !== undefined)).toBe(true);
});
