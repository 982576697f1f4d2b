// Issue #26, done-when 1 (the admin's part): the admin password rotated by Secrets Manager through
// the stack's rotation function (the bundled handler's `rotate`) and the admin host's real scripts
// (rotate-password.sh in the host sandbox, against the simulator's CloudHSM CLI). Afterwards the new
// password logs in and the old one does not, and the secret's labels are the ones the Secrets
// Manager documentation describes (AWSCURRENT on the new version, AWSPREVIOUS on the old, no
// AWSPENDING left). A rotation whose set step fails leaves the old password working.

import { Duration } from 'aws-cdk-lib';
import { DeployHarness } from './engine';
import { activationTemplate, activationWorld, REGION } from '../fixtures/activation-stack';
import { labelsAfterRotation, reattempt, rotateNow, rotationFunction, useRotationFunction } from '../fixtures/rotation';
import { useServedSimulator } from '../sim/fixtures';
import { HostSandbox } from '../sim/host/sandbox';
import { runHsmCli } from '../sim/hsm-cli';
import { CURRENT, PENDING, PREVIOUS } from '../sim/secrets';

const served = useServedSimulator(26);
const { sim, pca } = served;
let sandbox: HostSandbox;
beforeEach(() => {
  sandbox = activationWorld(sim, pca, served.url);
});
afterEach(() => sandbox.dispose());

/** Whether `password` logs in as the admin of the cluster (one CLI login, no session kept). */
function adminLogsIn(clusterId: string, password: string): boolean {
  const ips = (sim.peekCluster(REGION, clusterId) as any).Hsms.map((h: any) => h.EniIp);
  return runHsmCli((sim as any).store, sim.hsmUsers, REGION, ips, ['login', '--username', 'admin', '--role', 'admin'], password).exitCode === 0;
}

async function deployWithRotation(stackName: string) {
  const h = new DeployHarness({ sim, endpoint: served.url, stackName });
  const created = await h.deploy(activationTemplate(stackName, {}, undefined, { rotation: { automaticallyAfter: Duration.days(7) } }));
  expect(created.outcome).toEqual({ status: 'success' });
  const clusterId = created.outputs.ClusterId;
  const secretArn = created.outputs.AdminSecretArn;
  const { functionArn, environment } = rotationFunction(created);
  useRotationFunction(sim, served.url, REGION, environment);
  return { clusterId, secretArn, functionArn, secret: sim.secrets.find(REGION, secretArn)! };
}

test('a rotation of the admin secret: the new password logs in, the old does not, labels as documented', async () => {
  const { clusterId, secretArn, functionArn, secret } = await deployWithRotation('RotateAdmin');
  const old = secret.current;
  expect(adminLogsIn(clusterId, old.secretString)).toBe(true);

  const outcome = await rotateNow(sim, REGION, secretArn, functionArn);
  expect(outcome).toEqual({ token: outcome.token });

  expect(labelsAfterRotation(secret, old.versionId)).toEqual({
    currentVersion: outcome.token, currentStages: [CURRENT], oldStages: [PREVIOUS], pendingLeft: false, newPassword: 'new, 32 letters and digits',
  });
  const now = secret.current;
  expect(adminLogsIn(clusterId, now.secretString)).toBe(true);
  expect(adminLogsIn(clusterId, old.secretString)).toBe(false);
  // The set and test steps ran the real script on the host.
  const steps = sim.runCommand.all().filter((c) => c.comment?.startsWith('cdk-cloudhsm rotate-'));
  expect(steps.map((c) => c.comment!.split(' ')[1])).toEqual(['rotate-set', 'rotate-test']);
  expect(steps.every((c) => c.invocations[0].status === 'Success')).toBe(true);

  // A second rotation moves on again: the first rotation's version becomes AWSPREVIOUS.
  const second = await rotateNow(sim, REGION, secretArn);
  expect(second.failedStep).toBeUndefined();
  expect(secret.versions.get(outcome.token)!.stages).toEqual([PREVIOUS]);
  expect(adminLogsIn(clusterId, secret.current.secretString)).toBe(true);
});

test('a rotation whose set step fails leaves the old password working and the secret unchanged', async () => {
  const { clusterId, secretArn, functionArn, secret } = await deployWithRotation('RotateAdminFails');
  const old = secret.current;
  // The set step's command fails on the host before the CLI runs.
  sim.injectCommandFault({ kind: 'fail', nextCalls: 1, exitCode: 1, stderr: 'simulated failure' });
  const outcome = await rotateNow(sim, REGION, secretArn, functionArn);
  expect(outcome.failedStep).toBe('setSecret');
  expect(outcome.error).toContain('set step');
  expect(secret.current.versionId).toBe(old.versionId);
  expect(secret.current.stages).toEqual([CURRENT]);
  expect(adminLogsIn(clusterId, old.secretString)).toBe(true);
  const pending = secret.withStage(PENDING)!;
  expect(adminLogsIn(clusterId, pending.secretString)).toBe(false);

  // A new rotation is refused while this one is unfinished; Secrets Manager reattempts it with its token, and it completes.
  const refused = await rotateNow(sim, REGION, secretArn).catch((e) => e);
  expect(String(refused)).toContain('A previous rotation isn\'t complete');
  await reattempt(sim, secretArn, pending.versionId);
  expect(secret.current.versionId).toBe(pending.versionId);
  expect(adminLogsIn(clusterId, pending.secretString)).toBe(true);
  expect(adminLogsIn(clusterId, old.secretString)).toBe(false);
});
