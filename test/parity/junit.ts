/** Writes a JUnit XML report, the format .ci/summary.js counts alongside jest's results. */
import * as fs from 'fs';
import * as path from 'path';

export interface TestCase {
  readonly name: string;
  /** Why the case failed; undefined when it passed. */
  readonly failure?: string;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function writeJUnit(file: string, suite: string, cases: readonly TestCase[]): void {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const body = cases.map((c) => c.failure === undefined
    ? `  <testcase classname="${escape(suite)}" name="${escape(c.name)}"/>`
    : `  <testcase classname="${escape(suite)}" name="${escape(c.name)}">\n`
      + `    <failure message="${escape(c.failure.split('\n')[0])}">${escape(c.failure)}</failure>\n  </testcase>`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="${escape(suite)}" tests="${cases.length}" failures="${failures}" errors="0">`,
    ...body,
    '</testsuite>',
    '',
  ].join('\n'));
}
