// Issue #23, done-when 1(e): the same wrong admin secret deployed six times leaves the admin user
// unlocked, and each failure names the secret. Through the deploy harness: the bundled handler, the
// simulator (whose CloudHSM CLI locks a user after five failed logins) and the admin host running
// the real host scripts in the sandbox. The first deployment activates the cluster; then the admin
// secret holds a password that is not the admin's, and a key store (whose kmsuser step logs in as
// admin) is added six times: each deployment fails and rolls back.

import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ClusterInitialization, HsmCluster, HsmKeyStore } from '../../src';
import { CA_ARN, REGION } from '../activation-stack';
import { keyStoreWorld } from '../key-store-stack';
import { CloudHsmSimulator, PrivateCaFake, SimulatorServer, startSimulatorServer } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';
import { DeployHarness } from './engine';
import { CfnTemplate } from './types';

const STACK = 'WrongAdminSecret';

/** A cluster activated by the stack with two HSMs in two AZs, with or without a key store. */
function template(withKeyStore: boolean): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, STACK, { env: { account: '123456789012', region: REGION } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const ca = acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_ARN);
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc,
    removalPolicy: RemovalPolicy.DESTROY,
    initialization: ClusterInitialization.fromPrivateCa(ca),
    activation: {},
  });
  cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  cluster.addHsm('Hsm2', { availabilityZone: 'us-east-1b' });
  if (withKeyStore) new HsmKeyStore(stack, 'KeyStore', { cluster, removalPolicy: RemovalPolicy.DESTROY });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  return app.synth().getStackByName(STACK).template as CfnTemplate;
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
afterAll(() => {
  sandbox.dispose();
  server.close();
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
