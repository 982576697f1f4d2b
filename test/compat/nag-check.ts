// Runs inside the compatibility app (test/compat/app.ts copies it there), with that app's
// aws-cdk-lib, cdk-nag 2.x, cdk-nag 3.x (as `cdk-nag-3`) and the packed cdk-cloudhsm: builds each
// example app, applies cdk-nag's AwsSolutions pack the way each major's README says, and prints one
// JSON line: the findings, split into those on cdk-cloudhsm's resources and the others.
//   npx tsx nag-check.ts <examples folder>
/* eslint-disable @typescript-eslint/no-require-imports -- the app's own packages, resolved where this file is run */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const cdk = require('aws-cdk-lib');
const library = require('cdk-cloudhsm');
const { Construct } = require('constructs');

/** The example apps: folder and the function building the app (as in examples/<name>/app.ts). */
const EXAMPLES: Record<string, string> = {
  'basic': 'basicApp', 'dr': 'drApp', 'activation': 'activationApp', 'key-store': 'keyStoreApp', 'application': 'applicationApp',
};

/** What the check found on one example with one cdk-nag major. */
export interface NagResult {
  readonly example: string;
  readonly nag: '2.x' | '3.x';
  /** `<construct path> <rule>` of findings on cdk-cloudhsm's constructs and what they contain. */
  readonly library: string[];
  /** Findings on the example's own resources (VPC, bucket ...). */
  readonly other: string[];
}

/** Construct paths of every cdk-cloudhsm construct of the app (exported classes and the stack's provider). */
function libraryPaths(app: any): string[] {
  const classes = Object.values<any>(library).filter((v) => typeof v === 'function' && v.prototype instanceof Construct);
  return app.node.findAll()
    .filter((c: any) => c.node.id === 'CdkCloudHsmProvider' || classes.some((k) => c instanceof k))
    .map((c: any) => `/${c.node.path}`);
}

function split(example: string, nag: NagResult['nag'], findings: string[], owned: string[]): NagResult {
  const isLibrary = (f: string) => owned.some((p) => f.startsWith(`${p}/`) || f.startsWith(`${p} `));
  const unique = [...new Set(findings)].sort();
  return { example, nag, library: unique.filter(isLibrary), other: unique.filter((f) => !isLibrary(f)) };
}

function build(examplesDir: string, example: string): any {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-compat-nag-'));
  const made = require(path.join(examplesDir, example, 'app'))[EXAMPLES[example]]({}, outdir);
  return made.app;
}

/** cdk-nag 2.x: an aspect; findings are error and warning annotations. */
function nag2(examplesDir: string, example: string): NagResult {
  const { AwsSolutionsChecks } = require('cdk-nag');
  const app = build(examplesDir, example);
  cdk.Aspects.of(app).add(new AwsSolutionsChecks());
  const assembly = app.synth();
  const findings: string[] = [];
  for (const stack of assembly.stacks) {
    for (const m of stack.messages) {
      const text = String(m.entry.data);
      if ((m.level === 'error' || m.level === 'warning') && text.startsWith('AwsSolutions-')) findings.push(`${m.id} ${text.split(': ')[0]}`);
    }
  }
  return split(example, '2.x', findings, libraryPaths(app));
}

/** cdk-nag 3.x: a policy validation plugin; a violation makes synth throw, the plugin's report lists them. */
function nag3(examplesDir: string, example: string): NagResult {
  const { AwsSolutionsChecks } = require('cdk-nag-3');
  const app = build(examplesDir, example);
  const pack = new AwsSolutionsChecks(app);
  const reports: any[] = [];
  const validate = pack.validate.bind(pack);
  pack.validate = (context: unknown) => {
    const report = validate(context);
    reports.push(report);
    return report;
  };
  cdk.Validations.of(app).addPlugins(pack);
  try {
    app.synth();
  } catch (e) {
    if (reports.length === 0) throw e;
  }
  if (reports.length === 0) throw new Error('cdk-nag 3.x did not run');
  const findings = reports.flatMap((r) => r.violations.flatMap((v: any) =>
    v.violatingResources.map((res: any) => `/${res.constructPath} ${v.ruleName}`)));
  return split(example, '3.x', findings, libraryPaths(app));
}

const examplesDir = path.resolve(process.argv[2] ?? 'examples');
const results: NagResult[] = [];
for (const example of Object.keys(EXAMPLES)) {
  results.push(nag2(examplesDir, example));
  results.push(nag3(examplesDir, example));
}
console.log(JSON.stringify(results));
