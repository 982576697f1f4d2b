// A crypto user from the stack through the deploy harness: the bundled handler, the simulator's
// CloudHSM, SSM Run Command and Secrets Manager, the admin host running the real setup.sh,
// activate.sh and create-crypto-user.sh in the host sandbox. ONE deployment goes from nothing to an
// ACTIVE cluster with the crypto user `signer`, whose password is its generated secret's. Destroy
// keeps the user (and its secret) by default; with DESTROY both go. Nothing is orphaned.

import { RemovalPolicy } from 'aws-cdk-lib';
import { DeployHarness } from './engine';
import { activationWorld, REGION } from '../fixtures/activation-stack';
import { cryptoUserTemplate } from '../fixtures/crypto-user-stack';
import { CloudHsmSimulator, PrivateCaFake, SimulatorServer, startSimulatorServer } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

let server: SimulatorServer;
let sim: CloudHsmSimulator;
let pca: PrivateCaFake;
let sandbox: HostSandbox;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 37 });
  pca = new PrivateCaFake({ clock: sim.clock });
  server = await startSimulatorServer(sim, 0, pca);
});
afterAll(() => server.close());
beforeEach(() => {
  sim.reset();
  pca.reset();
  sandbox = activationWorld(sim, pca, server.url);
});
afterEach(() => sandbox.dispose());

async function deployed(removalPolicy?: RemovalPolicy) {
  const h = new DeployHarness({ sim, endpoint: server.url, stackName: 'CryptoUsers' });
  const created = await h.deploy(cryptoUserTemplate('CryptoUsers', removalPolicy));
  expect(created.outcome).toEqual({ status: 'success' });
  expect(created.orphans).toEqual([]);
  const clusterId = created.outputs.ClusterId;
  const password = sim.secrets.find(REGION, created.outputs.UserSecretArn)!.secretString;
  expect(sim.peekCluster(REGION, clusterId)?.State).toBe('ACTIVE');
  // one user, a crypto user, with the secret's password
  expect(sim.hsmUsers.of(REGION, clusterId).filter((u) => u.username === 'signer'))
    .toEqual([expect.objectContaining({ role: 'crypto-user', password, locked: false })]);
  const [resource] = Object.values(created.resources).filter((r) => r.type === 'Custom::CloudHsmCryptoUser');
  expect(resource.physicalId).toBe(`cdk-cloudhsm:crypto-user:${clusterId}:signer`);
  return { h, clusterId, password };
}

test('one deployment: cluster, activation, 3 HSMs, crypto user signer with its generated password; destroy keeps the user and its secret', async () => {
  const { h, clusterId } = await deployed();
  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  expect(h.retained.map((r) => r.type)).toEqual(expect.arrayContaining(['Custom::CloudHsmCryptoUser', 'AWS::SecretsManager::Secret']));
  // the user is kept: no delete command was sent (the fixture's cluster is DESTROY; its HSMs' backups hold the user)
  expect(sim.runCommand.all().filter((c) => c.comment.startsWith('cdk-cloudhsm cu-delete'))).toEqual([]);
  expect(destroyed.orphans.filter((r) => !(r.type === 'backup' && r.clusterId === clusterId))).toEqual([]);
});

test('DESTROY: user delete on the admin host, then the cluster goes; no user and no secret left', async () => {
  const { h, clusterId } = await deployed(RemovalPolicy.DESTROY);
  const usersBefore = sim.hsmUsers.of(REGION, clusterId).length;
  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  const deletes = sim.runCommand.all().filter((c) => c.comment.startsWith(`cdk-cloudhsm cu-delete ${clusterId}`));
  expect(deletes).toHaveLength(1);
  expect(deletes[0].invocations[0].stdout).toContain(`crypto user signer deleted from cluster ${clusterId}`);
  expect(usersBefore).toBeGreaterThan(sim.hsmUsers.of(REGION, clusterId).length);
  expect(destroyed.leftInSimulator.filter((r) => r.type !== 'backup')).toEqual([]);
});
