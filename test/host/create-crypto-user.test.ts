// lambda/host/create-crypto-user.sh run with bash in the host sandbox against the simulator, after
// the real setup.sh and activate.sh: the stand-in CloudHSM CLI keeps the cluster's users, `aws`
// reads both passwords from the simulator's Secrets Manager. Each case checks the documented outcome
// (exit code and message of the script's header), the cluster's users afterwards, and that no
// password is in any output.

import { expectNoSecret, failedAfter, REGION, runSent, runSetup } from './fixtures';
import { clusterWithHsm, PEM, useHostSandbox, useServedSimulator } from '../sim/fixtures';
import { SandboxHost } from '../sim/host/sandbox';
import { CommandResult } from '../sim/run-command';

const ADMIN_PASSWORD = 'Gr33n-Tea-Kettle-42';
const USER_PASSWORD = 'Signer7Password8Abc';
const OTHER_PASSWORD = 'Another-Pass-99';

const served = useServedSimulator(23);
const { sim } = served;
const hosts = useHostSandbox(served, REGION);
let host: SandboxHost;
beforeEach(() => {
  host = hosts.sandbox.host('i-0aaaaaaaaaaaaaaa4');
});

interface World { clusterId: string; ip: string; admin: string; user: string }

async function activeCluster(userPassword = USER_PASSWORD): Promise<World> {
  const c = clusterWithHsm(sim, REGION);
  const admin = sim.createSecret(REGION, 'admin', ADMIN_PASSWORD).arn;
  const user = sim.createSecret(REGION, 'signer', userPassword).arn;
  expect((await runSetup(host)).exitCode).toBe(0);
  const activated = await runSent(host, 'activate.sh', ['--cluster-id', c.clusterId, '--secret-id', admin, '--region', REGION, '--hsm-ip', c.ip,
    '--trust-anchor-b64', Buffer.from(PEM).toString('base64'), '--setup-wait', '0']);
  expect(activated.exitCode).toBe(0);
  return { ...c, admin, user };
}

const cryptoUser = (w: World, extra: string[] = [], username = 'signer') => runSent(host, 'create-crypto-user.sh', [
  '--cluster-id', w.clusterId, '--username', username, '--admin-secret-id', w.admin, '--user-secret-id', w.user, '--region', REGION,
  '--hsm-ip', w.ip, '--trust-anchor-b64', Buffer.from(PEM).toString('base64'), '--setup-wait', '0', ...extra,
]);

const usersNamed = (w: World, name: string) => sim.hsmUsers.of(REGION, w.clusterId).filter((u) => u.username === name);
const expectNoPassword = (...results: CommandResult[]) => expectNoSecret(results, [ADMIN_PASSWORD, USER_PASSWORD, OTHER_PASSWORD]);

