// Issue #26, done-when 1 (the crypto user's part) and the login guard of rotate-password.sh: a crypto
// user's password rotated by Secrets Manager through the stack's rotation function (the bundled
// handler's `rotate`) and the admin host's real scripts (rotate-password.sh in the host sandbox,
// against the simulator's CloudHSM CLI). Afterwards the new password logs in as the user and the old
// one does not, the admin's is untouched, and the secret's labels are the ones the Secrets Manager
// documentation describes. A set step that fails (the CLI refuses to change the password of a user
// logged in elsewhere) leaves the old password working. Rotations that Secrets Manager reattempts
// after a failed login (an admin secret out of step, a new password that did not log in) try that
// secret version once only, so no user is locked out.

import { Duration } from 'aws-cdk-lib';
import { DeployHarness } from './engine';
import { CryptoUser } from '../../src';
import { activationTemplate, activationWorld, REGION } from '../fixtures/activation-stack';
import { labelsAfterRotation, reattempt, rotateNow, rotationFunction, useRotationFunction } from '../fixtures/rotation';
import { useServedSimulator } from '../sim/fixtures';
import { HostSandbox } from '../sim/host/sandbox';
import { runHsmCli } from '../sim/hsm-cli';
import { CURRENT, PENDING, PREVIOUS } from '../sim/secrets';

const served = useServedSimulator(27);
const { sim, pca } = served;
let sandbox: HostSandbox;
beforeEach(() => {
  sandbox = activationWorld(sim, pca, served.url);
});
afterEach(() => sandbox.dispose());

const ipsOf = (clusterId: string) => (sim.peekCluster(REGION, clusterId) as any).Hsms.map((h: any) => h.EniIp);
/** One CLI login as `username` with `password` (`session`: a session that stays logged in, as an application's). */
function logsIn(clusterId: string, username: string, role: string, password: string, session?: string): boolean {
  return runHsmCli((sim as any).store, sim.hsmUsers, REGION, ipsOf(clusterId), ['login', '--username', username, '--role', role], password, session).exitCode === 0;
}

async function deployWithCryptoUserRotation(stackName: string) {
  const h = new DeployHarness({ sim, endpoint: served.url, stackName });
  const created = await h.deploy(activationTemplate(stackName, {}, (stack, cluster) => {
    new CryptoUser(stack, 'Signer', { cluster, username: 'signer', rotation: { automaticallyAfter: Duration.days(7) } });
  }));
  expect(created.outcome).toEqual({ status: 'success' });
  const clusterId = created.outputs.ClusterId;
  const cryptoUser = Object.values(created.resources).find((r) => r.type === 'Custom::CloudHsmCryptoUser')!;
  const secretArn = (cryptoUser.properties as any).UserSecretArn as string;
  const { functionArn, environment } = rotationFunction(created, 'signer');
  useRotationFunction(sim, served.url, REGION, environment, functionArn);
  const secret = sim.secrets.find(REGION, secretArn)!;
  const adminSecret = sim.secrets.find(REGION, created.outputs.AdminSecretArn)!;
  const signer = () => sim.hsmUsers.find(REGION, clusterId, 'signer')!;
  const admin = () => sim.hsmUsers.find(REGION, clusterId, 'admin')!;
  expect(signer().password).toBe(secret.secretString);
  return { clusterId, secretArn, functionArn, secret, adminSecret, signer, admin };
}

/** The rotation steps' commands on the host, as "step exit" (the script's `--step` and its exit code). */
const stepRuns = () => sim.runCommand.all().filter((c) => c.comment?.startsWith('cdk-cloudhsm rotate-'))
  .map((c) => `${c.comment!.split(' ')[1]} ${c.invocations[0].responseCode}`);

test('a rotation of a crypto user\'s secret: the new password logs in as the user, the old does not, labels as documented', async () => {
  const { clusterId, secretArn, functionArn, secret, adminSecret, signer, admin } = await deployWithCryptoUserRotation('RotateCu');
  const old = secret.current;
  const adminBefore = admin().password;

  const outcome = await rotateNow(sim, REGION, secretArn, functionArn);
  expect(outcome).toEqual({ token: outcome.token });

  expect(labelsAfterRotation(secret, old.versionId)).toEqual({
    currentVersion: outcome.token, currentStages: [CURRENT], oldStages: [PREVIOUS], pendingLeft: false, newPassword: 'new, 32 letters and digits',
  });
  const now = secret.current;
  expect(logsIn(clusterId, 'signer', 'crypto-user', now.secretString)).toBe(true);
  expect(logsIn(clusterId, 'signer', 'crypto-user', old.secretString)).toBe(false);
  expect(signer()).toMatchObject({ role: 'crypto-user', locked: false });
  // The admin set it (user change-password as admin) and is untouched, as its secret.
  expect(admin().password).toBe(adminBefore);
  expect(adminSecret.secretString).toBe(adminBefore);
  // The set and test steps ran the real script on the host, for the crypto user.
  expect(stepRuns()).toEqual(['rotate-set 0', 'rotate-test 0']);
  const sent = sim.runCommand.all().filter((c) => c.comment?.startsWith('cdk-cloudhsm rotate-')).map((c) => (c.parameters.commands ?? []).join('\n'));
  expect(sent.every((text) => text.includes("'--username' 'signer' '--role' 'crypto-user'"))).toBe(true);
  expect(sent.join('\n')).not.toContain(now.secretString);
});

