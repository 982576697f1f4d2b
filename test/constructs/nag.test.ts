// cdk-nag's AwsSolutions pack on the example apps, with both majors users install (2.x is an aspect,
// 3.x a policy validation plugin): no unsuppressed finding, and every suppression the library writes
// is narrow (IAM5 names its findings) and explains itself.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AwsSolutionsChecks as AwsSolutionsChecks3 } from 'cdk-nag-3';
import { activationApp } from '../../examples/activation/app';
import { applicationApp } from '../../examples/application/app';
import { basicApp } from '../../examples/basic/app';
import { drApp } from '../../examples/dr/app';
import { keyStoreApp } from '../../examples/key-store/app';
import { BackupCopy, ClusterInitialization, HsmCluster } from '../../src';
import { CloudHsmProvider } from '../../src/private/provider';
import { FALLBACK_RUNTIME_NAME, handlerRuntime } from '../../src/private/runtime';

let outdir: string;
beforeEach(() => { outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-nag-')); });
afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** cdk-nag 2.x as its README says (an aspect): the AwsSolutions errors and warnings as `<path> <finding>` lines. */
function nag2(app: App, stacks: Stack[]): string[] {
  Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  return stacks.flatMap((stack) => {
    const a = Annotations.fromStack(stack);
    return [...a.findError('*', Match.stringLikeRegexp('AwsSolutions-')), ...a.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))]
      .map((m) => `${m.id} ${String(m.entry.data).split(': ')[0]}`);
  });
}

/**
 * cdk-nag 3.x as its README says (a validation plugin): the AwsSolutions violations the pack
 * reports to CDK as `<path> <finding>` lines. A violation makes synth throw.
 */
function nag3(app: App, stacks: Stack[]): string[] {
  const pack = new AwsSolutionsChecks3(app);
  const validate = jest.spyOn(pack, 'validate');
  Validations.of(app).addPlugins(pack);
  let failure: unknown;
  try {
    app.synth();
  } catch (e) {
    failure = e;
  }
  // The pack ran (once per validation CDK runs): its own reports are the answer.
  expect(validate).toHaveBeenCalled();
  const violations: any[] = validate.mock.results.flatMap((r) => r.value.violations);
  const inStacks = (constructPath: string) => stacks.some((s) => constructPath.startsWith(`${s.node.path}/`));
  const findings = violations.flatMap((v) => v.violatingResources
    .filter((r: any) => inStacks(r.constructPath))
    .map((r: any) => `/${r.constructPath} ${v.ruleName}`));
  // Synth fails exactly when the pack reports something.
  expect(failure !== undefined).toBe(violations.length > 0);
  return [...new Set<string>(findings)];
}

/** A stack with every kind of resource the library makes: cluster, HSM, initialization, imported cluster, backup copy. */
function everything(app: App): Stack {
  const stack = new Stack(app, 'Everything', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  vpc.addFlowLog('FlowLog');
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc,
    initialization: ClusterInitialization.fromPrivateCa(acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca',
      'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555')),
  });
  cluster.addHsm('Hsm');
  HsmCluster.fromClusterAttributes(stack, 'Imported', { clusterId: 'cluster-abcdefghijk' }).addHsm('ImportedHsm');
  new BackupCopy(stack, 'Copy', { cluster, destinationRegion: 'us-west-2' });
  return stack;
}

