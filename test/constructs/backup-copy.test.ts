import { App, CfnParameter, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { BackupCopy, ClusterInitialization, HsmCluster } from '../../src';
import { TOTAL_TIMEOUT_CONTEXT } from '../../src/private/provider';
import { ENV, isolatedVpc, testStack } from '../fixtures/stack';

const BACKUP = 'backup-abcdefghijk';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';

function clusterIn(s: Stack): HsmCluster {
  return new HsmCluster(s, 'Cluster', { vpc: isolatedVpc(s, { maxAzs: 2 }) });
}

/** The IAM statements of the provider's handler role. */
function statements(s: Stack): any[] {
  const policies = Template.fromStack(s).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

function statementWith(s: Stack, action: string): any[] {
  return statements(s).filter((st) => [st.Action].flat().includes(action));
}

describe('BackupCopy resource', () => {
  test('from a backup id: properties, RETAIN by default, attributes from the custom resource', () => {
    const s = testStack();
    const copy = new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2', neverExpires: true });
    const template = Template.fromStack(s);
    template.hasResource('Custom::CloudHsmBackupCopy', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        DestinationRegion: 'us-west-2',
        BackupId: BACKUP,
        ClusterId: Match.absent(),
        NeverExpires: true,
        Tags: Match.absent(),
        ServiceTimeout: '3600',
      },
    });
    expect(copy.sourceBackupId).toBe(BACKUP);
    expect(copy.destinationRegion).toBe('us-west-2');
    const logicalId = Object.keys(template.findResources('Custom::CloudHsmBackupCopy'))[0];
    expect(s.resolve(copy.destinationBackupId)).toEqual({ 'Fn::GetAtt': [logicalId, 'DestinationBackupId'] });
    expect(JSON.stringify(s.resolve(copy.destinationBackupArn))).toContain(':cloudhsm:us-west-2:123456789012:backup/');
  });

  test('from a cluster: the cluster id is passed and the source backup id comes from the handler', () => {
    const s = testStack();
    const cluster = clusterIn(s);
    const copy = new BackupCopy(s, 'Copy', { cluster, destinationRegion: 'eu-west-1', removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(s);
    const clusterLogicalId = Object.keys(template.findResources('Custom::CloudHsmCluster'))[0];
    template.hasResource('Custom::CloudHsmBackupCopy', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        DestinationRegion: 'eu-west-1',
        BackupId: Match.absent(),
        ClusterId: { Ref: clusterLogicalId },
        NeverExpires: false,
      }),
    });
    const copyLogicalId = Object.keys(template.findResources('Custom::CloudHsmBackupCopy'))[0];
    expect(s.resolve(copy.sourceBackupId)).toEqual({ 'Fn::GetAtt': [copyLogicalId, 'SourceBackupId'] });
  });

  test('applyRemovalPolicy sets the deletion policy of the custom resource', () => {
    const s = testStack();
    const copy = new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2' });
    copy.applyRemovalPolicy(RemovalPolicy.DESTROY);
    Template.fromStack(s).hasResource('Custom::CloudHsmBackupCopy', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('tags from props and Tags.of are both rendered', () => {
    const s = testStack();
    const copy = new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2', tags: { team: 'payments' } });
    Tags.of(copy).add('purpose', 'dr');
    Template.fromStack(s).hasResourceProperties('Custom::CloudHsmBackupCopy', {
      // TagManager renders tags sorted by key.
      Tags: [{ Key: 'purpose', Value: 'dr' }, { Key: 'team', Value: 'payments' }],
    });
  });

  test('one provider serves clusters and copies', () => {
    const s = testStack();
    const cluster = clusterIn(s);
    new BackupCopy(s, 'A', { cluster, destinationRegion: 'us-west-2' });
    new BackupCopy(s, 'B', { backupId: BACKUP, destinationRegion: 'us-west-2' });
    Template.fromStack(s).resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });
});

describe('BackupCopy of a cluster of the same app (it has no backup until it is activated)', () => {
  const WARNING = /copies the newest backup of cluster Stack\/Cluster, which is not known to be activated/;
  const warnings = (s: Stack) => Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('not known to be activated'));
  const dependsOn = (s: Stack) => {
    const t = Template.fromStack(s);
    const copy = Object.values(t.findResources('Custom::CloudHsmBackupCopy'))[0] as any;
    return [copy.DependsOn ?? []].flat() as string[];
  };
  const idsOf = (s: Stack, type: string) => Object.keys(Template.fromStack(s).findResources(type));

  test('a new cluster not known to be activated: a synth-time warning that says why and what to do', () => {
    const s = testStack();
    const cluster = clusterIn(s);
    new BackupCopy(s, 'Copy', { cluster, destinationRegion: 'us-west-2' });
    const found = warnings(s);
    expect(found).toHaveLength(1);
    expect(found[0].id).toBe('/Stack/Copy');
    expect(String(found[0].entry.data)).toMatch(WARNING);
    expect(String(found[0].entry.data)).toContain('CloudHSM makes the first backup of a cluster when it is activated');
  });

  test.each([
    ['an activated cluster', (s: Stack) => new HsmCluster(s, 'Cluster', { vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 1 }), activated: true })],
    ['an imported cluster', (s: Stack) => HsmCluster.fromClusterAttributes(s, 'Cluster', { clusterId: 'cluster-abcdefghijk' })],
  ])('no warning for %s', (_name, make) => {
    const s = testStack();
    new BackupCopy(s, 'Copy', { cluster: make(s), destinationRegion: 'us-west-2' });
    expect(warnings(s)).toHaveLength(0);
  });

  test('no warning for a given backup id', () => {
    const s = testStack();
    clusterIn(s);
    new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2' });
    expect(warnings(s)).toHaveLength(0);
  });

  test('the copy depends on every HSM and on the initialization, also when they are declared after it', () => {
    const s = testStack();
    const cluster = clusterIn(s);
    new BackupCopy(s, 'Copy', { cluster, destinationRegion: 'us-west-2' });
    cluster.addHsm('Hsm1');
    cluster.initialize(ClusterInitialization.fromCertificates({ signedCertificate: PEM, trustAnchor: PEM }));
    const deps = dependsOn(s);
    for (const id of [...idsOf(s, 'Custom::CloudHsmHsm'), ...idsOf(s, 'Custom::CloudHsmClusterInitialization')]) expect(deps).toContain(id);
    expect(idsOf(s, 'Custom::CloudHsmHsm')).toHaveLength(1);
  });

  test('the copy waits for the first backup at most half the provider\'s total time-out', () => {
    const s = testStack();
    new BackupCopy(s, 'Copy', { cluster: clusterIn(s), destinationRegion: 'us-west-2' });
    Template.fromStack(s).hasResourceProperties('Custom::CloudHsmBackupCopy', { FirstBackupWaitMinutes: 25 });
    const short = new Stack(new App({ context: { [TOTAL_TIMEOUT_CONTEXT]: 41 } }), 'Stack', { env: ENV });
    new BackupCopy(short, 'Copy', { cluster: clusterIn(short), destinationRegion: 'us-west-2' });
    Template.fromStack(short).hasResourceProperties('Custom::CloudHsmBackupCopy', { FirstBackupWaitMinutes: 20 });
    const byId = testStack();
    new BackupCopy(byId, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2' });
    Template.fromStack(byId).hasResourceProperties('Custom::CloudHsmBackupCopy', { FirstBackupWaitMinutes: Match.absent() });
  });
});

