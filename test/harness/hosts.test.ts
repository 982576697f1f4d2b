// The harness with hosts and secrets: an AWS::EC2::Instance of the template becomes a simulated
// managed instance that runs its real user data in the host sandbox and is Online in SSM after
// its boot delay; AWS::SecretsManager::Secret with GenerateSecretString exists in the simulator
// with a value that follows the template's rules; destroy removes both (unless retained) and
// the orphan report covers instances and secrets.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DeployHarness } from './engine';
import { SeededIds } from './ids';
import { generateSecretString } from './secret-value';
import { useHostSandbox, useServedSimulator } from '../sim/fixtures';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
const served = useServedSimulator(11);
const { sim } = served;
const hosts = useHostSandbox(served, REGION);

function hostStack(opts: { retainSecret?: boolean } = {}) {
  const app = new App();
  const stack = new Stack(app, 'Hosts', { env: { region: REGION, account: '123456789012' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const userData = ec2.UserData.forLinux();
  userData.addCommands('echo "user data ran for $(curl -s http://169.254.169.254/latest/meta-data/instance-id)" > "$HOME/boot.txt"');
  new ec2.Instance(stack, 'Host', {
    vpc, instanceType: new ec2.InstanceType('t3.micro'), machineImage: ec2.MachineImage.latestAmazonLinux2023(), userData, requireImdsv2: true,
  });
  const secret = new secretsmanager.Secret(stack, 'AdminPassword', {
    generateSecretString: { passwordLength: 24, excludeCharacters: '"\'\\ /@', requireEachIncludedType: true },
  });
  if (opts.retainSecret) secret.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return Template.fromStack(stack).toJSON();
}

test('an instance runs its user data in the sandbox and is Online after its boot delay; a secret gets a generated value; destroy removes both', async () => {
  const harness = new DeployHarness({ sim, endpoint: served.url, stackName: 'Hosts' });
  const created = await harness.deploy(hostStack());
  expect(created.outcome).toEqual({ status: 'success' });
  const instanceId = Object.values(created.resources).find((r) => r.type === 'AWS::EC2::Instance')!.physicalId;
  const secretArn = Object.values(created.resources).find((r) => r.type === 'AWS::SecretsManager::Secret')!.physicalId;
  expect(secretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:AdminPassword/);

  const ssm = new SSMClient({ region: REGION, endpoint: served.url, credentials, maxAttempts: 1 });
  const sm = new SecretsManagerClient({ region: REGION, endpoint: served.url, credentials, maxAttempts: 1 });
  try {
    const online = async () => (await ssm.send(new DescribeInstanceInformationCommand({}))).InstanceInformationList?.map((i) => `${i.InstanceId}:${i.PingStatus}`);
    expect(await online()).toEqual([]);
    sim.advance(sim.timings.instanceBootMs);
    await sim.settle();
    expect(await online()).toEqual([`${instanceId}:Online`]);
    const boot = path.join(hosts.sandbox.host(instanceId).dir, 'home', 'boot.txt');
    expect(readFileSync(boot, 'utf8')).toBe(`user data ran for ${instanceId}\n`);

    const value = (await sm.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString!;
    expect(value).toHaveLength(24);
    expect(value).not.toMatch(/["'\\ /@]/);
    for (const type of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/]) expect(value).toMatch(type);
    // the value is nowhere in what the harness reports
    expect(JSON.stringify(created)).not.toContain(value);

    const destroyed = await harness.destroy();
    expect(destroyed.outcome).toEqual({ status: 'success' });
    expect(destroyed.leftInSimulator).toEqual([]);
    expect(destroyed.orphans).toEqual([]);
    expect(await online()).toEqual([]);
    expect(((await sm.send(new GetSecretValueCommand({ SecretId: secretArn })).catch((e: Error) => e)) as Error).name).toBe('InvalidRequestException');
  } finally {
    ssm.destroy();
    sm.destroy();
  }
  expect(existsSync(hosts.sandbox.root)).toBe(true);
});

test('a retained secret stays and is no orphan; an instance nobody declared is an orphan', async () => {
  const harness = new DeployHarness({ sim, endpoint: served.url, stackName: 'Hosts' });
  await harness.deploy(hostStack({ retainSecret: true }));
  const stray = sim.launchInstance(REGION);
  const destroyed = await harness.destroy();
  expect(destroyed.retained.map((r) => r.type)).toEqual(['AWS::SecretsManager::Secret']);
  expect(destroyed.leftInSimulator.map((r) => r.type).sort()).toEqual(['instance', 'secret']);
  expect(destroyed.orphans).toEqual([expect.objectContaining({ type: 'instance', id: stray.id })]);
});

test('GenerateSecretString rules: length, excluded characters and classes, each included type, JSON template', () => {
  const ids = new SeededIds(1, 't');
  for (let i = 0; i < 50; i++) {
    const v = generateSecretString({ PasswordLength: 8, ExcludePunctuation: 'true', ExcludeCharacters: 'aA0' }, ids, String(i));
    expect(v).toMatch(/^[b-zB-Z1-9]{8}$/);
    expect(v).toMatch(/[a-z]/);
    expect(v).toMatch(/[A-Z]/);
    expect(v).toMatch(/[0-9]/);
  }
  expect(JSON.parse(generateSecretString({ SecretStringTemplate: '{"username":"admin"}', GenerateStringKey: 'password', PasswordLength: 12 }, ids, 'j')))
    .toEqual({ username: 'admin', password: expect.stringMatching(/^.{12}$/) });
  expect(() => generateSecretString({ PasswordLength: 2 }, ids, 'x')).toThrow('shorter than the 4 required character types');
});
