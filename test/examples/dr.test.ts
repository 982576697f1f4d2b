import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { drApp } from '../../examples/dr/app';

let outdir: string;
beforeEach(() => { outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-dr-')); });
afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('examples/dr', () => {
  test('synthesizes a primary stack copying the cluster backup to the DR region and a DR stack restoring from the copy', () => {
    const { app, primary, dr } = drApp({}, outdir);
    const assembly = app.synth();
    expect(assembly.stacks.map((s) => `${s.stackName}@${s.environment.region}`).sort())
      .toEqual(['CloudHsmDrPrimary@us-east-1', 'CloudHsmDrRestore@us-west-2']);

    const p = Template.fromStack(primary);
    const clusterId = Object.keys(p.findResources('Custom::CloudHsmCluster'))[0];
    p.hasResource('Custom::CloudHsmBackupCopy', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DestinationRegion: 'us-west-2', ClusterId: { Ref: clusterId }, NeverExpires: true }),
    });
    const copyId = Object.keys(p.findResources('Custom::CloudHsmBackupCopy'))[0];
    // The copy's id is written for the DR region by CDK's cross-region export writer.
    p.hasResourceProperties('Custom::CrossRegionExportWriter', {
      WriterProps: { region: 'us-west-2', exports: Match.objectLike({}) },
    });
    const writer = Object.values(p.findResources('Custom::CrossRegionExportWriter'))[0] as any;
    expect(Object.values(writer.Properties.WriterProps.exports)).toEqual([{ 'Fn::GetAtt': [copyId, 'DestinationBackupId'] }]);

    const d = Template.fromStack(dr);
    const readerId = Object.keys(d.findResources('Custom::CrossRegionExportReader'))[0];
    const restored = Object.values(d.findResources('Custom::CloudHsmCluster'))[0] as any;
    expect(restored.Properties.SourceBackupId['Fn::GetAtt'][0]).toBe(readerId);
    expect(dr.dependencies.map((s) => s.stackName)).toContain('CloudHsmDrPrimary');
    // The primary's handler may manage backups in the DR region only.
    const statements = Object.values(p.findResources('AWS::IAM::Policy'))
      .flatMap((pol: any) => pol.Properties.PolicyDocument.Statement);
    const manage = statements.filter((st: any) => [st.Action].flat().includes('cloudhsm:DeleteBackup'));
    expect(manage).toHaveLength(1);
    expect(JSON.stringify(manage[0].Resource)).toContain(':cloudhsm:us-west-2:');
  });

  test('a given backup id and DESTROY removal policies', () => {
    const { primary, dr } = drApp({ backupId: 'backup-abcdefghijk', destroyOnRemoval: true, drRegion: 'eu-west-1' }, outdir);
    const p = Template.fromStack(primary);
    p.hasResource('Custom::CloudHsmBackupCopy', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ BackupId: 'backup-abcdefghijk', ClusterId: Match.absent(), DestinationRegion: 'eu-west-1' }),
    });
    expect(dr.region).toBe('eu-west-1');
    Template.fromStack(dr).hasResource('Custom::CloudHsmCluster', { DeletionPolicy: 'Delete' });
  });
});