describe('BackupCopy IAM', () => {
  test('DescribeBackups on *, CopyBackupToRegion on this region\'s backups with the request tag', () => {
    const s = testStack();
    new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2' });
    const [describe] = statementWith(s, 'cloudhsm:DescribeBackups');
    expect(describe.Resource).toBe('*');
    const copy = statementWith(s, 'cloudhsm:CopyBackupToRegion');
    expect(copy).toHaveLength(1);
    expect(JSON.stringify(copy[0].Resource)).toContain(':cloudhsm:us-east-1:123456789012:backup/*');
    expect(copy[0].Condition).toEqual({ Null: { 'aws:RequestTag/cdk-cloudhsm:create-request': 'false' } });
  });

  test('delete, modify and tag only backups of the destination regions', () => {
    const s = testStack();
    new BackupCopy(s, 'West', { backupId: BACKUP, destinationRegion: 'us-west-2' });
    new BackupCopy(s, 'West2', { backupId: 'backup-bbbbbbbbbbb', destinationRegion: 'us-west-2' });
    new BackupCopy(s, 'Eu', { backupId: BACKUP, destinationRegion: 'eu-central-1' });
    const manage = statementWith(s, 'cloudhsm:DeleteBackup');
    expect(manage).toHaveLength(2);
    const resources = manage.map((st) => JSON.stringify(st.Resource));
    expect(resources.some((r) => r.includes(':cloudhsm:us-west-2:123456789012:backup/*'))).toBe(true);
    expect(resources.some((r) => r.includes(':cloudhsm:eu-central-1:123456789012:backup/*'))).toBe(true);
    for (const st of manage) {
      expect([st.Action].flat().sort()).toEqual([
        'cloudhsm:DeleteBackup', 'cloudhsm:ModifyBackupAttributes', 'cloudhsm:TagResource', 'cloudhsm:UntagResource',
      ]);
      expect(JSON.stringify(st.Resource)).not.toContain('us-east-1');
    }
    expect(statementWith(s, 'cloudhsm:ModifyBackupAttributes')).toHaveLength(2);
  });

  test('a stack without copies grants no backup copy actions', () => {
    const s = testStack();
    clusterIn(s);
    expect(statementWith(s, 'cloudhsm:CopyBackupToRegion')).toHaveLength(0);
    expect(statementWith(s, 'cloudhsm:DeleteBackup')).toHaveLength(0);
  });
});

