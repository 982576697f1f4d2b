/**
 * The four-language parity check, run by `npx projen test:parity` after the Python, Java and Go
 * example tests wrote their templates to test-reports/templates/<lang>.json (examples/basic) and
 * <lang>-application.json (examples/application). Synthesizes the TypeScript examples, compares the
 * CloudHSM resources of each other language with them, writes test-reports/junit/parity.xml and
 * exits non-zero on any difference.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { writeJUnit, TestCase } from './junit';
import { cloudHsmResources, compareTemplates, Template } from './parity';
import { applicationApp } from '../../examples/application/app';
import { basicApp } from '../../examples/basic/app';

const root = path.join(__dirname, '..', '..');
const templates = path.join(root, 'test-reports', 'templates');
const OTHER_LANGUAGES = ['python', 'java', 'go'];

/** An example compared across languages: its folder, the suffix of its template files, its TypeScript app. */
interface Example {
  readonly name: string;
  readonly suffix: string;
  readonly build: (props: {}, outdir: string) => { app: App; stack: Stack };
}

const EXAMPLES: Example[] = [
  { name: 'basic', suffix: '', build: basicApp },
  { name: 'application', suffix: '-application', build: applicationApp },
];

function typescriptTemplate(example: Example): Template {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-'));
  try {
    const { app, stack } = example.build({}, outdir);
    const template = app.synth().getStackByName(stack.stackName).template as Template;
    fs.mkdirSync(templates, { recursive: true });
    fs.writeFileSync(path.join(templates, `typescript${example.suffix}.json`), JSON.stringify(template, null, 1));
    return template;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The cases of one example: the TypeScript app declares CloudHSM resources, each other language's match them. */
function compareExample(example: Example): { cases: TestCase[]; count: number } {
  const reference = typescriptTemplate(example);
  const count = Object.keys(cloudHsmResources(reference)).length;
  const cases: TestCase[] = [{
    name: `the TypeScript example ${example.name} declares CloudHSM resources`,
    failure: count > 0 ? undefined : `examples/${example.name} has no Custom::CloudHsm* resource: nothing to compare`,
  }];
  for (const lang of OTHER_LANGUAGES) {
    const file = path.join(templates, `${lang}${example.suffix}.json`);
    const name = `the ${lang} example ${example.name} matches the TypeScript one`;
    if (!fs.existsSync(file)) {
      cases.push({ name, failure: `${path.relative(root, file)} is missing: the ${lang} example test did not write it` });
      continue;
    }
    const diffs = compareTemplates(reference, JSON.parse(fs.readFileSync(file, 'utf8')));
    cases.push({ name, failure: diffs.length ? `${lang} differs from typescript:\n${diffs.join('\n')}` : undefined });
  }
  return { cases, count };
}

function main(): number {
  const cases: TestCase[] = [];
  for (const example of EXAMPLES) {
    const result = compareExample(example);
    cases.push(...result.cases);
    console.log(`parity: ${result.count} CloudHSM resource(s) of examples/${example.name} compared across typescript, ${OTHER_LANGUAGES.join(', ')}`);
  }
  writeJUnit(path.join(root, 'test-reports', 'junit', 'parity.xml'), 'parity', cases);
  for (const c of cases) console.log(`${c.failure === undefined ? 'ok  ' : 'FAIL'} ${c.name}${c.failure ? `\n${c.failure}` : ''}`);
  return cases.some((c) => c.failure !== undefined) ? 1 : 0;
}

process.exitCode = main();