/** Every cdk_nag suppression in the stack's template, with the logical id of its resource. */
function suppressions(stack: Stack): Array<{ logicalId: string; id: string; reason: string; applies_to?: unknown[] }> {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
  return Object.entries(resources).flatMap(([logicalId, r]) =>
    (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((s: any) => ({ logicalId, ...s })));
}

describe.each([['2.x', nag2], ['3.x', nag3]])('cdk-nag %s AwsSolutions', (_version, nag) => {
  test('examples/activation (admin host, generated admin secret, activation) has no unsuppressed finding', () => {
    const { app, stack } = activationApp({}, outdir);
    expect(nag(app, [stack])).toEqual([]);
  });

  test('examples/key-store (kmsuser secret, key store, key, encrypted bucket, grant) has no unsuppressed finding', () => {
    const { app, stack } = keyStoreApp({}, outdir);
    expect(nag(app, [stack])).toEqual([]);
  });

  test('examples/application (crypto user, application host with its client, audit logs and alarm) has no unsuppressed finding', () => {
    const { app, stack } = applicationApp({}, outdir);
    expect(nag(app, [stack])).toEqual([]);
  });

  test('examples/basic has no unsuppressed finding', () => {
    const { app, stack } = basicApp({}, outdir);
    expect(nag(app, [stack])).toEqual([]);
  });

  test('examples/dr (both regions) has no unsuppressed finding', () => {
    const { app, primary, dr } = drApp({}, outdir);
    expect(nag(app, [primary, dr])).toEqual([]);
  });

  test('a stack with every kind of resource has no unsuppressed finding', () => {
    const app = new App({ outdir });
    expect(nag(app, [everything(app)])).toEqual([]);
  });

  test('an environment-agnostic stack (region and account as pseudo parameters) has no unsuppressed finding', () => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Agnostic');
    const vpc = new ec2.Vpc(stack, 'Vpc', { subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    vpc.addFlowLog('FlowLog');
    const cluster = new HsmCluster(stack, 'Cluster', { vpc });
    cluster.addHsm('Hsm');
    new BackupCopy(stack, 'Copy', { cluster, destinationRegion: 'us-west-2' });
    expect(nag(app, [stack])).toEqual([]);
  });

  test('without the example\'s flow log the VPC is reported: the check runs', () => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'NoFlowLog', { env: { account: '123456789012', region: 'us-east-1' } });
    new HsmCluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] }) });
    expect(nag(app, [stack])).toEqual(['/NoFlowLog/Vpc/Resource AwsSolutions-VPC7']);
  });

  test('the handler role\'s suppressions name their findings: a further wildcard is still reported', () => {
    const app = new App({ outdir });
    const stack = everything(app);
    CloudHsmProvider.of(stack).role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudhsm:DeleteBackup'], resources: ['arn:aws:cloudhsm:eu-west-1:123456789012:backup/*'],
    }));
    const findings = nag(app, [stack]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(/^\/Everything\/CdkCloudHsmProvider\/HandlerRole\/DefaultPolicy\/Resource AwsSolutions-IAM5\[Resource::arn:aws:cloudhsm:eu-west-1:123456789012:backup\/\*\]/);
  });

  describe('with an aws-cdk-lib that knows a newer Node.js runtime (nodejs26.x came with 2.277.0)', () => {
    // The installed aws-cdk-lib is the minimum; a release that adds a runtime is stood in for by
    // adding its constant, which puts it in Runtime.ALL, where cdk-nag's AwsSolutions-L1 looks.
    beforeEach(() => addNodeRuntime(NEXT_MAJOR));
    afterEach(removeNodeRuntime);

    test('the handler takes the new runtime and the framework\'s older one is explained: no finding', () => {
      const { app, stack } = basicApp({}, outdir);
      expect(nag(app, [stack])).toEqual([]);
      expect(functionRuntimes(stack).filter((r) => r.id.startsWith('CdkCloudHsmProviderOnEvent') || r.id.startsWith('CdkCloudHsmProviderIsComplete'))
        .map((r) => r.runtime)).toEqual([`nodejs${NEXT_MAJOR}.x`, `nodejs${NEXT_MAJOR}.x`]);
    });

    test('control: a handler pinned to nodejs24.x, the choice before, is reported', () => {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Pinned');
      const vpc = new ec2.Vpc(stack, 'Vpc', { subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      vpc.addFlowLog('FlowLog');
      new HsmCluster(stack, 'Cluster', { vpc });
      const onEvent = CloudHsmProvider.of(stack).node.findChild('OnEvent').node.defaultChild as lambda.CfnFunction;
      onEvent.runtime = 'nodejs24.x';
      expect(nag(app, [stack])).toEqual(['/Pinned/CdkCloudHsmProvider/OnEvent/Resource AwsSolutions-L1']);
    });
  });
});

const NEXT_MAJOR = 26;
const NEXT_KEY = `NODEJS_${NEXT_MAJOR}_X`;
/** Whether the installed aws-cdk-lib already has the constant (then there is nothing to stand in for). */
const hadNext = Object.getOwnPropertyNames(lambda.Runtime).includes(NEXT_KEY);

function addNodeRuntime(major: number): void {
  if (hadNext) return;
  Object.defineProperty(lambda.Runtime, `NODEJS_${major}_X`, {
    value: new lambda.Runtime(`nodejs${major}.x`, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true }),
    configurable: true,
  });
}

function removeNodeRuntime(): void {
  if (hadNext) return;
  const added = (lambda.Runtime as any)[NEXT_KEY];
  delete (lambda.Runtime as any)[NEXT_KEY];
  lambda.Runtime.ALL.splice(lambda.Runtime.ALL.indexOf(added), 1);
}

/** The runtime of every Lambda function of the stack's template, by logical id. */
function functionRuntimes(stack: Stack): Array<{ id: string; runtime: string }> {
  const resources = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  return Object.entries(resources).map(([id, r]) => ({ id, runtime: (r as any).Properties.Runtime }));
}

describe('the handler\'s runtime', () => {
  test('is the newest Node.js runtime cdk-nag finds in the installed aws-cdk-lib', () => {
    // cdk-nag's AwsSolutions-L1 compares with the newest `nodejs*` entry of Runtime.ALL.
    const newest = lambda.Runtime.ALL.map((r) => r.name).filter((n) => /^nodejs\d+\.x$/.test(n))
      .sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6))).pop();
    const { stack } = basicApp({}, outdir);
    const handlers = functionRuntimes(stack).filter((r) => /^CdkCloudHsmProvider(OnEvent|IsComplete)/.test(r.id));
    expect(handlers.map((r) => r.runtime)).toEqual([newest, newest]);
  });

  test('is chosen among NODEJS_<major>_X constants from Node.js 24 on, the bundle\'s esbuild target', () => {
    const table = (names: string[]) => Object.fromEntries(names.map((n) => {
      const major = /^NODEJS_(\d+)_X$/.exec(n)?.[1];
      return [n, major ? new lambda.Runtime(`nodejs${major}.x`, lambda.RuntimeFamily.NODEJS) : lambda.Runtime.PYTHON_3_13];
    }));
    const all = lambda.Runtime.ALL.length;
    try {
      expect(handlerRuntime(table(['NODEJS_22_X', 'NODEJS_24_X', 'NODEJS_28_X', 'NODEJS_26_X', 'PYTHON_3_13'])).name).toBe('nodejs28.x');
      // Nothing at or above the bundle's target: the fallback, never an older runtime.
      expect(handlerRuntime(table(['NODEJS_20_X', 'NODEJS_22_X'])).name).toBe('nodejs24.x');
      expect(FALLBACK_RUNTIME_NAME).toBe('nodejs24.x');
    } finally {
      lambda.Runtime.ALL.splice(all);
    }
    const projenrc = fs.readFileSync(path.join(__dirname, '..', '..', '.projenrc.ts'), 'utf8');
    expect(projenrc).toContain('--target=node24 ');
  });

  test('NODEJS_LATEST (a moving alias) is not taken for a major', () => {
    const latest = new lambda.Runtime('nodejs30.x', lambda.RuntimeFamily.NODEJS, { isVariable: true });
    const all = lambda.Runtime.ALL.length;
    try {
      expect(handlerRuntime({ NODEJS_LATEST: latest, NODEJS_24_X: lambda.Runtime.NODEJS_24_X }).name).toBe('nodejs24.x');
    } finally {
      lambda.Runtime.ALL.splice(all - 1);
    }
  });
});

