// The cluster's PreCoPassword never reaches the handler's logs, the custom-resource attributes or the
// stack outputs: a full lifecycle (cluster + HSM, update, destroy) through the deploy harness with the
// handler's logging on, every line captured. The admin password of an activation never reaches the
// template, the handler's logs, the SSM commands (parameters and output), the stack outputs or the
// resources' attributes; nor does a crypto user's password (create and DESTROY), nor, on an
// application host, its user data, the output of its boot (client setup and the application's login)
// or the files the setup leaves on the host.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { HsmCluster } from '../../src';
import { activationTemplate, activationWorld, REGION } from '../fixtures/activation-stack';
import { APP_LOGIN_COMMANDS, appHostTemplate } from '../fixtures/app-host-stack';
import { cryptoUserTemplate } from '../fixtures/crypto-user-stack';
import { keyStoreTemplate } from '../fixtures/key-store-stack';
import { DeployHarness } from '../harness/engine';
import { CfnTemplate, DeploymentReport } from '../harness/types';
import { CloudHsmSimulator, PrivateCaFake, SimulatorServer, startSimulatorServer } from '../sim';
import { HostSandbox } from '../sim/host/sandbox';

/**
 * Everything a lifecycle with an admin host exposed, by where: the template, the handler's log
 * lines, the SSM commands (comment, parameters, output), the instances' user data and its result,
 * and the reports (outputs, attributes, transitions, warnings, outcome); with proof that each part
 * is not empty.
 */
function exposure(s: CloudHsmSimulator, stackTemplate: CfnTemplate, lines: string[], reports: DeploymentReport[]): Array<[string, string]> {
  const commands = s.runCommand.all();
  expect(commands.length).toBeGreaterThan(0);
  const ssmTexts = commands.flatMap((c) => [c.comment, JSON.stringify(c.parameters), ...c.invocations.flatMap((i) => [i.stdout, i.stderr])]);
  expect(ssmTexts.join('')).toContain('activated');
  const userData = s.instances.all().map((i) => `${i.userData}${JSON.stringify(i.userDataResult)}`);
  expect(userData.join('')).toContain('cdk-cloudhsm setup');
  expect(lines.filter((l) => l.includes('"resource"')).length).toBeGreaterThan(10);
  expect(lines.some((l) => l.includes('SendCommand'))).toBe(true);
  return [
    ['template', JSON.stringify(stackTemplate)],
    ...lines.map((l, n): [string, string] => [`log line ${n}`, l]),
    ...ssmTexts.map((t, n): [string, string] => [`SSM command text ${n}`, t]),
    ...userData.map((t, n): [string, string] => [`user data ${n}`, t]),
    ...reports.map((r): [string, string] => [`${r.operation} report`, JSON.stringify({
      outputs: r.outputs, resources: r.resources, transitions: r.transitions, warnings: r.warnings, outcome: r.outcome,
    })]),
  ];
}

function template(retentionDays: number): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Leaks', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, removalPolicy: RemovalPolicy.DESTROY, backupRetention: Duration.days(retentionDays) });
  const hsm = cluster.addHsm('Hsm1');
  new CfnOutput(stack, 'ClusterId', { value: cluster.clusterId });
  new CfnOutput(stack, 'Csr', { value: hsm.clusterCsr });
  return app.synth().getStackByName('Leaks').template as CfnTemplate;
}

let server: SimulatorServer;
let sim: CloudHsmSimulator;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 3 });
  server = await startSimulatorServer(sim);
});
afterAll(() => server.close());

