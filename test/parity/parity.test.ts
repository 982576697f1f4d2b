import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cloudHsmResources, compareTemplates, Template } from './parity';
import { basicApp, BasicStackProps } from '../../examples/basic/app';

const HASH = 'a'.repeat(64);
const OTHER_HASH = 'b'.repeat(64);

function template(retention: number, extra: Record<string, unknown> = {}): Template {
  return {
    Resources: {
      Cluster1: {
        Type: 'Custom::CloudHsmCluster',
        Properties: { ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] }, BackupRetentionDays: retention, Code: `${HASH}.zip` },
        Metadata: { 'aws:cdk:path': 'Stack/Cluster/Resource' },
        ...extra,
      },
      Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
    },
  };
}

function synthesized(props: BasicStackProps): Template {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-test-'));
  try {
    const { app, stack } = basicApp(props, outdir);
    return app.synth().getStackByName(stack.stackName).template;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('parity check', () => {
  test('keeps only CloudHSM resources, without Metadata', () => {
    expect(Object.keys(cloudHsmResources(template(90)))).toEqual(['Cluster1']);
    expect(cloudHsmResources(template(90)).Cluster1).not.toHaveProperty('Metadata');
  });

  test('ignores Metadata, asset hashes and other resources', () => {
    const other = template(90, { Metadata: { 'aws:cdk:path': 'Other/Path' } });
    (other.Resources!.Cluster1.Properties as any).Code = `${OTHER_HASH}.zip`;
    (other.Resources!.Vpc.Properties as any).CidrBlock = '10.1.0.0/16';
    expect(compareTemplates(template(90), other)).toEqual([]);
  });

  test('names the path and both values of a changed property', () => {
    expect(compareTemplates(template(90), template(30)))
      .toEqual(['Cluster1.Properties.BackupRetentionDays: expected 90, got 30']);
  });

  test('reports a changed removal policy and a missing or extra resource', () => {
    expect(compareTemplates(template(90), template(90, { DeletionPolicy: 'Delete' })))
      .toEqual(['Cluster1.DeletionPolicy: expected nothing, got "Delete"']);
    expect(compareTemplates(template(90), { Resources: {} })).toHaveLength(1);
    expect(compareTemplates({ Resources: {} }, template(90))[0]).toMatch(/^Cluster1: expected nothing/);
  });

  test('tells the example app apart from a drifted copy of it', () => {
    const reference = synthesized({});
    expect(compareTemplates(reference, synthesized({}))).toEqual([]);
    const drift = compareTemplates(reference, synthesized({ team: 'platform', destroyOnRemoval: true }));
    expect(drift.join('\n')).toMatch(/Tags\[0\]\.Value: expected "payments", got "platform"/);
    expect(drift.join('\n')).toMatch(/DeletionPolicy: expected "Retain", got "Delete"/);
  });
});
