// SSM Run Command, managed instances, Secrets Manager and the HSM users of the simulator, over
// HTTP with the real SDK clients (@aws-sdk/client-ssm, @aws-sdk/client-secrets-manager).

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandInvocationsCommand, ListCommandsCommand,
  SendCommandCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { CloudHsmSimulator, startSimulatorServer, SimulatorServer } from '..';
import { clusterWithHsm as initialCluster, PEM } from '../fixtures';
import { CommandRun } from '../run-command';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };
let server: SimulatorServer;
let sim: CloudHsmSimulator;
let ssm: SSMClient;
let secrets: SecretsManagerClient;
const runs: CommandRun[] = [];

beforeAll(async () => {
  server = await startSimulatorServer(new CloudHsmSimulator({ seed: 3 }));
  sim = server.sim;
  ssm = new SSMClient({ region: REGION, endpoint: server.url, credentials, maxAttempts: 1 });
  secrets = new SecretsManagerClient({ region: REGION, endpoint: server.url, credentials, maxAttempts: 1 });
});
afterAll(async () => {
  ssm.destroy();
  secrets.destroy();
  await server.close();
});
beforeEach(() => {
  sim.reset();
  runs.length = 0;
  // A runner that echoes: exit code and output come from the first command's words.
  sim.setCommandRunner(async (run) => {
    runs.push(run);
    const m = /^exit (\d+)(?: out (\d+))?(?: err (\d+))?/.exec(run.commands[0] ?? '');
    const code = Number(m?.[1] ?? 0);
    return { exitCode: code, stdout: m?.[2] ? 'o'.repeat(Number(m[2])) : `ran ${run.commands.length}\n`, stderr: m?.[3] ? 'e'.repeat(Number(m[3])) : '' };
  });
});

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}

function onlineInstance(): string {
  const i = sim.launchInstance(REGION);
  sim.advance(sim.timings.instanceBootMs);
  return i.id;
}

const send = (instanceId: string, commands: string[], extra: Record<string, unknown> = {}) =>
  ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: { commands }, ...extra }));

describe('managed instances', () => {
  test('an instance registers and is Online only after its boot delay; terminated, it is gone', async () => {
    const i = sim.launchInstance(REGION);
    expect(i.id).toMatch(/^i-[0-9a-f]{17}$/);
    const before = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [i.id] }] }));
    expect(before.InstanceInformationList).toEqual([]);
    sim.advance(sim.timings.instanceBootMs - 1);
    expect((await ssm.send(new DescribeInstanceInformationCommand({}))).InstanceInformationList).toEqual([]);
    sim.advance(1);
    const after = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [i.id] }] }));
    expect(after.InstanceInformationList).toEqual([expect.objectContaining({ InstanceId: i.id, PingStatus: 'Online', PlatformType: 'Linux', ResourceType: 'EC2Instance' })]);
    sim.terminateInstance(REGION, i.id);
    expect((await ssm.send(new DescribeInstanceInformationCommand({}))).InstanceInformationList).toEqual([]);
  });

  test('DescribeInstanceInformation: unknown filter key and bad instance id are refused', async () => {
    expect((await errorOf(ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'Nope', Values: ['x'] }] })))).name).toBe('InvalidFilterKey');
    expect((await errorOf(ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: ['web-1'] }] })))).name).toBe('InvalidInstanceId');
  });

  test('user data runs once the instance boots, with the runner', async () => {
    const i = sim.launchInstance(REGION, { userData: '#!/bin/bash\necho hi' });
    sim.advance(sim.timings.instanceBootMs - 1);
    await sim.settle();
    expect(runs).toHaveLength(0);
    sim.advance(1);
    await sim.settle();
    expect(runs.map((r) => r.commands)).toEqual([['#!/bin/bash\necho hi']]);
    expect(sim.instances.get(REGION, i.id)?.userDataResult?.exitCode).toBe(0);
  });
});

