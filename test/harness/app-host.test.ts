// An application host from the stack through the deploy harness (issue #25, done-when 1): ONE
// deployment goes from nothing to an ACTIVE cluster, the crypto user `signer` and an EC2 instance
// connected with HsmClient.connectInstance. The bundled handler makes the cluster, its HSMs, the
// activation and the user (the admin host runs the real setup.sh, activate.sh and
// create-crypto-user.sh in the host sandbox); the Private CA's certificate goes into the trust anchor
// parameter; the app host boots and its user data runs the real client-setup.sh in the sandbox:
// it installs the PKCS #11 library (stand-in package), reads the trust anchor from SSM
// (GetParameter), runs configure-pkcs11 --cluster-id, and the application then logs in as `signer`
// with the password it read from Secrets Manager. Destroy leaves what is kept on purpose only.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DeployHarness } from './engine';
import { CA_ARN, REGION } from '../fixtures/activation-stack';
import { appHostTemplate } from '../fixtures/app-host-stack';
import { useSimWorld } from '../fixtures/sim-world';
import { PrivateCaFake } from '../sim';

const world = useSimWorld(53);

/** The CA certificate the fake Private CA holds for CA_ARN (the cluster's trust anchor). */
const caCertificate = () => new PrivateCaFake().addCertificateAuthority(CA_ARN);

test('one deployment: ACTIVE cluster, crypto user, app host configured by cluster id that logs in as the user; destroy keeps only the user and its secret', async () => {
  const { sim, server, sandbox } = world;
  const template = appHostTemplate('AppHost');
  const h = new DeployHarness({ sim, endpoint: server.url, stackName: 'AppHost' });
  const created = await h.deploy(template);
  expect(created.outcome).toEqual({ status: 'success' });
  expect(created.orphans).toEqual([]);
  const { ClusterId: clusterId, UserSecretArn: secretArn, AppInstanceId: appId, TrustAnchorParameter: parameter } = created.outputs;
  const cluster = sim.peekCluster(REGION, clusterId) as { State: string; Hsms: Array<{ EniIp: string; State: string }> };
  expect(cluster.State).toBe('ACTIVE');
  expect(cluster.Hsms.map((x) => x.State)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
  const password = sim.secrets.find(REGION, secretArn)!.secretString;
  expect(sim.hsmUsers.of(REGION, clusterId).filter((u) => u.username === 'signer'))
    .toEqual([expect.objectContaining({ role: 'crypto-user', password, locked: false })]);

  // CloudFormation has the instance once it is launched; its user data runs when it has booted.
  sim.advance(sim.timings.instanceBootMs);
  await sim.settle();

  // The trust anchor parameter holds the CA's certificate, and the host wrote what it read.
  expect(sim.parameters.get(REGION, parameter)?.value).toBe(caCertificate());
  const host = sandbox.host(appId);
  expect(readFileSync(path.join(host.cloudhsmDir, 'etc', 'customerCA.crt'), 'utf8').trim()).toBe(caCertificate().trim());

  // The user data ran to its end: set up, then the application's login as signer.
  const boot = sim.instances.get(REGION, appId)!.userDataResult;
  expect(boot).toEqual(expect.objectContaining({ exitCode: 0 }));
  expect(boot!.stderr).toContain(`cdk-cloudhsm client setup: configured (pkcs11) for cluster ${clusterId}`);
  expect(boot!.stdout).toContain('application: logged in as signer');

  // configure-pkcs11 was given the cluster id (not addresses) and found the HSMs itself.
  const calls = readFileSync(path.join(host.cloudhsmDir, 'run', 'configure-calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(calls).toEqual([{ tool: 'configure-pkcs11', args: expect.arrayContaining(['--cluster-id', clusterId]) }]);
  expect(calls[0].args[calls[0].args.indexOf('--cluster-id') + 1]).toBe(clusterId);
  expect(calls[0].args).not.toContain('-a');
  const config = JSON.parse(readFileSync(path.join(host.cloudhsmDir, 'etc', 'cloudhsm-pkcs11.cfg'), 'utf8'));
  expect(config.clusters[0].cluster.servers.map((s: { hostname: string }) => s.hostname).sort()).toEqual(cluster.Hsms.map((x) => x.EniIp).sort());

  // The login is checked: a wrong password fails, the secret's password logs in.
  const login = (pin: string) => host.run('"$CLOUDHSM_DIR/bin/app-login-pkcs11"', { env: { CLOUDHSM_PIN: pin } });
  const wrong = await login('signer:NotTheSecretsPassword1');
  expect(wrong.exitCode).not.toBe(0);
  expect((await login(`signer:${password}`)).exitCode).toBe(0);

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  // Kept on purpose: the crypto user (it owns keys) and its password secret; nothing else.
  const signer = (type: string) => Object.entries(template.Resources ?? {}).filter(([id, r]) => r.Type === type && id.startsWith('Signer')).map(([id]) => id);
  expect(signer('Custom::CloudHsmCryptoUser')).toHaveLength(1);
  expect(signer('AWS::SecretsManager::Secret')).toHaveLength(1);
  expect(h.retained.map((r) => `${r.type} ${r.logicalId} ${r.reason}`).sort()).toEqual([
    `AWS::SecretsManager::Secret ${signer('AWS::SecretsManager::Secret')[0]} DeletionPolicy`,
    `Custom::CloudHsmCryptoUser ${signer('Custom::CloudHsmCryptoUser')[0]} DeletionPolicy`,
  ]);
  expect(sim.parameters.all()).toEqual([]);
  expect(sim.instances.get(REGION, appId)!.terminatedMs).toBeDefined();
  expect(destroyed.orphans.filter((r) => !(r.type === 'backup' && r.clusterId === clusterId))).toEqual([]);
  expect(destroyed.leftInSimulator.filter((r) => r.type !== 'backup' && r.state !== 'DELETED' && r.state !== 'terminated')
    .map((r) => `${r.type} ${r.id}`)).toEqual([`secret ${secretArn}`]);
});