test('no PreCoPassword in logs, attributes or outputs over a full lifecycle', async () => {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { lines.push(args.map(String).join(' ')); });
  const seen = new Set<string>();
  try {
    const h = new DeployHarness({
      sim,
      endpoint: server.url,
      stackName: 'Leaks',
      verboseHandler: true,
      // Record the password whenever the service shows one, to look for it afterwards.
      faults: {
        afterInvoke: () => {
          for (const r of sim.listResources()) {
            const password = r.type === 'cluster' ? (sim.peekCluster(r.region, r.id) as any)?.PreCoPassword : undefined;
            if (password) seen.add(password);
          }
        },
      },
    });
    const created = await h.deploy(template(30));
    const updated = await h.deploy(template(60));
    const destroyed = await h.destroy();
    expect([created, updated, destroyed].map((r) => r.outcome.status)).toEqual(['success', 'success', 'success']);

    // The lifecycle did run with a password in play, and the handler did log.
    expect(seen.size).toBe(1);
    expect(lines.filter((l) => l.includes('"resource"')).length).toBeGreaterThan(10);
    const [password] = [...seen];
    for (const line of lines) expect(line).not.toContain(password);
    for (const report of [created, updated]) {
      const exposed = JSON.stringify({ resources: report.resources, outputs: report.outputs });
      expect(exposed).not.toContain(password);
      expect(exposed).not.toContain('PreCoPassword');
    }
  } finally {
    spy.mockRestore();
  }
});

/**
 * A full lifecycle (create, destroy) of a stack with an admin host on a simulator of its own (with
 * the Private CA fake and a host sandbox), the handler's log lines captured; `check` gets them.
 * `afterCreate` runs between the two (e.g. lets the stack's instances boot).
 */
async function hostLifecycle(seed: number, stackName: string, stackTemplate: CfnTemplate,
  check: (s: CloudHsmSimulator, lines: string[], created: DeploymentReport, destroyed: DeploymentReport,
    adminAfterCreate: (clusterId: string) => string | undefined) => void,
  afterCreate?: (s: CloudHsmSimulator, sandbox: HostSandbox, created: DeploymentReport) => Promise<void>): Promise<void> {
  const s = new CloudHsmSimulator({ seed });
  const pca = new PrivateCaFake({ clock: s.clock });
  const hostServer = await startSimulatorServer(s, 0, pca);
  const sandbox = activationWorld(s, pca, hostServer.url);
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { lines.push(args.map(String).join(' ')); });
  try {
    const h = new DeployHarness({ sim: s, endpoint: hostServer.url, stackName, verboseHandler: true });
    const created = await h.deploy(stackTemplate);
    await afterCreate?.(s, sandbox, created);
    // The HSM admins' passwords as deployed (a cluster's users go with its last HSM on destroy).
    const admins = new Map(s.listResources().filter((r) => r.type === 'cluster')
      .map((c) => [c.id, s.hsmUsers.find(c.region, c.id, 'admin')?.password]));
    const destroyed = await h.destroy();
    expect([created.outcome, destroyed.outcome]).toEqual([{ status: 'success' }, { status: 'success' }]);
    check(s, lines, created, destroyed, (clusterId) => admins.get(clusterId));
  } finally {
    spy.mockRestore();
    sandbox.dispose();
    await hostServer.close();
  }
}

test('the admin password of an activation appears nowhere: template, handler log lines, SSM command parameters and output, outputs and attributes, over a full lifecycle', async () => {
  const stackTemplate = activationTemplate('LeaksActivation');
  await hostLifecycle(4, 'LeaksActivation', stackTemplate, (s, lines, created, destroyed, adminAfterCreate) => {
    // The password in play: the stack's generated secret, which is the HSM admin's password now.
    const password = s.secrets.find(REGION, created.outputs.AdminSecretArn)!.secretString;
    expect(password.length).toBeGreaterThanOrEqual(8);
    expect(adminAfterCreate(created.outputs.ClusterId)).toBe(password);
    const exposed = exposure(s, stackTemplate, lines, [created, destroyed]);
    expect(exposed.filter(([, text]) => text.includes(password)).map(([where]) => where)).toEqual([]);
  });
});

