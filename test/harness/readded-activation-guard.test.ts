// A wrong admin secret for a re-added activation of an ACTIVE cluster, deployed six times, through
// the deploy harness (the bundled handler, the simulator whose CloudHSM CLI locks a user after five
// failed logins, the real host scripts in the sandbox). The activation brings its admin host; each
// failed deployment rolls back and takes that host with it, so the next one runs on a new host that
// knows nothing: the record of the failed login must come from SSM's command history, with the command.

import { DeployHarness } from './engine';
import { keyStoreWorld, REGION } from '../fixtures/key-store-stack';
import { clusterTemplate } from '../fixtures/readded-activation';
import { CloudHsmSimulator, PrivateCaFake, SimulatorServer, startSimulatorServer } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

const STACK = 'ReaddedActivation';
const WRONG = 'Not4The5Admins6Password';

let server: SimulatorServer;
let sim: CloudHsmSimulator;
let sandbox: HostSandbox;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 41 });
  const pca = new PrivateCaFake({ clock: sim.clock });
  server = await startSimulatorServer(sim, 0, pca);
  sandbox = keyStoreWorld(sim, pca, server.url);
});
afterAll(async () => {
  sandbox.dispose();
  await server.close();
});

test('a wrong admin secret given to a re-added activation, deployed six times on six hosts: one failed admin login, admin not locked', async () => {
  const h = new DeployHarness({ sim, endpoint: server.url, stackName: STACK });
  const up = await h.deploy(clusterTemplate({ hsms: 1, activation: true, stackName: STACK }));
  expect(up.outcome).toEqual({ status: 'success' });
  const clusterId = up.outputs.ClusterId;
  // Without activation (its admin host goes with it); the cluster stays ACTIVE.
  expect((await h.deploy(clusterTemplate({ hsms: 1, activation: false, stackName: STACK }))).outcome).toEqual({ status: 'success' });
  expect(sim.peekCluster(REGION, clusterId)).toMatchObject({ State: 'ACTIVE' });

  // Back, with a secret of the operator's that does not hold the admin's password.
  const wrong = sim.createSecret(REGION, 'wrong-admin', WRONG);
  for (let attempt = 1; attempt <= 6; attempt++) {
    const report = await h.deploy(clusterTemplate({ hsms: 1, activation: true, adminSecretArn: wrong.arn, stackName: STACK }));
    expect(report.outcome).toMatchObject({ status: 'failed', resourceType: 'Custom::CloudHsmActivation', rolledBack: true });
    const message = report.outcome.status === 'failed' ? report.outcome.message : '';
    expect(message).toContain(wrong.arn);
    expect(message).not.toContain(WRONG);
    if (attempt > 1) expect(message).toContain('before and is not tried again');
  }

  // Six admin checks, each on a host of its own (every rollback took its host).
  const checks = sim.runCommand.list(REGION).filter((c) => c.comment.startsWith(`cdk-cloudhsm activate ${clusterId} `)
    && c.parameters.commands.join('\n').includes(wrong.arn));
  expect(checks.map((c) => c.invocations[0].responseCode)).toEqual([11, 11, 11, 11, 11, 11]);
  expect(new Set(checks.map((c) => c.invocations[0].instanceId)).size).toBe(6);
  expect(sim.hsmUsers.find(REGION, clusterId, 'admin')).toMatchObject({ role: 'admin', locked: false, failedLogins: 1 });
}, 600_000);
