// The admin host's real scripts (lambda/host/setup.sh, lambda/host/activate.sh) run with bash in
// the host sandbox, against the simulator: the stand-in package tools install the stand-in
// CloudHSM CLI, `aws` reads the password from the simulator's Secrets Manager, and the CLI acts
// on the simulator's cluster. Each case checks the documented outcome (exit code and message of
// activate.sh's header) and that the password is in no output.

import { expectNoSecret, failedAfter, REGION, runSent, runSetup } from './fixtures';
import { clusterWithHsm, PEM, useHostSandbox, useServedSimulator } from '../sim/fixtures';
import { SandboxHost } from '../sim/host/sandbox';
import { CommandResult } from '../sim/run-command';

const CERT = PEM;
const PASSWORD = 'Gr33n-Tea-Kettle-42';

const served = useServedSimulator(8);
const { sim } = served;
const hosts = useHostSandbox(served, REGION);
let host: SandboxHost;
beforeEach(() => {
  host = hosts.sandbox.host('i-0aaaaaaaaaaaaaaa1');
});

const cluster = (initialize = true) => clusterWithHsm(sim, REGION, initialize);

const setup = () => runSetup(host);

/** activate.sh as the handler sends it: the script on stdin of `bash -s` with its arguments. */
function activate(args: { clusterId: string; ip: string; secretArn: string; extra?: string[] }): Promise<CommandResult> {
  const argv = ['--cluster-id', args.clusterId, '--secret-id', args.secretArn, '--region', REGION, '--hsm-ip', args.ip,
    '--trust-anchor-b64', Buffer.from(CERT).toString('base64'), '--setup-wait', '0', ...(args.extra ?? [])];
  return runSent(host, 'activate.sh', argv);
}

const expectNoPassword = (...results: CommandResult[]) => expectNoSecret(results, [PASSWORD]);

describe('setup.sh', () => {
  test('installs the CLI from the package URL and marks the host ready', async () => {
    const r = await setup();
    expect(r).toMatchObject({ exitCode: 0 });
    expect(r.stderr).toContain('cdk-cloudhsm setup: ready');
    const ls = await host.run('test -x "$CLOUDHSM_DIR/bin/cloudhsm-cli" && test -x "$CLOUDHSM_DIR/bin/configure-cli" && test -f "$CLOUDHSM_DIR/etc/cdk-cloudhsm-ready" && echo ok');
    expect(ls.stdout).toBe('ok\n');
  });

  test('a download that fails writes the failed marker naming the step', async () => {
    host.faults = { noNetwork: true };
    const r = await setup();
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('setup failed while: downloading https://packages.example.invalid/cloudhsm-cli-latest.amzn2023.');
    const marker = await host.run('cat "$CLOUDHSM_DIR/etc/cdk-cloudhsm-setup-failed"');
    expect(marker.stdout).toContain('downloading');
  });
});

