// Prints the closing `N passed, N failed` line over every suite's report:
// jest's JSON (test-reports/jest-results.json) and JUnit XML files under test-reports/junit/.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const buildStatus = Number(process.argv[2] ?? 0);
let passed = 0;
let failed = 0;
let skipped = 0;

const jestFile = path.join(root, 'test-reports', 'jest-results.json');
if (fs.existsSync(jestFile)) {
  const r = JSON.parse(fs.readFileSync(jestFile, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  // A suite that failed to run has no failed tests of its own: count it once.
  failed += (r.testResults ?? []).filter((t) => t.status === 'failed' && t.assertionResults.length === 0).length;
} else {
  console.log('no jest results: the build failed before the tests ran');
}

const junitDir = path.join(root, 'test-reports', 'junit');
if (fs.existsSync(junitDir)) {
  for (const file of fs.readdirSync(junitDir).filter((f) => f.endsWith('.xml'))) {
    const xml = fs.readFileSync(path.join(junitDir, file), 'utf8');
    // Count <testcase> elements and their outcomes, whatever the suite nesting.
    const cases = xml.match(/<testcase\b[\s\S]*?(\/>|<\/testcase>)/g) ?? [];
    for (const c of cases) {
      if (/<(failure|error)\b/.test(c)) failed++;
      else if (/<skipped\b/.test(c)) skipped++;
      else passed++;
    }
    console.log(`${file}: ${cases.length} test cases`);
  }
}

// A failed build step with no failed test (compile, lint, packaging) still fails the run.
if (buildStatus !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(buildStatus !== 0 || failed > 0 ? 1 : 0);