describe('SendCommand and GetCommandInvocation', () => {
  test('Pending, then InProgress when delivered, then Success with the output', async () => {
    const id = onlineInstance();
    const { Command } = await send(id, ['echo one', 'echo two'], { Comment: 'Activation for request r-1' });
    expect(Command?.CommandId).toHaveLength(36);
    expect(Command).toMatchObject({ Status: 'Pending', DocumentName: 'AWS-RunShellScript', InstanceIds: [id], Comment: 'Activation for request r-1' });
    const get = () => ssm.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: id }));
    // eventually consistent: not found right after SendCommand
    expect((await errorOf(get())).name).toBe('InvocationDoesNotExist');
    sim.advance(sim.timings.invocationVisibleMs);
    expect(await get()).toMatchObject({ Status: 'Pending', ResponseCode: -1, StandardOutputContent: '' });
    sim.advance(sim.timings.commandDeliveryMs - sim.timings.invocationVisibleMs);
    expect(runs.map((r) => r.commands)).toEqual([['echo one', 'echo two']]);
    await sim.settle();
    expect(await get()).toMatchObject({ Status: 'Success', StatusDetails: 'Success', ResponseCode: 0, StandardOutputContent: 'ran 2\n', PluginName: 'aws:runShellScript' });
  });

  test('a non-zero exit is Failed with that ResponseCode; output is cut to 24,000 / 8,000 characters', async () => {
    const id = onlineInstance();
    const { Command } = await send(id, ['exit 3 out 30000 err 9000']);
    sim.advance(sim.timings.commandDeliveryMs);
    await sim.settle();
    const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: id }));
    expect(inv).toMatchObject({ Status: 'Failed', ResponseCode: 3 });
    expect(inv.StandardOutputContent).toHaveLength(24_000);
    expect(inv.StandardErrorContent).toHaveLength(8_000);
  });

  test('a command that never ends is TimedOut after its executionTimeout; a failing-command fault fails it', async () => {
    const id = onlineInstance();
    sim.injectCommandFault({ kind: 'hang', nextCalls: 1 });
    const { Command } = await send(id, ['echo x'], { Parameters: { commands: ['echo x'], executionTimeout: ['600'] } });
    sim.advance(sim.timings.commandDeliveryMs + 599_000);
    const get = (cid: string) => ssm.send(new GetCommandInvocationCommand({ CommandId: cid, InstanceId: id }));
    expect((await get(Command!.CommandId!)).Status).toBe('InProgress');
    sim.advance(1_000);
    expect(await get(Command!.CommandId!)).toMatchObject({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut', ResponseCode: -1 });
    expect(runs).toHaveLength(0);
    sim.injectCommandFault({ kind: 'fail', nextCalls: 1, exitCode: 2, stderr: 'boom\n' });
    const second = await send(id, ['echo y']);
    sim.advance(sim.timings.commandDeliveryMs);
    expect(await get(second.Command!.CommandId!)).toMatchObject({ Status: 'Failed', ResponseCode: 2, StandardErrorContent: 'boom\n' });
  });

  test('refusals: instance not online, duplicate ids, missing commands, other documents, long comment', async () => {
    const booting = sim.launchInstance(REGION).id;
    expect((await errorOf(send(booting, ['true']))).name).toBe('InvalidInstanceId');
    expect((await errorOf(send('i-00000000000000000', ['true']))).name).toBe('InvalidInstanceId');
    const id = onlineInstance();
    expect((await errorOf(ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [id, id], Parameters: { commands: ['true'] } })))).name).toBe('DuplicateInstanceId');
    expect((await errorOf(ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [id], Parameters: {} })))).name).toBe('InvalidParameters');
    expect((await errorOf(ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [id], Parameters: { commands: ['true'], nope: ['1'] } })))).name).toBe('InvalidParameters');
    expect((await errorOf(ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunPowerShellScript', InstanceIds: [id], Parameters: { commands: ['true'] } })))).name).toBe('InvalidDocument');
    const long = await errorOf(send(id, ['true'], { Comment: 'c'.repeat(101) }));
    expect(long.name).toBe('ValidationException');
    expect(long.message).toContain('\'comment\' failed to satisfy constraint');
    expect((await errorOf(ssm.send(new GetCommandInvocationCommand({ CommandId: 'short', InstanceId: id })))).name).toBe('ValidationException');
  });

  test('a lost response (dropResponse): the command exists although the caller saw an error', async () => {
    const id = onlineInstance();
    sim.injectFault({ kind: 'dropResponse', operation: 'SendCommand', nextCalls: 1 });
    const e = await errorOf(send(id, ['true']));
    expect(e.name).toBeDefined();
    const { Commands } = await ssm.send(new ListCommandsCommand({ InstanceId: id }));
    expect(Commands).toHaveLength(1);
  });
});

describe('ListCommands and ListCommandInvocations', () => {
  test('by command id, by instance, with filters; the plugin output with Details', async () => {
    const id = onlineInstance();
    const other = onlineInstance();
    const a = (await send(id, ['exit 0'], { Comment: 'first' })).Command!;
    sim.advance(1000);
    const b = (await send(other, ['exit 4'], { Comment: 'second' })).Command!;
    sim.advance(sim.timings.commandDeliveryMs);
    await sim.settle();
    const all = await ssm.send(new ListCommandsCommand({}));
    expect(all.Commands?.map((c) => c.Comment)).toEqual(['second', 'first']);
    expect((await ssm.send(new ListCommandsCommand({ InstanceId: id }))).Commands?.map((c) => c.CommandId)).toEqual([a.CommandId]);
    expect((await ssm.send(new ListCommandsCommand({ Filters: [{ key: 'Status', value: 'Failed' }] }))).Commands?.map((c) => c.CommandId)).toEqual([b.CommandId]);
    expect((await errorOf(ssm.send(new ListCommandsCommand({ CommandId: '00000000-0000-4000-a000-000000000000' })))).name).toBe('InvalidCommandId');
    // the filter keys are an enum of the SSM model: an unknown one breaks the input shape
    expect((await errorOf(ssm.send(new ListCommandsCommand({ Filters: [{ key: 'Colour' as never, value: 'x' }] })))).name).toBe('ValidationException');
    const invs = await ssm.send(new ListCommandInvocationsCommand({ CommandId: b.CommandId, Details: true }));
    expect(invs.CommandInvocations).toEqual([expect.objectContaining({ InstanceId: other, Status: 'Failed', CommandPlugins: [expect.objectContaining({ Name: 'aws:runShellScript', ResponseCode: 4, Output: 'ran 1\n' })] })]);
    const page1 = await ssm.send(new ListCommandsCommand({ MaxResults: 1 }));
    expect(page1.Commands).toHaveLength(1);
    const page2 = await ssm.send(new ListCommandsCommand({ MaxResults: 1, NextToken: page1.NextToken }));
    expect(page2.Commands?.[0].CommandId).toBe(a.CommandId);
    expect(page2.NextToken).toBeUndefined();
  });
});

