// Issue #23, done-when 1(e): the same wrong admin secret deployed six times leaves the admin user
// unlocked, and each failure names the secret. Through the deploy harness: the bundled handler, the
// simulator (whose CloudHSM CLI locks a user after five failed logins) and the admin host running
// the real host scripts in the sandbox. The first deployment activates the cluster; then the admin
// secret holds a password that is not the admin's, and a key store (whose kmsuser step logs in as
// admin) is added six times: each deployment fails and rolls back.

import { RemovalPolicy } from 'aws-cdk-lib';
import { HsmKeyStore } from '../../src';
import { activationTemplate, REGION } from '../fixtures/activation-stack';
import { keyStoreWorld } from '../fixtures/key-store-stack';
import { CloudHsmSimulator, PrivateCaFake, SimulatorServer, startSimulatorServer } from '../sim';
import { DeployHarness } from './engine';
import { CfnTemplate } from './types';
import { HostSandbox } from '../sim/host/sandbox';

const STACK = 'WrongAdminSecret';

/** activation-stack.ts's stack (a cluster activated by the stack, HSMs in two AZs), with or without a key store. */
function template(withKeyStore: boolean): CfnTemplate {
  return activationTemplate(STACK, {}, (stack, cluster) => {
    if (withKeyStore) new HsmKeyStore(stack, 'KeyStore', { cluster, removalPolicy: RemovalPolicy.DESTROY });
  });
}

let server: SimulatorServer;
let sim: CloudHsmSimulator;
let pca: PrivateCaFake;
let sandbox: HostSandbox;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 23 });
  pca = new PrivateCaFake({ clock: sim.clock });
  server = await startSimulatorServer(sim, 0, pca);
  sandbox = keyStoreWorld(sim, pca, server.url);
});
afterAll(async () => {
  sandbox.dispose();
  await server.close();
});

test('the same wrong admin secret deployed six times: six failures naming the secret, the admin user not locked', async () => {
  const h = new DeployHarness({ sim, endpoint: server.url, stackName: STACK });
  const first = await h.deploy(template(false));
  expect(first.outcome).toEqual({ status: 'success' });
  const clusterId = Object.values(first.resources).find((r) => r.type === 'Custom::CloudHsmCluster')!.physicalId;
  expect(sim.peekCluster(REGION, clusterId)).toMatchObject({ State: 'ACTIVE' });

  // The admin secret now holds a password that is not the admin's (e.g. put there by hand).
  const adminSecret = sim.secrets.all().find((s) => s.description?.includes('Admin password'));
  expect(adminSecret).toBeDefined();
  sim.secrets.putValue(adminSecret!, 'Not4The5Admins6Password');

  for (let attempt = 1; attempt <= 6; attempt++) {
    const report = await h.deploy(template(true));
    expect(report.outcome).toMatchObject({ status: 'failed', resourceType: 'Custom::CloudHsmKeyStore', rolledBack: true });
    const message = report.outcome.status === 'failed' ? report.outcome.message : '';
    expect(message).toContain(adminSecret!.arn);
  }

  const admin = sim.hsmUsers.find(REGION, clusterId, 'admin');
  expect(admin).toMatchObject({ role: 'admin', locked: false });
  expect(admin!.failedLogins ?? 0).toBeLessThan(5);
});
