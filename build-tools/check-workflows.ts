/**
 * Runs actionlint on each workflow in .github/workflows and writes one JUnit case per workflow to
 * test-reports/junit/workflows.xml; exits non-zero when any workflow has a finding.
 *
 *   ts-node --transpile-only build-tools/check-workflows.ts <actionlint binary>
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TestCase, writeJUnit } from '../test/parity/junit';

interface Finding {
  readonly message: string;
  readonly filepath: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

function lint(actionlint: string, file: string): string | undefined {
  const run = spawnSync(actionlint, ['-format', '{{json .}}', file], { encoding: 'utf8' });
  // actionlint exits 1 with findings, above 1 when it could not run.
  if (run.status !== 0 && run.status !== 1) return `actionlint did not run (${run.status}): ${run.stderr}`;
  const findings = JSON.parse(run.stdout || '[]') as Finding[];
  if (findings.length === 0) return undefined;
  return findings.map((f) => `${f.filepath}:${f.line}:${f.column}: ${f.message} [${f.kind}]`).join('\n');
}

function main(actionlint: string): number {
  const dir = path.join('.github', 'workflows');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  const cases: TestCase[] = files.map((f) => ({ name: `${f} passes actionlint`, failure: lint(actionlint, path.join(dir, f)) }));
  if (cases.length === 0) cases.push({ name: 'workflows exist', failure: `no workflow in ${dir}` });
  writeJUnit(path.join('test-reports', 'junit', 'workflows.xml'), 'workflows', cases);
  for (const c of cases) console.log(`${c.failure === undefined ? 'ok  ' : 'FAIL'} ${c.name}${c.failure ? `\n${c.failure}` : ''}`);
  return cases.some((c) => c.failure !== undefined) ? 1 : 0;
}

process.exitCode = main(process.argv[2]);
