// Issue #23, done-when 1(b): a key store on a cluster activated outside the stack, through the
// deploy harness (the bundled handler, the real host scripts in the sandbox). The first deployment
// makes the cluster and its first HSM; the operator then initializes the cluster and activates it
// by hand (InitializeCluster, `cluster activate` with the CloudHSM CLI), keeping the admin password
// in a secret of their own. The second deployment takes the documented path for such a cluster
// (`activation.initializedOutsideStack` with its `trustAnchor` and `adminSecret`): the activation
// finds the cluster ACTIVE and runs nothing, so the admin host never ran activate.sh and has no
// trust anchor of its own; the kmsuser command must carry it (before the fix: exit 8, "no trust anchor").

import { DeployHarness } from './engine';
import { DeploymentReport } from './types';
import { initializeAndActivateOutside, outsideActivationTemplate, REGION, TRUST_ANCHOR } from '../fixtures/existing-cluster';
import { useHostSandbox, useServedSimulator } from '../sim/fixtures';

const served = useServedSimulator(231);
const { sim } = served;
useHostSandbox(served, REGION);

const STACK = 'OutsideActivation';
const ofType = (r: DeploymentReport, type: string) => Object.values(r.resources).filter((x) => x.type === type);

test('a cluster of the stack activated by hand: the next deployment adds a second HSM and a CONNECTED key store; destroy leaves nothing', async () => {
  const h = new DeployHarness({ sim, endpoint: served.url, stackName: STACK });
  const first = await h.deploy(outsideActivationTemplate(STACK));
  expect(first.outcome).toEqual({ status: 'success' });
  const clusterId = first.outputs.ClusterId;
  expect(sim.peekCluster(REGION, clusterId)).toMatchObject({ State: 'UNINITIALIZED' });

  const adminSecretArn = initializeAndActivateOutside(sim, clusterId);
  expect(sim.peekCluster(REGION, clusterId)).toMatchObject({ State: 'ACTIVE' });

  const second = await h.deploy(outsideActivationTemplate(STACK, adminSecretArn));
  expect(second.outcome).toEqual({ status: 'success' });
  // The operator's secret is theirs, not the stack's: the only thing no resource names.
  const notOperators = (rs: DeploymentReport['orphans']) => rs.filter((r) => r.id !== adminSecretArn && r.type !== 'backup');
  expect(notOperators(second.orphans)).toEqual([]);
  const storeId = second.outputs.CustomKeyStoreId;
  expect(sim.peekKeyStore(REGION, storeId)).toMatchObject({ ConnectionState: 'CONNECTED', CloudHsmClusterId: clusterId, TrustAnchorCertificate: TRUST_ANCHOR });
  const cluster = sim.peekCluster(REGION, clusterId) as any;
  expect(cluster.Hsms.map((x: any) => `${x.AvailabilityZone} ${x.State}`).sort()).toEqual([`${REGION}a ACTIVE`, `${REGION}b ACTIVE`]);
  expect(sim.hsmUsers.find(REGION, clusterId, 'kmsuser')).toMatchObject({ role: 'crypto-user', locked: false });
  // The operator's admin is untouched: same password, no failed login.
  expect(sim.hsmUsers.find(REGION, clusterId, 'admin')).toMatchObject({ role: 'admin', locked: false });

  // The activation activated nothing (the cluster was ACTIVE): its one command logged in once with the
  // operator's secret (an activation re-added or given for an ACTIVE cluster checks its admin secret,
  // docs/activation.md); then kmsuser, whose command carries the trust anchor (test/host/create-kmsuser.test.ts
  // shows a host on which no activation ran).
  const [host] = ofType(second, 'AWS::EC2::Instance');
  const commands = sim.runCommand.all();
  expect(commands.map((c) => `${c.comment?.split(' ').slice(0, 2).join(' ')} ${c.instanceIds.join(',')} ${c.invocations[0].status}`))
    .toEqual([`cdk-cloudhsm activate ${host.physicalId} Success`, `cdk-cloudhsm kmsuser ${host.physicalId} Success`]);
  expect(commands[1].invocations[0].stdout).toContain(`crypto user kmsuser created on cluster ${clusterId}`);
  expect(sim.hsmUsers.find(REGION, clusterId, 'admin')).toMatchObject({ failedLogins: 0 });

  const destroyed = await h.destroy();
  expect(destroyed.outcome).toEqual({ status: 'success' });
  expect(notOperators(destroyed.orphans)).toEqual([]);
  expect(sim.peekCluster(REGION, clusterId)?.State).toBe('DELETED');
});
