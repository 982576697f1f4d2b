// `ts-node test/cli/main.ts python|java`: synthesizes examples/<lang> with the real CDK CLI 2.x and
// no credentials, as test/cli-synth.test.ts does for the TypeScript examples, and writes the result
// as JUnit XML to test-reports/junit/cli-<lang>.xml. Runs in `test:langs`, after the wheel and jar exist.
import * as fs from 'fs';
import * as path from 'path';
import { assemblyStacks, cdkSynth, resourceTypes, root, subnetAzs } from './cdk-cli';

const lang = process.argv[2];
const setups: Record<string, { extraPath?: string[]; env?: NodeJS.ProcessEnv }> = {
  // cdk.json runs `python3 app.py`: the example's venv, where the wheel is installed, comes first.
  python: { extraPath: [path.join(root, 'examples', 'python', '.venv', 'bin')] },
  // cdk.json runs `mvn compile exec:java`: Maven uses the repository test:java seeded.
  java: { env: { MAVEN_OPTS: `-Dmaven.repo.local=${path.join(root, 'build', 'm2')}` } },
};
const setup = setups[lang];
if (!setup) throw new Error(`usage: test/cli/main.ts ${Object.keys(setups).join('|')}`);

const name = `examples/${lang}: cdk synth with the aws-cdk CLI 2.x and no credentials`;
const started = Date.now();
const r = cdkSynth('v2', path.join(root, 'examples', lang), setup);
const problems: string[] = [];
try {
  if (r.status !== 0) problems.push(`the CLI exited with ${r.status}`);
  if (/credentials/i.test(r.output)) problems.push('the CLI asked for credentials');
  const stacks = assemblyStacks(r.outdir);
  const template = stacks.CloudHsmBasic;
  if (Object.keys(stacks).join() !== 'CloudHsmBasic') {problems.push(`stacks in the CLI's output folder: ${Object.keys(stacks).join(', ') || 'none'}`);} else {
    for (const type of ['Custom::CloudHsmCluster', 'Custom::CloudHsmHsm']) {
      if (!resourceTypes(template).includes(type)) problems.push(`no ${type} in the template`);
    }
    if (subnetAzs(template).join() !== 'us-east-1a,us-east-1b') problems.push(`subnet AZs ${subnetAzs(template).join(', ')}`);
  }
} catch (e) {
  problems.push(String(e));
} finally {
  fs.rmSync(r.outdir, { recursive: true, force: true });
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const failure = problems.length ? `<failure message="${escape(problems.join('; '))}">${escape(r.output.slice(-4000))}</failure>` : '';
const junitDir = path.join(root, 'test-reports', 'junit');
fs.mkdirSync(junitDir, { recursive: true });
fs.writeFileSync(path.join(junitDir, `cli-${lang}.xml`),
  `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="cdk-cli-${lang}" tests="1" failures="${problems.length ? 1 : 0}">\n` +
  `  <testcase classname="cdk-cli" name="${escape(name)}" time="${seconds}">${failure}</testcase>\n</testsuite>\n`);
console.log(`${problems.length ? 'FAIL' : 'ok'} ${name} (${seconds}s)${problems.map((p) => `\n  ${p}`).join('')}`);
if (problems.length) {
  console.log(r.output.slice(-4000));
  process.exit(1);
}
