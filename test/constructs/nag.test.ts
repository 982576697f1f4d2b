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
import { AwsSolutionsChecks } from 'cdk-nag';
import { AwsSolutionsChecks as AwsSolutionsChecks3 } from 'cdk-nag-3';
import { activationApp } from '../../examples/activation/app';
import { basicApp } from '../../examples/basic/app';
import { drApp } from '../../examples/dr/app';
import { keyStoreApp } from '../../examples/key-store/app';
import { BackupCopy, ClusterInitialization, HsmCluster } from '../../src';
import { CloudHsmProvider } from '../../src/private/provider';

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
});

describe('the suppressions the library writes', () => {
  test('every suppression is explained, and IAM5 suppressions name the findings they cover', () => {
    const all = suppressions(everything(new App({ outdir })));
    expect(all.filter((s) => s.id !== 'AwsSolutions-IAM5').map((s) => s.id).sort()).toEqual(['AwsSolutions-SF1', 'AwsSolutions-SF2']);
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
