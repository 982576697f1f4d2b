// Error messages name a property so that it reads in every language (README, "How an error names a
// property"): the README's table covers every name the messages use, with each language's spelling.
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { HsmCluster } from '../../src';
import { P } from '../../src/private/property-names';
import { testStack } from '../fixtures/stack';

const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('**How an error names a property.**'));

interface Row { typescript: string; python: string; go: string; template: string }

function tableRows(): Row[] {
  const rows = section.split('\n').filter((l) => /^\| `/.test(l));
  return rows.map((l) => {
    const cells = l.split('|').slice(2, 6).map((c) => c.trim().replace(/`/g, ''));
    return { typescript: cells[0], python: cells[1], go: cells[2], template: cells[3] };
  });
}

// jsii's spelling of a TypeScript property in Python and Go.
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const pascal = (name: string) => name[0].toUpperCase() + name.slice(1);

test('the README gives its example message exactly as the library says it', () => {
  const example = section.match(/```text\n(.*)\n```/)![1];
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  expect(() => new HsmCluster(stack, 'Cluster', { vpc, backupRetention: Duration.days(6) })).toThrow(example);
});

test('the README table lists every property name the messages use, spelled for each language', () => {
  const rows = tableRows();
  expect(rows.length).toBe(Object.keys(P).length);
  for (const [key, named] of Object.entries(P)) {
    const row = rows.find((r) => r.typescript === key);
    expect({ key, row }).toEqual({ key, row: expect.objectContaining({ python: snake(key), go: pascal(key) }) });
    const template = named.match(/\((\w+)\)$/)?.[1] ?? '(none)';
    expect({ key, template: row!.template }).toEqual({ key, template });
  }
});
