// The TypeScript examples through the real CDK CLI, as a user runs them from the example folder:
// the CLI's output folder is honoured and the synth needs no AWS credentials (the AZ lookups are in
// the committed cdk.context.json). The Python and Java examples go through the same checks in
// `test:langs` (test/cli/main.ts), once their packages are built.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assemblyStacks, cdkSynthAsync, resourceTypes, root, subnetAzs, SynthResult } from './cdk-cli';

const examples = path.join(root, 'examples');
const results: SynthResult[] = [];
// The CLI runs share the cores, so a test may wait for the runs queued before its own.
jest.setTimeout(1_200_000);

// At most three CLI runs at a time: on two cores more add no speed, only wall time to each run
// (the CLI's own 600 s limit applies to every run).
const SIDE_BY_SIDE = 3;
let running = 0;
const waiting: Array<() => void> = [];
async function limited<T>(run: () => Promise<T>): Promise<T> {
  while (running >= SIDE_BY_SIDE) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await run();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Every synth of this file, queued when the file starts; each test awaits its own. */
const pending = new Map<string, Promise<SynthResult>>();
function start(name: string, ...args: Parameters<typeof cdkSynthAsync>): void {
  pending.set(name, limited(() => cdkSynthAsync(...args)).then((r) => { results.push(r); return r; }));
}
// The folder of the control test: the example's app run from it finds no cdk.context.json.
const noContext = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-nocontext-'));
results.push({ status: null, output: '', outdir: noContext });
// The six CLI runs side by side, in the tests' order: each spends most of its time in its own app process (ts-node).
beforeAll(() => {
  start('basic', 'v2', path.join(examples, 'basic'));
  start('dr', 'v2', path.join(examples, 'dr'));
  start('activation', 'v2', path.join(examples, 'activation'));
  start('application', 'v2', path.join(examples, 'application'));
  start('control', 'v2', noContext, { app: `ts-node --transpile-only ${path.join(examples, 'basic', 'app.ts')}` });
  start('v3', 'v3', path.join(examples, 'basic'));
});
// Every CLI run has ended before its output folder goes, whichever tests ran.
afterAll(async () => {
  await Promise.all(pending.values());
  results.forEach((r) => fs.rmSync(r.outdir, { recursive: true, force: true }));
});

function synth(name: string): Promise<SynthResult> {
  return pending.get(name)!;
}

describe('cdk synth with the aws-cdk CLI 2.x, no credentials', () => {
  test('examples/basic: the stack lands in the CLI\'s output folder, its subnets in the named AZs', async () => {
    const r = await synth('basic');
    expect(r.output).not.toMatch(/credentials/i);
    expect(r.status).toBe(0);
    const stacks = assemblyStacks(r.outdir);
    expect(Object.keys(stacks)).toEqual(['CloudHsmBasic']);
    expect(resourceTypes(stacks.CloudHsmBasic)).toEqual(expect.arrayContaining(['Custom::CloudHsmCluster', 'Custom::CloudHsmHsm']));
    expect(subnetAzs(stacks.CloudHsmBasic)).toEqual(['us-east-1a', 'us-east-1b']);
  });

  test('examples/dr: both regions\' stacks, their VPCs in the AZs recorded in cdk.context.json', async () => {
    const r = await synth('dr');
    expect(r.output).not.toMatch(/credentials/i);
    expect(r.status).toBe(0);
    const stacks = assemblyStacks(r.outdir);
    expect(Object.keys(stacks).sort()).toEqual(['CloudHsmDrPrimary', 'CloudHsmDrRestore']);
    expect(resourceTypes(stacks.CloudHsmDrPrimary)).toEqual(expect.arrayContaining(['Custom::CloudHsmCluster', 'Custom::CloudHsmBackupCopy']));
    expect(subnetAzs(stacks.CloudHsmDrPrimary)).toEqual(['us-east-1a', 'us-east-1b']);
    expect(subnetAzs(stacks.CloudHsmDrRestore)).toEqual(['us-west-2a', 'us-west-2b']);
  });

  test('examples/activation: initialization, the admin host, activation and three HSMs, subnets in the named AZs', async () => {
    const r = await synth('activation');
    expect(r.output).not.toMatch(/credentials/i);
    expect(r.status).toBe(0);
    const stacks = assemblyStacks(r.outdir);
    expect(Object.keys(stacks)).toEqual(['CloudHsmActivation']);
    const types = resourceTypes(stacks.CloudHsmActivation);
    expect(types).toEqual(expect.arrayContaining([
      'Custom::CloudHsmCluster', 'Custom::CloudHsmClusterInitialization', 'Custom::CloudHsmActivation', 'AWS::EC2::Instance',
    ]));
    expect(types.filter((t) => t === 'Custom::CloudHsmHsm')).toHaveLength(3);
    // A public and a private subnet in each of the two AZs.
    expect(subnetAzs(stacks.CloudHsmActivation)).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1b']);
  });

  test('examples/application: the crypto user, the application host with its trust anchor parameter, the audit alarm', async () => {
    const r = await synth('application');
    expect(r.output).not.toMatch(/credentials/i);
    expect(r.status).toBe(0);
    const stacks = assemblyStacks(r.outdir);
    expect(Object.keys(stacks)).toEqual(['CloudHsmApplication']);
    const types = resourceTypes(stacks.CloudHsmApplication);
    expect(types).toEqual(expect.arrayContaining([
      'Custom::CloudHsmActivation', 'Custom::CloudHsmCryptoUser', 'Custom::CloudHsmTrustAnchor', 'AWS::SSM::Parameter',
      'AWS::Logs::MetricFilter', 'AWS::CloudWatch::Alarm',
    ]));
    // The admin host and the application host.
    expect(types.filter((t) => t === 'AWS::EC2::Instance')).toHaveLength(2);
    expect(types.filter((t) => t === 'Custom::CloudHsmHsm')).toHaveLength(2);
    expect(subnetAzs(stacks.CloudHsmApplication)).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1b']);
  });

  test('control: without the example\'s cdk.context.json the AZ lookup needs credentials, and finds none', async () => {
    // The example's app run from an empty folder: no cdk.context.json there (the CLI writes one).
    const r = await synth('control');
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/Need to perform AWS calls for account 123456789012, but no credentials have been configured/);
  });
});

describe('the aws-cdk CLI 3.x', () => {
  // 3.0.0, the only 3.x release (deprecated on the registry), reads cloud assemblies up to schema
  // 43; aws-cdk-lib 2.268.0 writes schema 54. When a 3.x release reads it, this test fails: then
  // test the examples with it as with 2.x and update the README's "CDK CLI" section.
  test('3.0.0 cannot read the assembly of aws-cdk-lib 2.268.0 (the README says so)', async () => {
    const r = await synth('v3');
    expect(r.output).toMatch(/Maximum schema version supported is 43\.x\.x, but found 54\.0\.0/);
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toMatch(/`aws-cdk` 3\.0\.0[\s\S]{0,120}cannot read it/);
  });
});
