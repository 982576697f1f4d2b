// lambda/host/client-setup.sh (an application host's user data, from HsmClient.setupCommands) run
// with bash in the host sandbox against the simulator: the stand-in Client SDK library packages,
// the trust anchor from the simulator's Parameter Store, configure-<library> by cluster id (the
// stand-in records its arguments and looks the HSMs up with DescribeClusters). Each case checks the
// documented outcome of the script's header: exit code, message, files left on the host.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { hostFile, REGION } from './fixtures';
import { clusterWithHsm, PEM, useHostSandbox, useServedSimulator } from '../sim/fixtures';
import { SandboxHost } from '../sim/host/sandbox';
import { CommandResult } from '../sim/run-command';

const PARAMETER = '/app/cluster-trust-anchor';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:signer-AbCdEf';

const served = useServedSimulator(29);
const { sim } = served;
const hosts = useHostSandbox(served, REGION);
let host: SandboxHost;
beforeEach(() => {
  host = hosts.sandbox.host('i-0aaaaaaaaaaaaaaa7');
});

/** The script as HsmClient.setupCommands hands it to the host (variables in front), then `after`. */
function clientSetup(clusterId: string, vars: Record<string, string> = {}, after = ''): Promise<CommandResult> {
  const env: Record<string, string> = {
    CDK_CLOUDHSM_CLUSTER_ID: clusterId,
    CDK_CLOUDHSM_REGION: REGION,
    CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER: PARAMETER,
    CDK_CLOUDHSM_LIBRARIES: 'pkcs11 jce',
    CDK_CLOUDHSM_PACKAGE_URL: 'https://packages.example.invalid/cloudhsm-%LIB%-latest.amzn2023.%ARCH%.rpm',
    CDK_CLOUDHSM_USERNAME: 'signer',
    CDK_CLOUDHSM_USER_SECRET_ARN: SECRET_ARN,
    ...vars,
  };
  const exports = Object.entries(env).map(([k, v]) => `export ${k}='${v}'`).join('\n');
  return host.run(`${exports}\n${hostFile('client-setup.sh').replace(/^#!.*\n/, '')}\n${after}`);
}

const configureCalls = () => readFileSync(path.join(host.cloudhsmDir, 'run', 'configure-calls.jsonl'), 'utf8')
  .trim().split('\n').map((l) => JSON.parse(l) as { tool: string; args: string[] });

test('installs each library, writes the trust anchor from its parameter, configures each library by cluster id, writes the environment file', async () => {
  const { clusterId, ip } = clusterWithHsm(sim, REGION);
  sim.putParameter(REGION, PARAMETER, PEM);
  const r = await clientSetup(clusterId);
  expect(r.stderr).toContain(`cdk-cloudhsm client setup: configured (pkcs11 jce) for cluster ${clusterId}`);
  expect(r.exitCode).toBe(0);
  expect(readFileSync(path.join(host.cloudhsmDir, 'etc', 'customerCA.crt'), 'utf8').trim()).toBe(PEM.trim());
  expect(configureCalls().map((c) => [c.tool, c.args.slice(0, 2)])).toEqual([
    ['configure-pkcs11', ['--cluster-id', clusterId]],
    ['configure-jce', ['--cluster-id', clusterId]],
  ]);
  const pkcs11 = JSON.parse(readFileSync(path.join(host.cloudhsmDir, 'etc', 'cloudhsm-pkcs11.cfg'), 'utf8'));
  expect(pkcs11.clusters[0].cluster.servers).toEqual([expect.objectContaining({ hostname: ip, port: 2223 })]);
  expect(readFileSync(host.clientEnvFile, 'utf8')).toBe(
    `CDK_CLOUDHSM_CLUSTER_ID=${clusterId}\nCDK_CLOUDHSM_REGION=${REGION}\nCDK_CLOUDHSM_USERNAME=signer\nCDK_CLOUDHSM_USER_SECRET_ARN=${SECRET_ARN}\n`);
});

test('a trust anchor parameter that is not there fails the setup, naming the step; nothing is configured', async () => {
  const { clusterId } = clusterWithHsm(sim, REGION);
  const r = await clientSetup(clusterId);
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain(`cdk-cloudhsm client setup: failed while: reading the trust anchor from ${PARAMETER}`);
  expect(r.stderr).toContain('ParameterNotFound');
  expect(existsSync(path.join(host.cloudhsmDir, 'run', 'configure-calls.jsonl'))).toBe(false);
});

test('a missing variable: exit 2, named', async () => {
  const r = await clientSetup('cluster-aaaaaaaaaaa', { CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER: '' });
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toContain('CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER is not set');
});

test('a command of the application after the setup that fails is its own failure, not reported as the setup\'s', async () => {
  const { clusterId } = clusterWithHsm(sim, REGION);
  sim.putParameter(REGION, PARAMETER, PEM);
  const r = await clientSetup(clusterId, {}, 'echo "application starts"; false');
  expect(r.stdout).toContain('application starts');
  expect(r.exitCode).not.toBe(0);
  expect(r.stderr).not.toContain('failed while');
});
