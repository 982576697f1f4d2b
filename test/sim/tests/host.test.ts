// The host sandbox: scripts run with bash, the stand-in binaries act on the simulator over HTTP,
// runs are bounded in time, and Run Command on a simulated instance runs in its sandbox.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clusterWithHsm, useHostSandbox, useServedSimulator } from '../fixtures';
import { SandboxHost } from '../host/sandbox';

const REGION = 'us-east-1';
const CERT = '-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----';
const served = useServedSimulator(5);
const { sim } = served;
const hosts = useHostSandbox(served, REGION);
let host: SandboxHost;
beforeEach(() => {
  host = hosts.sandbox.host('i-0123456789abcdef0');
});

const initializedCluster = () => clusterWithHsm(sim, REGION);

describe('stand-ins', () => {
  test('aws secretsmanager get-secret-value --query SecretString --output text prints the secret; errors as the CLI words them', async () => {
    const s = sim.createSecret(REGION, 'admin-pw', 'Sup3r-Secret-Value');
    const ok = await host.run(`aws secretsmanager get-secret-value --secret-id '${s.arn}' --query SecretString --output text`);
    expect(ok).toMatchObject({ exitCode: 0, stdout: 'Sup3r-Secret-Value\n' });
    const missing = await host.run('aws secretsmanager get-secret-value --secret-id nope --query SecretString --output text');
    expect(missing.exitCode).toBe(254);
    expect(missing.stderr).toContain('An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can\'t find the specified secret.');
    const json = await host.run('aws --region us-east-1 secretsmanager describe-secret --secret-id admin-pw');
    expect(JSON.parse(json.stdout)).toMatchObject({ ARN: s.arn, Name: 'admin-pw' });
  });

  test('the CLI package installs cloudhsm-cli; configure-cli -a and the trust anchor; cluster activate turns the cluster ACTIVE', async () => {
    const { clusterId, ip } = initializedCluster();
    const missing = await host.run('"$CLOUDHSM_DIR/bin/cloudhsm-cli" user list');
    expect(missing.exitCode).toBe(127);
    await host.installCli();
    expect(existsSync(path.join(host.cloudhsmDir, 'bin', 'cloudhsm-cli'))).toBe(true);
    const noCa = await host.run(`"$CLOUDHSM_DIR/bin/configure-cli" -a ${ip} && "$CLOUDHSM_DIR/bin/cloudhsm-cli" user list`);
    expect(noCa.exitCode).toBe(1);
    expect(JSON.parse(noCa.stdout).data).toContain('trust anchor');
    host.writeCloudHsmFile('etc/customerCA.crt', CERT);
    expect(JSON.parse(readFileSync(path.join(host.cloudhsmDir, 'etc', 'cloudhsm-cli.cfg'), 'utf8')).clusters[0].cluster.servers).toEqual([{ hostname: ip, port: 2223, enable: true }]);
    const activated = await host.run('printf "%s\\n%s\\n" Correct-Horse-1 Correct-Horse-1 | "$CLOUDHSM_DIR/bin/cloudhsm-cli" cluster activate');
    expect(activated).toMatchObject({ exitCode: 0 });
    expect(JSON.parse(activated.stdout)).toEqual({ error_code: 0, data: 'Cluster activation successful' });
    expect(sim.peekCluster(REGION, clusterId)?.State).toBe('ACTIVE');
    const again = await host.run('"$CLOUDHSM_DIR/bin/cloudhsm-cli" cluster activate --password Other-Pass-22');
    expect(again.exitCode).toBe(1);
    expect(JSON.parse(again.stdout).data).toContain('already activated');
    const users = await host.run('"$CLOUDHSM_DIR/bin/cloudhsm-cli" user list');
    expect(JSON.parse(users.stdout).data.users[0]).toMatchObject({ username: 'admin', role: 'admin' });
  });

  test('configure-cli --cluster-id looks the HSM addresses up; an address with no HSM is unreachable', async () => {
    const { clusterId, ip } = initializedCluster();
    await host.installCli();
    host.writeCloudHsmFile('etc/customerCA.crt', CERT);
    await host.run(`"$CLOUDHSM_DIR/bin/configure-cli" --cluster-id ${clusterId} --region ${REGION}`);
    expect(readFileSync(path.join(host.cloudhsmDir, 'etc', 'cloudhsm-cli.cfg'), 'utf8')).toContain(ip);
    await host.run('"$CLOUDHSM_DIR/bin/configure-cli" -a 10.0.9.9');
    const unreachable = await host.run('"$CLOUDHSM_DIR/bin/cloudhsm-cli" cluster activate --password Correct-Horse-1');
    expect(unreachable.exitCode).toBe(1);
    expect(JSON.parse(unreachable.stdout).data).toContain('no HSM reachable at 10.0.9.9');
  });

  test('host faults: no network, failing package install, crashing CLI', async () => {
    host.faults = { noNetwork: true };
    const download = await host.run('curl -fsSL -o cli.rpm https://example.invalid/cloudhsm-cli-latest.x86_64.rpm');
    expect(download).toMatchObject({ exitCode: 6, stderr: 'curl: (6) Could not resolve host: example.invalid\n' });
    host.faults = { packageInstallFails: true };
    const install = await host.run('curl -fsSL -o cli.rpm https://example.invalid/cloudhsm-cli-latest.x86_64.rpm && dnf install -y ./cli.rpm');
    expect(install.exitCode).toBe(1);
    host.faults = {};
    await host.installCli();
    host.faults = { cliCrashes: true };
    const crash = await host.run('"$CLOUDHSM_DIR/bin/cloudhsm-cli" user list');
    expect(crash.exitCode).toBe(127);
    expect(crash.stderr).toContain('error while loading shared libraries');
  });

  test('IMDSv2 through curl answers with the host instance and region', async () => {
    const r = await host.run('T=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60"); '
      + 'curl -s -H "X-aws-ec2-metadata-token: $T" http://169.254.169.254/latest/meta-data/instance-id; echo; '
      + 'curl -s -H "X-aws-ec2-metadata-token: $T" http://169.254.169.254/latest/meta-data/placement/region');
    expect(r.stdout).toBe('i-0123456789abcdef0\nus-east-1');
  });
});

test('a run is bounded in real time: the process group is killed and the run reports timedOut', async () => {
  const started = Date.now();
  const r = await host.run('sleep 20 & sleep 20; echo never', { timeoutMs: 300 });
  expect(r.timedOut).toBe(true);
  expect(r.stdout).toBe('');
  expect(Date.now() - started).toBeLessThan(10_000);
});

test('SendCommand on a simulated instance runs its commands in the sandbox; GetCommandInvocation reports them', async () => {
  const i = sim.launchInstance(REGION, { userData: '#!/bin/bash\necho booted > "$HOME/marker"' });
  sim.advance(sim.timings.instanceBootMs);
  await sim.settle();
  expect(sim.instances.get(REGION, i.id)?.userDataResult?.exitCode).toBe(0);
  const ssm = new SSMClient({ region: REGION, endpoint: served.url, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  try {
    const { Command } = await ssm.send(new SendCommandCommand({
      DocumentName: 'AWS-RunShellScript', InstanceIds: [i.id], Parameters: { commands: ['cat "$HOME/marker"', 'echo oops >&2', 'exit 3'] },
    }));
    sim.advance(sim.timings.commandDeliveryMs);
    await sim.settle();
    const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: i.id }));
    expect(inv).toMatchObject({ Status: 'Failed', ResponseCode: 3, StandardOutputContent: 'booted\n', StandardErrorContent: 'oops\n' });
  } finally {
    ssm.destroy();
  }
});