test('the kmsuser and admin passwords of a key store appear nowhere: template, handler log lines, SSM command parameters and output, outputs, custom-resource responses, over create and DESTROY', async () => {
  const stackTemplate = keyStoreTemplate({ destroyOnRemoval: true });
  await hostLifecycle(6, 'CloudHsmKeyStore', stackTemplate, (s, lines, created, destroyed, adminAfterCreate) => {
    // The passwords in play: the stack's two generated secrets, the HSM admin's and kmsuser's.
    const storeId = created.outputs.CustomKeyStoreId;
    const clusterId = String(s.kms.keyStores.get(storeId)?.clusterId);
    const admin = adminAfterCreate(clusterId)!;
    const secrets = s.secrets.all().map((x) => x.secretString);
    expect(secrets).toHaveLength(2);
    expect(secrets).toContain(admin);
    const kmsuser = secrets.find((x) => x !== admin)!;
    expect(kmsuser.length).toBeGreaterThanOrEqual(7);
    // it was the store's KeyStorePassword (KMS has rotated kmsuser's since): the call was made
    expect(s.calls.list().some((c) => c.operation === 'CreateCustomKeyStore' && c.outcome === 'ok')).toBe(true);
    const exposed = exposure(s, stackTemplate, lines, [created, destroyed]);
    expect(exposed.map(([, t]) => t).join('')).toContain('kmsuser');
    for (const password of [admin, kmsuser]) {
      expect(exposed.filter(([, text]) => text.includes(password)).map(([where]) => where)).toEqual([]);
    }
  });
});

test('a crypto user\'s and the admin\'s passwords appear nowhere: template, handler log lines, SSM command parameters and output, user data, outputs, custom-resource responses, over create and DESTROY', async () => {
  const stackTemplate = cryptoUserTemplate('LeaksCryptoUser', RemovalPolicy.DESTROY);
  await hostLifecycle(9, 'LeaksCryptoUser', stackTemplate, (s, lines, created, destroyed) => {
    const user = s.secrets.find(REGION, created.outputs.UserSecretArn)!.secretString;
    const admin = s.secrets.find(REGION, created.outputs.AdminSecretArn)!.secretString;
    expect(user.length).toBeGreaterThanOrEqual(8);
    // the user was made with that password and deleted by the DESTROY (both commands ran)
    const texts = s.runCommand.all().flatMap((c) => c.invocations.map((i) => i.stdout)).join('');
    expect(texts).toContain('crypto user signer created on cluster');
    expect(texts).toContain('crypto user signer deleted from cluster');
    const exposed = exposure(s, stackTemplate, lines, [created, destroyed]);
    for (const password of [user, admin]) {
      expect(exposed.filter(([, text]) => text.includes(password)).map(([where]) => where)).toEqual([]);
    }
  });
});

test('on an application host, the crypto user\'s and the admin\'s passwords appear nowhere: its user data, the output of its boot (client setup, the application\'s login), the files the setup leaves; nor anywhere else', async () => {
  const stackTemplate = appHostTemplate('LeaksAppHost');
  const hostTexts: Array<[string, string]> = [];
  await hostLifecycle(12, 'LeaksAppHost', stackTemplate, (s, lines, created, destroyed) => {
    const user = s.secrets.find(REGION, created.outputs.UserSecretArn)!.secretString;
    const admin = s.secrets.find(REGION, created.outputs.AdminSecretArn)!.secretString;
    expect(user.length).toBeGreaterThanOrEqual(8);
    // The app host booted: its setup ran and the application logged in with the user's password.
    const app = s.instances.get(REGION, created.outputs.AppInstanceId)!;
    expect(app.userData).toContain('configure-$lib" --cluster-id');
    expect(app.userDataResult).toEqual(expect.objectContaining({ exitCode: 0 }));
    expect(app.userDataResult!.stdout).toContain('application: logged in as signer');
    const exposed = [...exposure(s, stackTemplate, lines, [created, destroyed]), ...hostTexts];
    expect(hostTexts.map(([where]) => where)).toEqual(['app host client environment', 'app host configure calls', 'app host login output']);
    for (const password of [user, admin]) {
      expect(exposed.filter(([, text]) => text.includes(password)).map(([where]) => where)).toEqual([]);
    }
  }, async (s, sandbox, created) => {
    s.advance(s.timings.instanceBootMs);
    await s.settle();
    const host = sandbox.host(created.outputs.AppInstanceId);
    const read = (file: string) => readFileSync(file, 'utf8');
    hostTexts.push(['app host client environment', read(host.clientEnvFile)]);
    hostTexts.push(['app host configure calls', read(path.join(host.cloudhsmDir, 'run', 'configure-calls.jsonl'))]);
    // The application's login once more, as a command whose output is kept.
    const login = await host.run(APP_LOGIN_COMMANDS.join('\n'));
    expect(login.exitCode).toBe(0);
    hostTexts.push(['app host login output', `${login.stdout}${login.stderr}`]);
  });
});