describe('Secrets Manager', () => {
  test('GetSecretValue by name, ARN and partial ARN; missing and deleted secrets are refused', async () => {
    const s = sim.createSecret(REGION, 'cluster-admin', 'Pa55-word-xyz');
    expect(s.arn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:cluster-admin-[A-Za-z0-9]{6}$/);
    for (const id of ['cluster-admin', s.arn, s.arn.slice(0, -7)]) {
      expect(await secrets.send(new GetSecretValueCommand({ SecretId: id }))).toMatchObject({ ARN: s.arn, Name: 'cluster-admin', SecretString: 'Pa55-word-xyz', VersionStages: ['AWSCURRENT'] });
    }
    expect((await errorOf(secrets.send(new GetSecretValueCommand({ SecretId: 'nope' })))).name).toBe('ResourceNotFoundException');
    expect((await errorOf(secrets.send(new GetSecretValueCommand({ SecretId: 'cluster-admin', VersionStage: 'AWSPREVIOUS' })))).name).toBe('ResourceNotFoundException');
    sim.deleteSecret(REGION, s.arn);
    expect((await errorOf(secrets.send(new GetSecretValueCommand({ SecretId: s.arn })))).name).toBe('InvalidRequestException');
    expect(sim.listResources().filter((r) => r.type === 'secret')).toEqual([expect.objectContaining({ id: s.arn, state: 'DELETED' })]);
  });

  test('secrets are regional', async () => {
    sim.createSecret('eu-west-1', 'elsewhere', 'x'.repeat(12));
    expect((await errorOf(secrets.send(new GetSecretValueCommand({ SecretId: 'elsewhere' })))).name).toBe('ResourceNotFoundException');
  });
});

describe('the CloudHSM CLI model: cluster activate, login, user list', () => {

  const clusterWithHsm = (initialize: boolean) => initialCluster(sim, REGION, initialize);

  test('activate an INITIALIZED cluster: ACTIVE, admin has the password; a second activate and a wrong login fail', () => {
    const { clusterId, ip } = clusterWithHsm(true);
    const before = sim.hsmCli(REGION, [ip], ['user', 'list']);
    expect(before.output.data).toEqual({ users: [expect.objectContaining({ username: 'admin', role: 'unactivated-admin' }), expect.objectContaining({ username: 'app_user' })] });
    expect(sim.hsmCli(REGION, [ip], ['cluster', 'activate'], 'Correct-Horse-1')).toEqual({ exitCode: 0, output: { error_code: 0, data: 'Cluster activation successful' } });
    expect(sim.peekCluster(REGION, clusterId)?.State).toBe('ACTIVE');
    expect(JSON.stringify(sim.hsmCli(REGION, [ip], ['user', 'list']))).not.toContain('Correct-Horse-1');
    const again = sim.hsmCli(REGION, [ip], ['cluster', 'activate', '--password', 'Other-Password-2']);
    expect(again.exitCode).toBe(1);
    expect(again.output.data).toContain('already activated');
    expect(sim.hsmCli(REGION, [ip], ['login', '--username', 'admin', '--role', 'admin', '--password', 'Correct-Horse-1']).exitCode).toBe(0);
    expect(sim.hsmCli(REGION, [ip], ['login', '--username', 'admin', '--role', 'admin', '--password', 'Other-Password-2']).output.data).toContain('invalid username, role or password');
  });

  test('not initialized, unreachable HSM, password rules', () => {
    const { clusterId, ip } = clusterWithHsm(false);
    const notInit = sim.hsmCli(REGION, [ip], ['cluster', 'activate'], 'Correct-Horse-1');
    expect(notInit).toMatchObject({ exitCode: 1, output: { error_code: 1 } });
    expect(notInit.output.data).toContain(`cluster ${clusterId} is UNINITIALIZED; it must be INITIALIZED`);
    expect(sim.hsmCli(REGION, ['10.9.9.9'], ['cluster', 'activate'], 'Correct-Horse-1').output.data).toContain('no HSM reachable at 10.9.9.9');
    sim.handle(REGION, 'InitializeCluster', { ClusterId: clusterId, SignedCert: PEM, TrustAnchor: PEM });
    sim.advance(sim.timings.initializeMs);
    expect(sim.hsmCli(REGION, [ip], ['cluster', 'activate'], 'short').output.data).toContain('8 to 32 characters');
    expect(sim.peekCluster(REGION, clusterId)?.State).toBe('INITIALIZED');
  });
});