describe('the suppressions the library writes', () => {
  test('every suppression is explained, and IAM5 suppressions name the findings they cover', () => {
    const all = suppressions(everything(new App({ outdir })));
    expect(all.filter((s) => s.id !== 'AwsSolutions-IAM5').map((s) => s.id).sort())
      .toEqual(['AwsSolutions-L1', 'AwsSolutions-L1', 'AwsSolutions-L1', 'AwsSolutions-SF1', 'AwsSolutions-SF2']);
    // AwsSolutions-L1 only on the Provider framework's three functions, whose runtime aws-cdk-lib picks.
    expect(all.filter((s) => s.id === 'AwsSolutions-L1').map((s) => s.logicalId).sort())
      .toEqual([expect.stringMatching(/^CdkCloudHsmProviderframeworkisComplete/), expect.stringMatching(/^CdkCloudHsmProviderframeworkonEvent/),
        expect.stringMatching(/^CdkCloudHsmProviderframeworkonTimeout/)]);
    for (const s of all) {
      expect(s.reason.length).toBeGreaterThan(80);
      if (s.id === 'AwsSolutions-IAM5') expect(s.applies_to?.length).toBeGreaterThan(0);
    }
    // One IAM5 entry per wildcard resource of the handler role: `*` and the ARN patterns of its statements.
    const handler = all.filter((s) => s.logicalId.startsWith('CdkCloudHsmProviderHandlerRoleDefaultPolicy'));
    const covered = handler.flatMap((s) => s.applies_to!.map((a: any) => (typeof a === 'string' ? a : a.regex)));
    expect(covered).toEqual(expect.arrayContaining([
      'Resource::*',
      expect.stringContaining(':cloudhsm:us-east-1:123456789012:cluster\\/\\*$/'),
      expect.stringContaining(':cloudhsm:us-east-1:123456789012:backup\\/\\*$/'),
      expect.stringContaining(':cloudhsm:us-west-2:123456789012:backup\\/\\*$/'),
      expect.stringContaining(':ec2:us-east-1:123456789012:network-interface\\/\\*$/'),
    ]));
    expect(handler.find((s) => (s.applies_to as any[]).includes('Resource::*'))!.reason)
      .toMatch(/DescribeClusters: .*CreateTaggedClusters: .*create-request tag/);
  });
});
