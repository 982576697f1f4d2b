// `ts-node test/compat/main.ts`: the newest-versions leg (leg.ts), spawned by `npx projen test`.
// Writes test-reports/junit/compat-newest.xml for .ci/run's total; exits 1 when a case failed.
import * as path from 'path';
import { describeVersions, runLeg } from './leg';
import { root } from '../cli/cdk-cli';
import { TestCase, writeJUnit } from '../parity/junit';

const report = path.join(root, 'test-reports', 'junit', 'compat-newest.xml');
let cases: TestCase[];
try {
  const result = runLeg({ log: (l) => console.log(`compat: ${l}`) });
  console.log(`compat: ${describeVersions(result.versions)}: ${result.seconds.toFixed(0)} s`);
  cases = result.cases;
} catch (e) {
  // A leg that cannot be set up (registry, install, pack) is one failed case, not a missing report.
  cases = [{ name: 'newest-versions leg: set-up (npm pack, cdk init app, npm install)', failure: String((e as Error).stack ?? e) }];
}
for (const c of cases) console.log(`${c.failure === undefined ? 'ok' : 'FAIL'} ${c.name}${c.failure ? `\n  ${c.failure.split('\n').join('\n  ')}` : ''}`);
writeJUnit(report, 'compat-newest', cases);
if (cases.some((c) => c.failure !== undefined)) process.exitCode = 1;
