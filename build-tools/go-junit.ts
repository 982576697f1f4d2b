/**
 * Turns `go test -json` events into a JUnit report (one case per top-level test) and prints the
 * output of every failed test. A package that fails without a failed test (it did not build, or
 * TestMain failed) is a failed case of its own, and so is a run without any test.
 *
 *   ts-node --transpile-only build-tools/go-junit.ts <events.json> <junit.xml>
 */
import * as fs from 'fs';
import { TestCase, writeJUnit } from '../test/parity/junit';

interface GoTestEvent {
  readonly Action: string;
  readonly Package?: string;
  readonly Test?: string;
  readonly Output?: string;
}

export function junitCases(events: readonly GoTestEvent[]): TestCase[] {
  const output = new Map<string, string>();
  const outcome = new Map<string, string>();
  const packages = new Map<string, string>();
  let buildOutput = '';
  for (const e of events) {
    if (e.Action === 'build-output') buildOutput += e.Output ?? '';
    const key = `${e.Package ?? ''} ${e.Test ?? ''}`;
    if (e.Output !== undefined) output.set(key, (output.get(key) ?? '') + e.Output);
    if (!['pass', 'fail', 'skip'].includes(e.Action)) continue;
    if (e.Test === undefined) packages.set(e.Package ?? '', e.Action);
    // Subtests (Parent/child) count with their parent.
    else if (!e.Test.includes('/')) outcome.set(key, e.Action);
  }
  const cases: TestCase[] = [];
  for (const [key, action] of outcome) {
    if (action === 'skip') continue;
    cases.push({ name: key.trim(), failure: action === 'fail' ? output.get(key) ?? 'failed' : undefined });
  }
  for (const [pkg, action] of packages) {
    const failedTests = [...outcome.entries()].some(([k, a]) => k.startsWith(`${pkg} `) && a === 'fail');
    if (action === 'fail' && !failedTests) {
      cases.push({ name: `${pkg} builds and runs its tests`, failure: output.get(`${pkg} `) ?? (buildOutput || 'package failed') });
    }
  }
  if (cases.length === 0) cases.push({ name: 'go test ran tests', failure: 'no test ran' });
  return cases;
}

function main(eventsFile: string, junitFile: string): number {
  const events = fs.readFileSync(eventsFile, 'utf8').split('\n').filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as GoTestEvent);
  const cases = junitCases(events);
  writeJUnit(junitFile, 'go', cases);
  for (const c of cases) console.log(`${c.failure === undefined ? 'ok  ' : 'FAIL'} ${c.name}${c.failure ? `\n${c.failure}` : ''}`);
  const failed = cases.filter((c) => c.failure !== undefined).length;
  console.log(`examples/go: ${cases.length} test(s), ${failed} failing`);
  return failed ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv[2], process.argv[3]);
