// The newest-versions leg: what a user who starts today gets. In a temporary folder (the clone and
// its lock file stay as committed) it packs the built library, makes an app with `cdk init app` of
// the newest aws-cdk CLI 2.x, installs the newest aws-cdk-lib, constructs, cdk-nag 2.x and 3.x the
// registry serves, and checks: the app's own `cdk synth` (tsc and tsx, as cdk init sets it up), each
// TypeScript example through the CLI, and cdk-nag AwsSolutions on the examples with both majors
// (no finding on cdk-cloudhsm's resources); then the nag checks again on the minimum aws-cdk-lib.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { NagResult } from './nag-check';
import { assemblyStacks, credentialFreeEnv, root } from '../cli/cdk-cli';
import { TestCase } from '../parity/junit';

/** The package's minimum aws-cdk-lib (.projenrc.ts `cdkVersion`). */
export const MIN_AWS_CDK_LIB: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).peerDependencies['aws-cdk-lib'].replace(/^\^/, '');

/** The packages of a leg, as npm install specs. */
export interface LegVersions {
  readonly awsCdkLib: string;
  readonly constructs: string;
  readonly cdkNag2: string;
  readonly cdkNag3: string;
  readonly cli: string;
}

export interface LegOptions {
  /** Versions to use instead of the newest (a known combination). */
  readonly versions?: Partial<LegVersions>;
  /**
   * Make the packed library choose its handler's runtime as it did before it followed aws-cdk-lib
   * (nodejs24.x, and no AwsSolutions-L1 explanation on the Provider framework's functions): a known-bad library.
   */
  readonly legacyRuntime?: boolean;
  /** Only the cdk-nag checks with the chosen versions (no CLI synth, no minimum aws-cdk-lib). */
  readonly nagOnly?: boolean;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface LegResult {
  readonly versions: LegVersions;
  readonly cases: TestCase[];
  /** Every cdk-nag result, for the tests. */
  readonly nag: NagResult[];
  readonly seconds: number;
}

const EXAMPLES = ['basic', 'dr', 'activation', 'key-store', 'application'];
const TIMEOUT = 300_000;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: TIMEOUT, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error}):\n${`${r.stdout}${r.stderr}`.slice(-4000)}`);
  }
  return r.stdout;
}

/** The newest release (no pre-release) the registry serves of a package, within `major` when given. */
function newest(name: string, major?: number): string {
  const all: string[] = JSON.parse(run('npm', ['view', name, 'versions', '--json'], root));
  const parts = (v: string) => v.split('.').map(Number);
  const releases = all.filter((v) => /^\d+\.\d+\.\d+$/.test(v) && (major === undefined || parts(v)[0] === major));
  if (releases.length === 0) throw new Error(`the registry serves no release of ${name}${major === undefined ? '' : ` ${major}.x`}`);
  // npm lists versions in publication order, not semver order (a 2.31 patch may come after 2.38).
  return releases.sort((a, b) => {
    const [x, y] = [parts(a), parts(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  }).pop()!;
}

export function newestVersions(): LegVersions {
  return {
    awsCdkLib: newest('aws-cdk-lib', 2),
    constructs: newest('constructs', 10),
    cdkNag2: newest('cdk-nag', 2),
    cdkNag3: newest('cdk-nag', 3),
    cli: newest('aws-cdk', 2),
  };
}

/** `npm pack` of the built package (lib/ and .jsii from `npx projen compile`). */
function pack(into: string): string {
  if (!fs.existsSync(path.join(root, 'lib', 'index.js')) || !fs.existsSync(path.join(root, '.jsii'))) {
    throw new Error('lib/index.js or .jsii is missing: run `npx projen compile` first');
  }
  const name = run('npm', ['pack', '--pack-destination', into, '--silent'], root).trim().split('\n').pop()!;
  return path.join(into, name);
}

/** An app as `cdk init app --language typescript` makes it, with the versions under test and the examples. */
function makeApp(work: string, tarball: string, v: LegVersions, log: (l: string) => void): string {
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  run('npm', ['exec', '--yes', '--prefer-offline', '--package', `aws-cdk@${v.cli}`, '--', 'cdk', 'init', 'app', '--language', 'typescript', '--generate-only'],
    app, { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' });
  const pkgFile = path.join(app, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  // The template's unit-test runner is not used here; dropping it saves its install.
  for (const dep of ['jest', '@swc/core', '@swc/jest']) delete pkg.devDependencies[dep];
  pkg.devDependencies['aws-cdk'] = v.cli;
  pkg.dependencies = {
    'aws-cdk-lib': v.awsCdkLib,
    'constructs': v.constructs,
    'cdk-cloudhsm': `file:${tarball}`,
    'cdk-nag': v.cdkNag2,
    'cdk-nag-3': `npm:cdk-nag@${v.cdkNag3}`,
  };
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
  fs.rmSync(path.join(app, 'test'), { recursive: true, force: true });
  fs.rmSync(path.join(app, 'jest.config.js'), { force: true });

  // The examples as a user copies them: imports from the package, run with the app's tsx.
  for (const example of EXAMPLES) {
    const dir = path.join(app, 'examples', example);
    fs.mkdirSync(dir, { recursive: true });
    const source = fs.readFileSync(path.join(root, 'examples', example, 'app.ts'), 'utf8');
    const rewritten = source.replace(/from '\.\.\/\.\.\/src'/g, 'from \'cdk-cloudhsm\'');
    if (rewritten === source) throw new Error(`examples/${example}/app.ts does not import '../../src'`);
    fs.writeFileSync(path.join(dir, 'app.ts'), rewritten);
    fs.copyFileSync(path.join(root, 'examples', example, 'cdk.context.json'), path.join(dir, 'cdk.context.json'));
    fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'npx tsx app.ts' }, null, 2));
  }
  // The app's own entry point synthesizes examples/basic: the app's `cdk synth` (tsc, then tsx) covers it.
  fs.writeFileSync(path.join(app, 'bin', 'app.ts'), 'import { basicApp } from \'../examples/basic/app\';\n\nbasicApp().app.synth();\n');
  fs.rmSync(path.join(app, 'lib'), { recursive: true, force: true });
  fs.copyFileSync(path.join(root, 'examples', 'basic', 'cdk.context.json'), path.join(app, 'cdk.context.json'));
  fs.copyFileSync(path.join(__dirname, 'nag-check.ts'), path.join(app, 'nag-check.ts'));

  log(`npm install in ${app}`);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app);
  return app;
}

/**
 * A second app beside `app` with the minimum aws-cdk-lib and everything else as there, for the nag
 * checks (a fresh install: npm cannot move aws-cdk-lib's bundled dependencies back in place).
 */
function minimumApp(work: string, app: string): string {
  const min = path.join(work, 'app-min');
  fs.mkdirSync(min);
  const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
  pkg.dependencies['aws-cdk-lib'] = MIN_AWS_CDK_LIB;
  pkg.devDependencies = { tsx: pkg.devDependencies.tsx };
  fs.writeFileSync(path.join(min, 'package.json'), JSON.stringify(pkg, null, 2));
  fs.cpSync(path.join(app, 'examples'), path.join(min, 'examples'), { recursive: true });
  fs.copyFileSync(path.join(app, 'nag-check.ts'), path.join(min, 'nag-check.ts'));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], min);
  return min;
}

/** Turns the packed library back to its handler runtime choice before aws-cdk-lib 2.277 (see LegOptions.legacyRuntime). */
function useLegacyRuntime(app: string): void {
  const file = path.join(app, 'node_modules', 'cdk-cloudhsm', 'lib', 'private', 'provider.js');
  const source = fs.readFileSync(file, 'utf8');
  const patched = source
    .replace('(0, runtime_1.handlerRuntime)()', 'lambda.Runtime.NODEJS_24_X')
    .replace(/\(0, nag_1\.addNagSuppressions\)\(fn, \[\{ id: 'AwsSolutions-L1'.*\]\);/, '');
  if (/handlerRuntime\)\(\)|AwsSolutions-L1', reason/.test(patched)) {
    throw new Error(`cannot make ${file} choose the legacy runtime: its code changed`);
  }
  fs.writeFileSync(file, patched);
}

function nagCases(app: string, label: string): { cases: TestCase[]; results: NagResult[] } {
  const out = run('npx', ['tsx', 'nag-check.ts', 'examples'], app);
  const results: NagResult[] = JSON.parse(out.trim().split('\n').pop()!);
  const cases = results.map((r) => ({
    name: `${label}: cdk-nag ${r.nag} AwsSolutions on examples/${r.example}, no finding on cdk-cloudhsm's resources`,
    failure: r.library.length ? `findings on cdk-cloudhsm's resources:\n${r.library.join('\n')}` : undefined,
  }));
  return { cases, results };
}