describe('BackupCopy validation', () => {
  const make = (props: any, s = testStack()) => () => new BackupCopy(s, 'Copy', props);

  test('exactly one source', () => {
    expect(make({ destinationRegion: 'us-west-2' }))
      .toThrow('BackupCopy Stack/Copy: backupId (BackupId) and cluster (ClusterId): neither is given; give exactly one');
    const s = testStack();
    const cluster = clusterIn(s);
    expect(make({ destinationRegion: 'us-west-2', backupId: BACKUP, cluster }, s))
      .toThrow('backupId (BackupId) and cluster (ClusterId): both are given; give exactly one');
  });

  test('the destination region must match the API pattern', () => {
    expect(make({ backupId: BACKUP, destinationRegion: 'uswest2' }))
      .toThrow('destinationRegion (DestinationRegion): "uswest2" is not an AWS region name (must match ^[a-z]{2}(-(gov))?-(east|west|north|south|central){1,2}-\\d$)');
    expect(make({ backupId: BACKUP, destinationRegion: 'us-west-2a' })).toThrow('is not an AWS region name');
    expect(make({ backupId: BACKUP, destinationRegion: 'us-gov-west-1' })).not.toThrow();
  });

  test('the destination region must not be the stack\'s region', () => {
    expect(make({ backupId: BACKUP, destinationRegion: 'us-east-1' }))
      .toThrow('destinationRegion (DestinationRegion): "us-east-1" is the region of the source backup (the stack\'s region); a backup copy must go to another region');
  });

  test('the backup id must match the API pattern', () => {
    expect(make({ backupId: 'backup-123', destinationRegion: 'us-west-2' }))
      .toThrow('backupId (BackupId): "backup-123" is not a CloudHSM backup id (must match ^backup-[2-7a-zA-Z]{11,16}$)');
    expect(make({ backupId: 'cluster-abcdefghijk', destinationRegion: 'us-west-2' })).toThrow('is not a CloudHSM backup id');
  });

  test('all errors are reported together', () => {
    expect(make({ backupId: 'bad', destinationRegion: 'us-east-1' }))
      .toThrow(/destinationRegion \(DestinationRegion\): "us-east-1" is the region.*; backupId \(BackupId\): "bad" is not a CloudHSM backup id/);
  });

  test('tag limits are checked at synth time, Tags.of included', () => {
    const s = testStack();
    const copy = new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2', tags: { 'aws:owner': 'x' } });
    Tags.of(copy).add('k', 'v'.repeat(257));
    expect(() => Template.fromStack(s)).toThrow(/tags \(Tags\): tag key "aws:owner" uses the reserved prefix "aws:"/);
    expect(() => Template.fromStack(s)).toThrow(/the value of tag "k" is 257 characters long/);
  });

  test('more than 49 tags are refused', () => {
    const tags: Record<string, string> = {};
    for (let i = 0; i < 50; i++) tags[`k${i}`] = 'v';
    const s = testStack();
    new BackupCopy(s, 'Copy', { backupId: BACKUP, destinationRegion: 'us-west-2', tags });
    expect(() => Template.fromStack(s)).toThrow('tags (Tags): 50 tags given; at most 49 are allowed');
  });

  test('tokens are left to the handler', () => {
    const s = testStack('Stack', { account: ENV.account }); // region-agnostic: the source region is a token
    const region = new CfnParameter(s, 'Region').valueAsString;
    const backup = new CfnParameter(s, 'Backup').valueAsString;
    expect(() => new BackupCopy(s, 'A', { backupId: backup, destinationRegion: region })).not.toThrow();
    expect(() => new BackupCopy(s, 'B', { backupId: BACKUP, destinationRegion: 'us-east-1' })).not.toThrow();
    expect(() => Template.fromStack(s)).not.toThrow();
  });

  test('a cluster in another region than the stack is refused', () => {
    const app = new App();
    const east = new Stack(app, 'East', { env: ENV });
    const west = new Stack(app, 'West', { env: { ...ENV, region: 'us-west-2' } });
    const cluster = HsmCluster.fromClusterAttributes(east, 'Cluster', { clusterId: 'cluster-abcdefghijk' });
    expect(() => new BackupCopy(west, 'Copy', { cluster, destinationRegion: 'eu-west-1' }))
      .toThrow('cluster (ClusterId): East/Cluster is in us-east-1, but the BackupCopy\'s stack is in us-west-2');
  });
});