describe('create', () => {
  test('absent: created as a crypto user with the secret\'s password', async () => {
    const w = await activeCluster();
    const r = await cryptoUser(w);
    expect(r).toMatchObject({ exitCode: 0, stdout: `crypto user signer created on cluster ${w.clusterId}\n` });
    expect(usersNamed(w, 'signer')).toEqual([expect.objectContaining({ role: 'crypto-user', password: USER_PASSWORD, locked: false })]);
    expectNoPassword(r);
  });

  test('run twice (a retried or duplicated command): one user, the second run reuses it', async () => {
    const w = await activeCluster();
    const [first, second] = [await cryptoUser(w), await cryptoUser(w)];
    expect(first.exitCode).toBe(0);
    expect(second).toMatchObject({ exitCode: 0, stdout: `crypto user signer already exists on cluster ${w.clusterId}; the password in ${w.user} logs in\n` });
    expect(usersNamed(w, 'signer')).toHaveLength(1);
    expectNoPassword(first, second);
  });

  test('present with another password: exit 12, its password unchanged; the same secret version is not tried again', async () => {
    const w = await activeCluster();
    sim.hsmUsers.add(REGION, w.clusterId, { username: 'signer', role: 'crypto-user', password: OTHER_PASSWORD, locked: false });
    const r = await cryptoUser(w);
    expect(r.exitCode).toBe(12);
    expect(r.stderr).toContain(`crypto user signer already exists on cluster ${w.clusterId} and the password in ${w.user} does not log in as signer`);
    expect(r.stderr).toContain('user change-password --username signer --role crypto-user');
    // The next command carries the record (the handler reads it from SSM's history), on a new host.
    host = hosts.sandbox.host('i-0bbbbbbbbbbbbbbb6');
    expect((await runSetup(host)).exitCode).toBe(0);
    const again = await cryptoUser(w, failedAfter(r, [{ user: 'signer', secretId: w.user }]));
    expect(again.exitCode).toBe(12);
    expect(again.stderr).toContain('before and is not tried again');
    expect(usersNamed(w, 'signer')[0]).toMatchObject({ password: OTHER_PASSWORD, failedLogins: 1, locked: false });
    // the refusal records the failure again: the command after it still carries it
    expect(failedAfter(again, [{ user: 'signer', secretId: w.user }])).toEqual(failedAfter(r, [{ user: 'signer', secretId: w.user }]));
    expectNoPassword(r, again);
  });

  test('the host keeps no record: without --failed-login the same version is tried (one more failed login)', async () => {
    const w = await activeCluster();
    sim.hsmUsers.add(REGION, w.clusterId, { username: 'signer', role: 'crypto-user', password: OTHER_PASSWORD, locked: false });
    expect((await cryptoUser(w)).exitCode).toBe(12);
    const again = await cryptoUser(w);
    expect(again.stderr).toContain('does not log in as signer');
    expect(usersNamed(w, 'signer')[0]).toMatchObject({ failedLogins: 2 });
  });

  test('a wrong admin secret: exit 9 with the record; the next command with it does not log in as admin again', async () => {
    const w = await activeCluster();
    w.admin = sim.createSecret(REGION, 'wrong-admin', OTHER_PASSWORD).arn;
    const r = await cryptoUser(w);
    expect(r.exitCode).toBe(9);
    const failed = failedAfter(r, [{ user: 'admin', secretId: w.admin }]);
    expect(failed).toEqual(['--failed-login', expect.stringMatching(/^admin=[0-9a-f-]+$/)]);
    const again = await cryptoUser(w, failed);
    expect(again.exitCode).toBe(9);
    expect(again.stderr).toContain('did not log in to cluster');
    expect(again.stderr).toContain('before and is not tried again');
    expect(usersNamed(w, 'admin')[0]).toMatchObject({ failedLogins: 1, locked: false });
    expectNoPassword(r, again);
  });

  test('--failed-login that is not USER=VERSION: exit 2', async () => {
    const w = await activeCluster();
    const r = await cryptoUser(w, ['--failed-login', 'admin']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--failed-login takes USER=VERSION');
  });

  test('a password the CLI cannot take: exit 6 before any CLI session', async () => {
    const w = await activeCluster('has space in it');
    const r = await cryptoUser(w);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain('contains whitespace, a quote or a backslash');
    expect(usersNamed(w, 'signer')).toEqual([]);
  });

  test('a name the CLI would refuse, or no trust anchor in the command: exit 2, nothing done', async () => {
    const w = await activeCluster();
    const bad = await cryptoUser(w, [], 'Not-A-Name');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--username Not-A-Name is not a CloudHSM user name');
    const noAnchor = await runSent(host, 'create-crypto-user.sh', ['--cluster-id', w.clusterId, '--username', 'signer', '--admin-secret-id', w.admin,
      '--user-secret-id', w.user, '--region', REGION, '--hsm-ip', w.ip]);
    expect(noAnchor.exitCode).toBe(2);
    expect(noAnchor.stderr).toContain('--trust-anchor-b64');
    expect(usersNamed(w, 'signer')).toEqual([]);
  });

  test('a replaced admin host (set up, never used): the trust anchor the command carries is enough', async () => {
    const w = await activeCluster();
    host = hosts.sandbox.host('i-0bbbbbbbbbbbbbbb5');
    expect((await runSetup(host)).exitCode).toBe(0);
    const r = await cryptoUser(w);
    expect(r).toMatchObject({ exitCode: 0, stdout: `crypto user signer created on cluster ${w.clusterId}\n` });
  });
});

describe('delete', () => {
  test('the user this secret made: deleted; a second delete finds nothing to do', async () => {
    const w = await activeCluster();
    expect((await cryptoUser(w)).exitCode).toBe(0);
    const r = await cryptoUser(w, ['--delete']);
    expect(r).toMatchObject({ exitCode: 0, stdout: `crypto user signer deleted from cluster ${w.clusterId}\n` });
    expect(usersNamed(w, 'signer')).toEqual([]);
    const again = await cryptoUser(w, ['--delete']);
    expect(again).toMatchObject({ exitCode: 0, stdout: `crypto user signer is not on cluster ${w.clusterId}: nothing to delete\n` });
    expectNoPassword(r, again);
  });

  test('a user of that name with another password (not made by this secret): left as it is', async () => {
    const w = await activeCluster();
    sim.hsmUsers.add(REGION, w.clusterId, { username: 'signer', role: 'crypto-user', password: OTHER_PASSWORD, locked: false });
    const r = await cryptoUser(w, ['--delete']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('crypto user signer left on cluster');
    expect(usersNamed(w, 'signer')).toHaveLength(1);
    expectNoPassword(r);
  });

  test('a user that owns keys: left (the CLI refuses), exit 0 saying why', async () => {
    const w = await activeCluster();
    expect((await cryptoUser(w)).exitCode).toBe(0);
    usersNamed(w, 'signer')[0].ownedKeys = 2;
    const r = await cryptoUser(w, ['--delete']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`crypto user signer left on cluster ${w.clusterId}: it owns keys`);
    expect(usersNamed(w, 'signer')).toHaveLength(1);
  });
});