/** `cdk synth` with the app's CLI and no credentials; what is wrong with it, if anything. */
function cliSynth(app: string, cwd: string): string | undefined {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-compat-out-'));
  const env = credentialFreeEnv();
  try {
    const r = spawnSync(process.execPath, [path.join(app, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--output', outdir],
      { cwd, env, encoding: 'utf8', timeout: TIMEOUT });
    const output = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) return `the CLI exited with ${r.status ?? r.error}:\n${output.slice(-4000)}`;
    const stacks = assemblyStacks(outdir);
    const custom = Object.values<any>(stacks).flatMap((t) => Object.values<any>(t.Resources ?? {})).filter((res) => res.Type === 'Custom::CloudHsmCluster');
    if (custom.length === 0) return `no Custom::CloudHsmCluster in the assembly's stacks (${Object.keys(stacks).join(', ') || 'none'})`;
    return undefined;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(env.HOME!, { recursive: true, force: true });
  }
}

/** Runs the leg; its cases fail on any problem. Throws only when the leg cannot be set up. */
export function runLeg(options: LegOptions = {}): LegResult {
  const started = Date.now();
  const say = options.log ?? (() => undefined);
  const log = (line: string) => say(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`);
  const versions = { ...newestVersions(), ...options.versions };
  log(`versions: ${JSON.stringify(versions)}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-compat-'));
  try {
    const app = makeApp(work, pack(work), versions, log);
    if (options.legacyRuntime) useLegacyRuntime(app);
    const cases: TestCase[] = [];
    const label = `aws-cdk-lib ${versions.awsCdkLib}`;
    if (!options.nagOnly) {
      log('cdk synth of the app and the examples');
      // One CLI run (a few seconds of process start and tsc each on 2 cores): the app's own entry
      // point, examples/basic. The nag checks below synthesize every example with the same packages.
      cases.push({ name: `${label}: the cdk init app's cdk synth (aws-cdk ${versions.cli}, its tsc and tsx) of examples/basic with the packed library, no credentials`, failure: cliSynth(app, app) });
    }
    log('cdk-nag');
    const nag = nagCases(app, label);
    cases.push(...nag.cases);
    const results = [...nag.results];
    if (!options.nagOnly) {
      log(`aws-cdk-lib ${MIN_AWS_CDK_LIB}`);
      const min = nagCases(minimumApp(work, app), `aws-cdk-lib ${MIN_AWS_CDK_LIB} (the minimum)`);
      cases.push(...min.cases);
      results.push(...min.results);
    }
    return { versions, cases, nag: results, seconds: (Date.now() - started) / 1000 };
  } finally {
    if (!process.env.CDK_CLOUDHSM_COMPAT_KEEP) fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The versions of a leg in one line. */
export function describeVersions(v: LegVersions): string {
  return `aws-cdk-lib ${v.awsCdkLib}, constructs ${v.constructs}, cdk-nag ${v.cdkNag2} and ${v.cdkNag3}, aws-cdk ${v.cli}`;
}
