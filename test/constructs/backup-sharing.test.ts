// BackupCopy's sharing with other accounts (shareWith, grantRestore) and HsmCluster's restore from
// another account's backup ARN, on the synthesized template.
import { App, Aspects, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BackupCopy, HsmCluster } from '../../src';
import { isolatedVpc, testStack } from '../fixtures/stack';

const BACKUP = 'backup-abcdefghijk';
const B = '210987654321';
const C = '310987654321';
const POLICY_ACTIONS = ['cloudhsm:DeleteResourcePolicy', 'cloudhsm:GetResourcePolicy', 'cloudhsm:PutResourcePolicy'];

function policyStatements(s: Stack): any[] {
  const policies = Template.fromStack(s).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .filter((st) => [st.Action].flat().some((a: string) => a.endsWith('ResourcePolicy')));
}

describe('BackupCopy shareWith', () => {
  test('the accounts are a property of the copy (sorted, once each); grantRestore adds one', () => {
    const s = testStack();
    const copy = new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2', shareWith: [C, B] });
    copy.grantRestore(B);
    copy.grantRestore('410987654321');
    Template.fromStack(s).hasResourceProperties('Custom::CloudHsmBackupCopy', { ShareWith: [B, C, '410987654321'] });
  });

  test('grantRestore alone shares the copy; without either, no ShareWith and no resource-policy rights', () => {
    const s = testStack();
    new BackupCopy(s, 'Plain', { backupId: BACKUP, destinationRegion: 'us-west-2' });
    Template.fromStack(s).hasResourceProperties('Custom::CloudHsmBackupCopy', { ShareWith: Match.absent() });
    expect(policyStatements(s)).toEqual([]);
    const granted = testStack();
    new BackupCopy(granted, 'Shared', { backupId: BACKUP, destinationRegion: 'us-west-2' }).grantRestore(B);
    Template.fromStack(granted).hasResourceProperties('Custom::CloudHsmBackupCopy', { ShareWith: [B] });
    expect(policyStatements(granted)).toHaveLength(1);
  });

  test('an empty list is managed sharing with no one: the policy is removed, the rights to do so stay', () => {
    const s = testStack();
    new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2', shareWith: [] });
    Template.fromStack(s).hasResourceProperties('Custom::CloudHsmBackupCopy', { ShareWith: [] });
    expect(policyStatements(s)).toHaveLength(1);
  });

  test('IAM: the resource-policy actions on this account\'s backups of each destination region only', () => {
    const s = testStack();
    new BackupCopy(s, 'West', { backupId: BACKUP, destinationRegion: 'us-west-2', shareWith: [B] });
    new BackupCopy(s, 'West2', { backupId: BACKUP, destinationRegion: 'us-west-2', shareWith: [C] });
    new BackupCopy(s, 'Eu', { backupId: BACKUP, destinationRegion: 'eu-central-1', shareWith: [B] });
    const sts = policyStatements(s);
    expect(sts).toHaveLength(2);
    for (const st of sts) expect([st.Action].flat().sort()).toEqual(POLICY_ACTIONS);
    const resources = sts.map((st) => JSON.stringify(st.Resource)).sort();
    expect(resources[0]).toContain(':cloudhsm:eu-central-1:123456789012:backup/*');
    expect(resources[1]).toContain(':cloudhsm:us-west-2:123456789012:backup/*');
  });

  test('cdk-nag 2.x (AwsSolutions): the resource-policy statement\'s wildcard is explained, nothing is reported', () => {
    const s = testStack();
    new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2', shareWith: [B] });
    Aspects.of(s.node.root).add(new AwsSolutionsChecks());
    const a = Annotations.fromStack(s);
    const findings = [...a.findError('*', Match.stringLikeRegexp('AwsSolutions-')), ...a.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))];
    expect(findings.map((f) => String(f.entry.data).split(': ')[0])).toEqual([]);
    const policy = Object.values(Template.fromStack(s).findResources('AWS::IAM::Policy'))[0] as any;
    const reasons = JSON.stringify(policy.Metadata);
    expect(reasons).toContain('ShareBackupCopies1: A copy\'s backup id is assigned by the service');
  });

  test('synth refuses a malformed account id and the copy\'s own account; tokens pass to the handler', () => {
    const make = (shareWith: string[]) => () => new BackupCopy(testStack(), 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2', shareWith });
    expect(make(['1234'])).toThrow('BackupCopy Stack/Copy: shareWith (ShareWith): "1234" is not an AWS account id (12 digits)');
    expect(make(['123456789012'])).toThrow('shareWith (ShareWith): 123456789012 is the copy\'s own account');
    const s = testStack();
    const account = new CfnParameter(s, 'Restorer').valueAsString;
    expect(() => new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2', shareWith: [account] })).not.toThrow();
  });
});

describe('HsmCluster restored from another account\'s backup ARN', () => {
  const arn = (region: string) => `arn:aws:cloudhsm:${region}:${B}:backup/${BACKUP}`;

  test('an ARN of the cluster\'s region is passed as SourceBackupId', () => {
    const s = testStack();
    new HsmCluster(s, 'Cluster', { vpc: isolatedVpc(s, { maxAzs: 2 }), sourceBackupId: arn('us-east-1') });
    Template.fromStack(s).hasResourceProperties('Custom::CloudHsmCluster', { SourceBackupId: arn('us-east-1') });
  });

  test('an ARN of another region is refused at synth, naming both regions; an environment-agnostic stack defers to the service', () => {
    const s = testStack();
    expect(() => new HsmCluster(s, 'Cluster', { vpc: isolatedVpc(s, { maxAzs: 2 }), sourceBackupId: arn('us-west-2') }))
      .toThrow(`sourceBackupId (SourceBackupId): "${arn('us-west-2')}" is a backup in us-west-2, but the cluster is in us-east-1`);
    const agnostic = new Stack(new App(), 'Agnostic');
    expect(() => new HsmCluster(agnostic, 'Cluster', { vpc: isolatedVpc(agnostic, { maxAzs: 2 }), sourceBackupId: arn('us-west-2') })).not.toThrow();
  });
});
