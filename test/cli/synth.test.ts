// The TypeScript examples through the real CDK CLI, as a user runs them from the example folder:
// the CLI's output folder is honoured and the synth needs no AWS credentials (the AZ lookups are in
// the committed cdk.context.json). The Python and Java examples go through the same checks in
// `test:langs` (test/cli/main.ts), once their packages are built.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assemblyStacks, cdkSynth, resourceTypes, root, subnetAzs, SynthResult } from './cdk-cli';

const examples = path.join(root, 'examples');
const results: SynthResult[] = [];
afterAll(() => results.forEach((r) => fs.rmSync(r.outdir, { recursive: true, force: true })));

function synth(...args: Parameters<typeof cdkSynth>): SynthResult {
  const r = cdkSynth(...args);
  results.push(r);
  return r;
}

describe('cdk synth with the aws-cdk CLI 2.x, no credentials', () => {
  test('examples/basic: the stack lands in the CLI\'s output folder, its subnets in the named AZs', () => {
    const r = synth('v2', path.join(examples, 'basic'));
    expect(r.output).not.toMatch(/credentials/i);
    expect(r.status).toBe(0);
    const stacks = assemblyStacks(r.outdir);
    expect(Object.keys(stacks)).toEqual(['CloudHsmBasic']);
    expect(resourceTypes(stacks.CloudHsmBasic)).toEqual(expect.arrayContaining(['Custom::CloudHsmCluster', 'Custom::CloudHsmHsm']));
    expect(subnetAzs(stacks.CloudHsmBasic)).toEqual(['us-east-1a', 'us-east-1b']);
  });

  test('examples/dr: both regions\' stacks, their VPCs in the AZs recorded in cdk.context.json', () => {
    const r = synth('v2', path.join(examples, 'dr'));
    expect(r.output).not.toMatch(/credentials/i);
    expect(r.status).toBe(0);
    const stacks = assemblyStacks(r.outdir);
    expect(Object.keys(stacks).sort()).toEqual(['CloudHsmDrPrimary', 'CloudHsmDrRestore']);
    expect(resourceTypes(stacks.CloudHsmDrPrimary)).toEqual(expect.arrayContaining(['Custom::CloudHsmCluster', 'Custom::CloudHsmBackupCopy']));
    expect(subnetAzs(stacks.CloudHsmDrPrimary)).toEqual(['us-east-1a', 'us-east-1b']);
    expect(subnetAzs(stacks.CloudHsmDrRestore)).toEqual(['us-west-2a', 'us-west-2b']);
  });

  test('examples/activation: initialization, the admin host, activation and three HSMs, subnets in the named AZs', () => {
    const r = synth('v2', path.join(examples, 'activation'));
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

  test('control: without the example\'s cdk.context.json the AZ lookup needs credentials, and finds none', () => {
    // The example's app run from an empty folder: no cdk.context.json there (the CLI writes one).
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-nocontext-'));
    results.push({ status: null, output: '', outdir: cwd });
    const r = synth('v2', cwd, { app: `ts-node --transpile-only ${path.join(examples, 'basic', 'app.ts')}` });
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/Need to perform AWS calls for account 123456789012, but no credentials have been configured/);
  });
});

describe('the aws-cdk CLI 3.x', () => {
  // 3.0.0, the only 3.x release (deprecated on the registry), reads cloud assemblies up to schema
  // 43; aws-cdk-lib 2.268.0 writes schema 54. When a 3.x release reads it, this test fails: then
  // test the examples with it as with 2.x and update the README's "CDK CLI" section.
  test('3.0.0 cannot read the assembly of aws-cdk-lib 2.268.0 (the README says so)', () => {
    const r = synth('v3', path.join(examples, 'basic'));
    expect(r.output).toMatch(/Maximum schema version supported is 43\.x\.x, but found 54\.0\.0/);
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toMatch(/`aws-cdk` 3\.0\.0[\s\S]{0,120}cannot read it/);
  });
});