test('a set step the CLI refuses (the user is logged in elsewhere) leaves the old password working and AWSCURRENT unchanged', async () => {
  const { clusterId, secretArn, functionArn, secret, signer } = await deployWithCryptoUserRotation('RotateCuLoggedIn');
  const old = secret.current;
  // An application holds a session as the user: the CLI refuses to change its password.
  expect(logsIn(clusterId, 'signer', 'crypto-user', old.secretString, 'application')).toBe(true);
  const outcome = await rotateNow(sim, REGION, secretArn, functionArn);
  expect(outcome.failedStep).toBe('setSecret');
  expect(outcome.error).toContain('user change-password --username signer failed');
  expect(outcome.error).toContain('the old password still holds');
  expect(secret.current.versionId).toBe(old.versionId);
  expect(secret.current.stages).toEqual([CURRENT]);
  expect(signer().password).toBe(old.secretString);
  expect(logsIn(clusterId, 'signer', 'crypto-user', old.secretString)).toBe(true);
  const pending = secret.withStage(PENDING)!;

  // Once the application has logged out, Secrets Manager's reattempt with the same token completes it.
  sim.hsmUsers.endSession('application');
  await reattempt(sim, secretArn, pending.versionId, functionArn);
  expect(secret.current.versionId).toBe(pending.versionId);
  expect(logsIn(clusterId, 'signer', 'crypto-user', pending.secretString)).toBe(true);
  expect(secret.withStage(PENDING)).toBeUndefined();
});

describe('the login guard: a reattempted rotation does not lock a user out', () => {
  test('an admin secret out of step: its version is tried once; reattempts fail without a login; a corrected secret completes the rotation', async () => {
    const { clusterId, secretArn, functionArn, secret, adminSecret, signer, admin } = await deployWithCryptoUserRotation('RotateCuAdminOutOfStep');
    const old = secret.current;
    // Someone changed the admin's password on the HSMs without putting it into the admin secret.
    const handSet = 'HandSetAdminPassword0123456789ab';
    sim.hsmUsers.setPassword(admin(), handSet);
    const outcome = await rotateNow(sim, REGION, secretArn, functionArn);
    expect(outcome.failedStep).toBe('setSecret');
    expect(outcome.error).toContain('does not log in to cluster');
    expect(admin().failedLogins).toBe(1);
    // Secrets Manager reattempts the rotation (more times than the CLI's five failed logins).
    const errors: string[] = [];
    for (let n = 0; n < 5; n++) errors.push(await reattempt(sim, secretArn, outcome.token, functionArn).then(() => 'completed', (e) => String(e)));
    expect(admin()).toMatchObject({ locked: false, failedLogins: 1 });
    for (const err of errors) expect(err).toMatch(/did not log in to cluster .* before and is not tried again/);
    expect(signer().password).toBe(old.secretString);
    expect(secret.current.versionId).toBe(old.versionId);

    // The admin's password put into its secret (a new version): the next reattempt tries it, and the rotation completes.
    sim.secrets.addVersion(adminSecret, handSet, sim.clock.now(), [CURRENT]);
    await reattempt(sim, secretArn, outcome.token, functionArn);
    expect(secret.current.versionId).toBe(outcome.token);
    expect(logsIn(clusterId, 'signer', 'crypto-user', secret.current.secretString)).toBe(true);
    expect(admin().locked).toBe(false);
  });

  test('a new password that did not log in (changed behind the rotation\'s back): the reattempt has the admin set it again, then one login', async () => {
    const { clusterId, secretArn, functionArn, secret, signer } = await deployWithCryptoUserRotation('RotateCuTestFails');
    // Right after the set step, someone sets another password for the user by hand.
    let tampered = false;
    sim.setCommandRunner(async (run) => {
      const result = await sandbox.runner(run);
      if (!tampered && /'--step' 'set'/.test(run.commands[0] ?? '') && result.exitCode === 0) {
        tampered = true;
        sim.hsmUsers.setPassword(signer(), 'SomebodyElsesPassword0123456789a');
      }
      return result;
    });
    const outcome = await rotateNow(sim, REGION, secretArn, functionArn);
    expect(outcome.failedStep).toBe('testSecret');
    expect(outcome.error).toContain('does not log in as signer');
    expect(signer().failedLogins).toBe(1);

    // Secrets Manager's reattempt: the set step does not trust its mark for a version that failed since.
    await reattempt(sim, secretArn, outcome.token, functionArn);
    expect(secret.current.versionId).toBe(outcome.token);
    expect(secret.withStage(PENDING)).toBeUndefined();
    expect(signer()).toMatchObject({ locked: false, password: secret.current.secretString });
    expect(logsIn(clusterId, 'signer', 'crypto-user', secret.current.secretString)).toBe(true);
    expect(stepRuns()).toEqual(['rotate-set 0', 'rotate-test 13', 'rotate-set 0', 'rotate-test 0']);
  });
});
