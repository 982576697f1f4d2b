// lambda/host/create-kmsuser.sh run with bash in the host sandbox against the simulator, after the
// real setup.sh and activate.sh: the stand-in CloudHSM CLI keeps the cluster's users (login sessions,
// user list, user create), `aws` reads both passwords from the simulator's Secrets Manager. Each case
// checks the documented outcome (exit code and message of the script's header), what the cluster's
// users are afterwards, and that neither password is in any output.

import { expectNoSecret, failedAfter, REGION, runSent, runSetup } from './fixtures';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '../sim';
import { clusterWithHsm, PEM } from '../sim/fixtures';
import { HostSandbox, SandboxHost } from '../sim/host/sandbox';
import { CommandResult } from '../sim/run-command';

const ADMIN_PASSWORD = 'Gr33n-Tea-Kettle-42';
const KMSUSER_PASSWORD = 'Kms4User5Password6';

let server: SimulatorServer;
let sim: CloudHsmSimulator;
let sandbox: HostSandbox;
let host: SandboxHost;

beforeAll(async () => {
  server = await startSimulatorServer(new CloudHsmSimulator({ seed: 17 }));
  sim = server.sim;
});
afterAll(() => server.close());
beforeEach(() => {
  sim.reset();
  sandbox = new HostSandbox({ endpoint: server.url, region: REGION });
  host = sandbox.host('i-0aaaaaaaaaaaaaaa2');
});
afterEach(() => sandbox.dispose());

const run = (name: string, argv: string[]) => runSent(host, name, argv);

interface World { clusterId: string; ip: string; admin: string; kmsuser: string }

/** An ACTIVE cluster with the admin password of its secret, the host set up as the stack does it. */
async function activeCluster(kmsUserPassword = KMSUSER_PASSWORD): Promise<World> {
  const c = clusterWithHsm(sim, REGION);
  const admin = sim.createSecret(REGION, 'admin', ADMIN_PASSWORD).arn;
  const kmsuser = sim.createSecret(REGION, 'kmsuser', kmsUserPassword).arn;
  const setup = await runSetup(host);
  expect(setup.exitCode).toBe(0);
  const activated = await run('activate.sh', ['--cluster-id', c.clusterId, '--secret-id', admin, '--region', REGION, '--hsm-ip', c.ip,
    '--trust-anchor-b64', Buffer.from(PEM).toString('base64'), '--setup-wait', '0']);
  expect(activated.exitCode).toBe(0);
  return { ...c, admin, kmsuser };
}

const createKmsUser = (w: World, extra: string[] = []) => run('create-kmsuser.sh', ['--cluster-id', w.clusterId, '--admin-secret-id', w.admin,
  '--kmsuser-secret-id', w.kmsuser, '--region', REGION, '--hsm-ip', w.ip, '--setup-wait', '0', ...extra]);

const expectNoPassword = (...results: CommandResult[]) => expectNoSecret(results, [ADMIN_PASSWORD, KMSUSER_PASSWORD, 'Another-Pass-99']);

test('kmsuser absent: created as a crypto user with the secret\'s password', async () => {
  const w = await activeCluster();
  expect(sim.hsmUsers.find(REGION, w.clusterId, 'kmsuser')).toBeUndefined();
  const r = await createKmsUser(w);
  expect(r).toMatchObject({ exitCode: 0, stdout: `crypto user kmsuser created on cluster ${w.clusterId}\n` });
  expect(sim.hsmUsers.find(REGION, w.clusterId, 'kmsuser')).toMatchObject({ role: 'crypto-user', password: KMSUSER_PASSWORD, locked: false });
  expectNoPassword(r);
});

test('kmsuser present with the same password (a retried command): reused, nothing changes', async () => {
  const w = await activeCluster();
  const first = await createKmsUser(w);
  const second = await createKmsUser(w);
  expect(first.exitCode).toBe(0);
  expect(second).toMatchObject({ exitCode: 0, stdout: `crypto user kmsuser already exists on cluster ${w.clusterId}; the password in ${w.kmsuser} logs in\n` });
  expect(sim.hsmUsers.of(REGION, w.clusterId).filter((u) => u.username === 'kmsuser')).toHaveLength(1);
  expectNoPassword(first, second);
});

test('kmsuser present with another password: exit 12 naming the secret and the fix; its password is not changed', async () => {
  const w = await activeCluster();
  sim.hsmUsers.add(REGION, w.clusterId, { username: 'kmsuser', role: 'crypto-user', password: 'Another-Pass-99', locked: false });
  const r = await createKmsUser(w);
  expect(r.exitCode).toBe(12);
  expect(r.stderr).toContain(`crypto user kmsuser already exists on cluster ${w.clusterId} and the password in ${w.kmsuser} does not log in as kmsuser`);
  expect(r.stderr).toContain('user change-password --username kmsuser --role crypto-user');
  expect(sim.hsmUsers.find(REGION, w.clusterId, 'kmsuser')?.password).toBe('Another-Pass-99');
  expectNoPassword(r);
});