describe('activate.sh', () => {
  test('success: an INITIALIZED cluster becomes ACTIVE; admin has the secret\'s password', async () => {
    const c = cluster();
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    expect((await setup()).exitCode).toBe(0);
    const r = await activate({ ...c, secretArn: secret.arn });
    expect(r).toMatchObject({ exitCode: 0, stdout: `cluster ${c.clusterId} activated\n` });
    expect(sim.peekCluster(REGION, c.clusterId)?.State).toBe('ACTIVE');
    expect(sim.hsmUsers.find(REGION, c.clusterId, 'admin')).toMatchObject({ role: 'admin', password: PASSWORD });
    expectNoPassword(r);
  });

  test('already active with this password (a retried command): success, nothing changes', async () => {
    const c = cluster();
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    await setup();
    const first = await activate({ ...c, secretArn: secret.arn });
    const second = await activate({ ...c, secretArn: secret.arn });
    expect(first.exitCode).toBe(0);
    expect(second).toMatchObject({ exitCode: 0, stdout: `cluster ${c.clusterId} is already active; the admin password in ${secret.arn} logs in\n` });
    expectNoPassword(first, second);
  });

  test('two activations at once: both succeed, one activates, the other finds it active', async () => {
    const c = cluster();
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    await setup();
    const [a, b] = await Promise.all([activate({ ...c, secretArn: secret.arn }), activate({ ...c, secretArn: secret.arn })]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect([a.stdout, b.stdout].filter((o) => o.includes('activated\n'))).toHaveLength(1);
    expect([a.stdout, b.stdout].filter((o) => o.includes('already active'))).toHaveLength(1);
  });

  test('wrong password: the cluster is active with another admin password -> exit 11, the secret named, no password', async () => {
    const c = cluster();
    expect(sim.hsmCli(REGION, [c.ip], ['cluster', 'activate'], 'Someone-Elses-Pass1').exitCode).toBe(0);
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    await setup();
    const r = await activate({ ...c, secretArn: secret.arn });
    expect(r.exitCode).toBe(11);
    expect(r.stderr).toContain(`cluster ${c.clusterId} is already active and the password in ${secret.arn} does not log in as admin`);
    expect(r.stderr).not.toContain('Someone-Elses-Pass1');
    expectNoPassword(r);
  });

  test('not initialized: the CLI refuses -> exit 10 with its error', async () => {
    const c = cluster(false);
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    await setup();
    const r = await activate({ ...c, secretArn: secret.arn });
    expect(r.exitCode).toBe(10);
    expect(r.stderr).toContain(`cluster activate failed for ${c.clusterId}`);
    expect(r.stderr).toContain('is UNINITIALIZED; it must be INITIALIZED');
    expect(sim.peekCluster(REGION, c.clusterId)?.State).toBe('UNINITIALIZED');
    expectNoPassword(r);
  });

  test('unreachable HSM: an address with no HSM -> exit 10 naming it', async () => {
    const c = cluster();
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    await setup();
    const r = await activate({ ...c, ip: '10.0.1.250', secretArn: secret.arn });
    expect(r.exitCode).toBe(10);
    expect(r.stderr).toContain('no HSM reachable at 10.0.1.250');
    expect(sim.peekCluster(REGION, c.clusterId)?.State).toBe('INITIALIZED');
  });

  test('CLI missing: setup never ran -> exit 4 (not ready); ready but no CLI -> exit 3', async () => {
    const c = cluster();
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    const notReady = await activate({ ...c, secretArn: secret.arn });
    expect(notReady.exitCode).toBe(4);
    expect(notReady.stderr).toContain('the admin host\'s setup has not finished after 0 s');
    await setup();
    await host.run('rm "$CLOUDHSM_DIR/bin/cloudhsm-cli"');
    const missing = await activate({ ...c, secretArn: secret.arn });
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toContain('the CloudHSM CLI is not installed');
  });

  test('CLI install failed during setup -> exit 4 with the setup\'s failure', async () => {
    const c = cluster();
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    host.faults = { packageInstallFails: true };
    expect((await setup()).exitCode).not.toBe(0);
    host.faults = {};
    const r = await activate({ ...c, secretArn: secret.arn });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('the admin host\'s setup failed: setup failed while: installing the CloudHSM CLI package');
  });

  test('CLI failing (a broken installation) -> exit 10 with its error; the cluster stays INITIALIZED', async () => {
    const c = cluster();
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    await setup();
    host.faults = { cliCrashes: true };
    const r = await activate({ ...c, secretArn: secret.arn });
    expect(r.exitCode).toBe(10);
    expect(r.stderr).toContain('error while loading shared libraries');
    expect(sim.peekCluster(REGION, c.clusterId)?.State).toBe('INITIALIZED');
    expectNoPassword(r);
  });

  test('a secret it cannot read -> exit 5 naming the secret and the service error', async () => {
    const c = cluster();
    await setup();
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf';
    const r = await activate({ ...c, secretArn: arn });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain(`cannot read the admin password secret ${arn}`);
    expect(r.stderr).toContain('ResourceNotFoundException');
  });

  test('throttled reads are retried as the CLI does with the prelude\'s AWS_MAX_ATTEMPTS=8: seven throttles pass, eight fail naming the secret', async () => {
    const c = cluster();
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    await setup();
    sim.injectFault({ kind: 'throttle', operation: 'GetSecretValue', nextCalls: 7 });
    expect(await activate({ ...c, secretArn: secret.arn })).toMatchObject({ exitCode: 0 });
    sim.clearFaults();
    const other = cluster();
    sim.injectFault({ kind: 'throttle', operation: 'GetSecretValue', nextCalls: 8 });
    const r = await activate({ ...other, secretArn: secret.arn });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain(`cannot read the admin password secret ${secret.arn}`);
    expect(r.stderr).toContain('ThrottlingException');
  });
});

describe('the sandbox\'s aws stand-in retries as the CLI\'s standard mode', () => {
  const read = (arn: string, env = '') => host.run(`${env} aws secretsmanager get-secret-value --secret-id ${arn} --region ${REGION} --query Name --output text`);

  test('three attempts when AWS_MAX_ATTEMPTS is unset; an error that is not throttling is not retried', async () => {
    const secret = sim.createSecret(REGION, 'plain', PASSWORD);
    sim.injectFault({ kind: 'throttle', operation: 'GetSecretValue', nextCalls: 2 });
    expect(await read(secret.arn)).toMatchObject({ exitCode: 0, stdout: 'plain\n' });
    sim.clearFaults();
    sim.injectFault({ kind: 'throttle', operation: 'GetSecretValue', nextCalls: 3 });
    expect((await read(secret.arn)).stderr).toContain('(ThrottlingException) when calling the GetSecretValue operation');
    sim.clearFaults();
    sim.injectFault({ kind: 'throttle', operation: 'GetSecretValue', nextCalls: 3 });
    expect(await read(secret.arn, 'AWS_MAX_ATTEMPTS=4')).toMatchObject({ exitCode: 0 });
    sim.clearFaults();
    const missing = await read('arn:aws:secretsmanager:us-east-1:123456789012:secret:none-AbCdEf', 'AWS_MAX_ATTEMPTS=8');
    expect(missing.stderr).toContain('ResourceNotFoundException');
  });
});

describe('activate.sh: an admin secret version that failed to log in is not tried again (the record travels with the command)', () => {
  for (const [name, extra] of [['an ACTIVE cluster (a re-added activation)', []], ['a restored cluster (--check-only)', ['--check-only']]] as const) {
    test(`${name}: six runs, each on a new host, log in as admin once`, async () => {
      const c = cluster();
      expect(sim.hsmCli(REGION, [c.ip], ['cluster', 'activate'], 'Someone-Elses-Pass1').exitCode).toBe(0);
      const secret = sim.createSecret(REGION, 'admin', PASSWORD);
      const logins = [{ user: 'admin', secretId: secret.arn }];
      let failed: string[] = [];
      const results: CommandResult[] = [];
      for (let run = 1; run <= 6; run++) {
        host = hosts.sandbox.host(`i-0ccccccccccccccc${run}`);
        expect((await setup()).exitCode).toBe(0);
        const r = await activate({ ...c, secretArn: secret.arn, extra: [...extra, ...failed] });
        expect(r.exitCode).toBe(11);
        if (run > 1) expect(r.stderr).toContain('before and is not tried again');
        failed = failedAfter(r, logins);
        expect(failed).toEqual(['--failed-login', expect.stringMatching(/^admin=[0-9a-f-]+$/)]);
        results.push(r);
      }
      const adminUser = sim.hsmUsers.of(REGION, c.clusterId).find((u) => u.username === 'admin');
      expect(adminUser).toMatchObject({ password: 'Someone-Elses-Pass1', failedLogins: 1, locked: false });
      expectNoPassword(...results);
    });
  }

  test('a new secret version is tried: the record names the version, not the secret', async () => {
    const c = cluster();
    expect(sim.hsmCli(REGION, [c.ip], ['cluster', 'activate'], 'Someone-Elses-Pass1').exitCode).toBe(0);
    const secret = sim.createSecret(REGION, 'admin', PASSWORD);
    await setup();
    const first = await activate({ ...c, secretArn: secret.arn, extra: ['--check-only'] });
    expect(first.exitCode).toBe(11);
    sim.secrets.putValue(secret, 'Someone-Elses-Pass1');
    const fixed = await activate({ ...c, secretArn: secret.arn, extra: ['--check-only', ...failedAfter(first, [{ user: 'admin', secretId: secret.arn }])] });
    expect(fixed).toMatchObject({ exitCode: 0 });
    expect(fixed.stdout).toContain('the admin password in');
  });
});
