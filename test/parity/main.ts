/**
 * The four-language parity check, run by `npx projen test:parity` after the Python, Java and Go
 * example tests wrote their templates to test-reports/templates/<lang>.json. Synthesizes the
 * TypeScript example (examples/basic), compares the CloudHSM resources of each other language with
 * it, writes test-reports/junit/parity.xml and exits non-zero on any difference.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeJUnit, TestCase } from './junit';
import { cloudHsmResources, compareTemplates, Template } from './parity';
import { basicApp } from '../../examples/basic/app';

const root = path.join(__dirname, '..', '..');
const templates = path.join(root, 'test-reports', 'templates');
const OTHER_LANGUAGES = ['python', 'java', 'go'];

function typescriptTemplate(): Template {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-'));
  try {
    const { app, stack } = basicApp({}, outdir);
    const template = app.synth().getStackByName(stack.stackName).template as Template;
    fs.mkdirSync(templates, { recursive: true });
    fs.writeFileSync(path.join(templates, 'typescript.json'), JSON.stringify(template, null, 1));
    return template;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function main(): number {
  const reference = typescriptTemplate();
  const count = Object.keys(cloudHsmResources(reference)).length;
  const cases: TestCase[] = [{
    name: 'the TypeScript example declares CloudHSM resources',
    failure: count > 0 ? undefined : 'examples/basic has no Custom::CloudHsm* resource: nothing to compare',
  }];
  for (const lang of OTHER_LANGUAGES) {
    const file = path.join(templates, `${lang}.json`);
    const name = `the ${lang} example matches the TypeScript one`;
    if (!fs.existsSync(file)) {
      cases.push({ name, failure: `${path.relative(root, file)} is missing: the ${lang} example test did not write it` });
      continue;
    }
    const diffs = compareTemplates(reference, JSON.parse(fs.readFileSync(file, 'utf8')));
    cases.push({ name, failure: diffs.length ? `${lang} differs from typescript:\n${diffs.join('\n')}` : undefined });
  }
  writeJUnit(path.join(root, 'test-reports', 'junit', 'parity.xml'), 'parity', cases);
  for (const c of cases) console.log(`${c.failure === undefined ? 'ok  ' : 'FAIL'} ${c.name}${c.failure ? `\n${c.failure}` : ''}`);
  console.log(`parity: ${count} CloudHSM resource(s) compared across typescript, ${OTHER_LANGUAGES.join(', ')}`);
  return cases.some((c) => c.failure !== undefined) ? 1 : 0;
}

process.exitCode = main();