test('the admin password does not log in: exit 9, no user created', async () => {
  const w = await activeCluster();
  w.admin = sim.createSecret(REGION, 'wrong-admin', 'Not-The-Admin-77').arn;
  const r = await createKmsUser(w);
  expect(r.exitCode).toBe(9);
  expect(r.stderr).toContain(`the admin password in ${w.admin} does not log in to cluster ${w.clusterId}`);
  expect(sim.hsmUsers.find(REGION, w.clusterId, 'kmsuser')).toBeUndefined();
  expect(r.stderr).not.toContain('Not-The-Admin-77');
});

test('a failed login travels with the next command (a replaced host): the same versions are not tried again', async () => {
  const w = await activeCluster();
  sim.hsmUsers.add(REGION, w.clusterId, { username: 'kmsuser', role: 'crypto-user', password: 'Another-Pass-99', locked: false });
  const logins = [{ user: 'admin', secretId: w.admin }, { user: 'kmsuser', secretId: w.kmsuser }];
  const first = await createKmsUser(w);
  expect(first.exitCode).toBe(12);
  expect(failedAfter(first, logins)).toEqual(['--failed-login', expect.stringMatching(/^kmsuser=/)]);
  host = sandbox.host('i-0bbbbbbbbbbbbbbb3');
  expect((await runSetup(host)).exitCode).toBe(0);
  const again = await createKmsUser(w, ['--trust-anchor-b64', Buffer.from(PEM).toString('base64'), ...failedAfter(first, logins)]);
  expect(again.exitCode).toBe(12);
  expect(again.stderr).toContain(`the password in ${w.kmsuser} (version `);
  expect(again.stderr).toContain('before and is not tried again');
  expect(failedAfter(again, logins)).toEqual(failedAfter(first, logins));
  expect(sim.hsmUsers.find(REGION, w.clusterId, 'kmsuser')).toMatchObject({ failedLogins: 1, locked: false });

  w.admin = sim.createSecret(REGION, 'wrong-admin', 'Not-The-Admin-77').arn;
  const adminLogins = [{ user: 'admin', secretId: w.admin }];
  const wrongAdmin = await createKmsUser(w);
  expect(wrongAdmin.exitCode).toBe(9);
  const adminAgain = await createKmsUser(w, failedAfter(wrongAdmin, adminLogins));
  expect(adminAgain.exitCode).toBe(9);
  expect(adminAgain.stderr).toContain('before and is not tried again');
  expect(sim.hsmUsers.find(REGION, w.clusterId, 'admin')).toMatchObject({ failedLogins: 1, locked: false });
  expectNoPassword(first, again, wrongAdmin, adminAgain);
});

test('the CLI failing (a broken installation): exit 9 with its error, no user created', async () => {
  const w = await activeCluster();
  host.faults = { cliCrashes: true };
  const r = await createKmsUser(w);
  expect(r.exitCode).toBe(9);
  expect(r.stderr).toContain('error while loading shared libraries');
  expect(sim.hsmUsers.find(REGION, w.clusterId, 'kmsuser')).toBeUndefined();
  expectNoPassword(r);
});

test('a kmsuser password the CLI cannot take: exit 6 before any CLI session', async () => {
  const w = await activeCluster('short');
  const r = await createKmsUser(w);
  expect(r.exitCode).toBe(6);
  expect(r.stderr).toContain(`the password in ${w.kmsuser} has 5 characters; the CloudHSM CLI takes 8 to 32`);
  expect(sim.hsmUsers.find(REGION, w.clusterId, 'kmsuser')).toBeUndefined();
});

test('an unreadable kmsuser secret: exit 5 naming it and the service error', async () => {
  const w = await activeCluster();
  w.kmsuser = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf';
  const r = await createKmsUser(w);
  expect(r.exitCode).toBe(5);
  expect(r.stderr).toContain(`cannot read the kmsuser password secret ${w.kmsuser}`);
  expect(r.stderr).toContain('ResourceNotFoundException');
});

test('a replaced admin host (set up, never activated from): the trust anchor the command carries is enough', async () => {
  const w = await activeCluster();
  host = sandbox.host('i-0bbbbbbbbbbbbbbb3');
  expect((await runSetup(host)).exitCode).toBe(0);
  const without = await createKmsUser(w);
  expect(without.exitCode).toBe(8);
  expect(without.stderr).toContain('no trust anchor at');
  const r = await createKmsUser(w, ['--trust-anchor-b64', Buffer.from(PEM).toString('base64')]);
  expect(r).toMatchObject({ exitCode: 0, stdout: `crypto user kmsuser created on cluster ${w.clusterId}\n` });
  expect(sim.hsmUsers.find(REGION, w.clusterId, 'kmsuser')).toMatchObject({ role: 'crypto-user', password: KMSUSER_PASSWORD });
  expectNoPassword(without, r);
});

test('missing arguments: exit 2 with the usage', async () => {
  const r = await run('create-kmsuser.sh', ['--cluster-id', 'cluster-abcdefghijk']);
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toContain('usage: --cluster-id, --admin-secret-id, --kmsuser-secret-id, --region and at least one --hsm-ip are required');
});
