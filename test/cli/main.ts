// `ts-node test/cli/main.ts python|java|go`: synthesizes the example apps of a language with the
// real CDK CLI 2.x and no credentials, as test/cli/synth.test.ts does for the TypeScript examples,
// and writes the result as JUnit XML to test-reports/junit/cli-<lang>.xml. Runs in `test:langs`,
// after the wheel, the jar and the Go module exist.
import * as fs from 'fs';
import * as path from 'path';
import { assemblyStacks, cdkSynthAsync, resourceTypes, root, SynthResult, subnetAzs } from './cdk-cli';
import { TestCase, writeJUnit } from '../parity/junit';

/** What the one stack of an example app must declare. */
interface Expected {
  readonly stack: string;
  /** Resource types that must be there. */
  readonly types: readonly string[];
  readonly hsms: number;
  /** The Availability Zones of its subnets, sorted. */
  readonly subnetAzs: readonly string[];
}

const BASIC: Expected = {
  stack: 'CloudHsmBasic', types: ['Custom::CloudHsmCluster'], hsms: 1, subnetAzs: ['us-east-1a', 'us-east-1b'],
};
const ACTIVATION: Expected = {
  stack: 'CloudHsmActivation',
  types: ['Custom::CloudHsmCluster', 'Custom::CloudHsmClusterInitialization', 'Custom::CloudHsmActivation', 'AWS::EC2::Instance'],
  hsms: 3,
  // A public and a private subnet in each of the two AZs.
  subnetAzs: ['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1b'],
};

const KEY_STORE: Expected = {
  stack: 'CloudHsmKeyStore',
  types: ['Custom::CloudHsmActivation', 'Custom::CloudHsmKeyStore', 'Custom::CloudHsmKmsKey', 'AWS::S3::Bucket'],
  hsms: 2,
  subnetAzs: ['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1b'],
};

const APPLICATION: Expected = {
  stack: 'CloudHsmApplication',
  types: ['Custom::CloudHsmActivation', 'Custom::CloudHsmCryptoUser', 'Custom::CloudHsmTrustAnchor', 'AWS::SSM::Parameter',
    'AWS::EC2::Instance', 'AWS::Logs::MetricFilter', 'AWS::CloudWatch::Alarm'],
  hsms: 2,
  subnetAzs: ['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1b'],
};

/** An example app: its folder under examples/ (whose cdk.json and cdk.context.json apply), and another app command if not cdk.json's. */
interface ExampleApp { readonly dir: string; readonly app?: string; readonly expected: Expected }

const languages: Record<string, { apps: ExampleApp[]; extraPath?: string[]; env?: NodeJS.ProcessEnv }> = {
  // cdk.json runs `python3 app.py`: the example's venv, where the wheel is installed, comes first.
  python: {
    extraPath: [path.join(root, 'examples', 'python', '.venv', 'bin')],
    apps: [
      { dir: 'python', expected: BASIC },
      { dir: 'python', app: 'python3 activation_app.py', expected: ACTIVATION },
      { dir: 'python', app: 'python3 key_store_app.py', expected: KEY_STORE },
      { dir: 'python', app: 'python3 application_app.py', expected: APPLICATION },
    ],
  },
  // cdk.json runs `mvn compile exec:java`: Maven uses the repository test:java seeded.
  java: {
    env: { MAVEN_OPTS: `-Dmaven.repo.local=${path.join(root, 'build', 'm2')}` },
    apps: [
      { dir: 'java', expected: BASIC },
      { dir: 'java', app: 'mvn -e -q compile exec:java -Dexec.mainClass=com.example.cloudhsm.ApplicationStack', expected: APPLICATION },
    ],
  },
  // cdk.json runs `go run .`: with the modules and build cache test:go filled (build-tools/go-env.sh).
  go: {
    env: {
      GOMODCACHE: path.join(root, 'build', 'go', 'mod'),
      GOCACHE: path.join(root, 'build', 'go', 'cache'),
      GOTOOLCHAIN: 'local',
      GOFLAGS: '-buildvcs=false -modcacherw',
    },
    apps: [
      { dir: 'go', expected: BASIC },
      { dir: path.join('go', 'activation'), expected: ACTIVATION },
      { dir: path.join('go', 'keystore'), expected: KEY_STORE },
      { dir: path.join('go', 'application'), expected: APPLICATION },
    ],
  },
};

/** What is wrong with the CLI's run and its cloud assembly; nothing when the app is as expected. */
function problemsOf(r: SynthResult, expected: Expected): string[] {
  const problems: string[] = [];
  if (r.status !== 0) problems.push(`the CLI exited with ${r.status}`);
  if (/credentials/i.test(r.output)) problems.push('the CLI asked for credentials');
  const stacks = assemblyStacks(r.outdir);
  if (Object.keys(stacks).join() !== expected.stack) {
    return [...problems, `stacks in the CLI's output folder: ${Object.keys(stacks).join(', ') || 'none'}, want ${expected.stack}`];
  }
  const types = resourceTypes(stacks[expected.stack]);
  for (const type of expected.types) if (!types.includes(type)) problems.push(`no ${type} in the template`);
  const hsms = types.filter((t) => t === 'Custom::CloudHsmHsm').length;
  if (hsms !== expected.hsms) problems.push(`${hsms} Custom::CloudHsmHsm in the template, want ${expected.hsms}`);
  const azs = subnetAzs(stacks[expected.stack]);
  if (azs.join() !== expected.subnetAzs.join()) problems.push(`subnet AZs ${azs.join(', ')}, want ${expected.subnetAzs.join(', ')}`);
  return problems;
}

const lang = process.argv[2];
const setup = languages[lang];
if (!setup) throw new Error(`usage: test/cli/main.ts ${Object.keys(languages).join('|')}`);

/** One example app through the CLI: its test case, and what to print. */
async function synthExample(example: ExampleApp): Promise<{ testCase: TestCase; report: string }> {
  const name = `examples/${example.dir}${example.app ? ` (${example.app})` : ''}: cdk synth with the aws-cdk CLI 2.x and no credentials`;
  const started = Date.now();
  const r = await cdkSynthAsync('v2', path.join(root, 'examples', example.dir), { app: example.app, extraPath: setup.extraPath, env: setup.env });
  let problems: string[];
  try {
    problems = problemsOf(r, example.expected);
  } catch (e) {
    problems = [String(e)];
  } finally {
    fs.rmSync(r.outdir, { recursive: true, force: true });
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const report = `${problems.length ? 'FAIL' : 'ok'} ${name} (${seconds}s)${problems.map((p) => `\n  ${p}`).join('')}`
    + (problems.length ? `\n${r.output.slice(-4000)}` : '');
  return { testCase: { name, failure: problems.length ? `${problems.join('; ')}\n${r.output.slice(-4000)}` : undefined }, report };
}

async function main() {
  // The apps of a language synthesize side by side (test-reports keeps their order): each waits
  // mostly on its own jsii runtime, Maven or Go compiler process.
  const results = await Promise.all(setup.apps.map(synthExample));
  for (const r of results) console.log(r.report);
  const cases = results.map((r) => r.testCase);
  writeJUnit(path.join(root, 'test-reports', 'junit', `cli-${lang}.xml`), `cdk-cli-${lang}`, cases);
  if (cases.some((c) => c.failure !== undefined)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
