import { App, CfnParameter, Duration, Stack, Tags, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { HsmCluster, HsmClusterProps, HsmType } from '../../src';

function setup(): { stack: Stack; vpc: ec2.Vpc } {
  const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  return { stack, vpc };
}

function importedSubnets(stack: Stack, azs: string[]): ec2.ISubnet[] {
  return azs.map((az, i) => ec2.Subnet.fromSubnetAttributes(stack, `Imported${i}`, {
    subnetId: `subnet-0000000000000000${i.toString(16)}`, availabilityZone: az,
  }));
}

function expectError(props: (s: { stack: Stack; vpc: ec2.Vpc }) => Partial<HsmClusterProps>, message: string): void {
  const ctx = setup();
  expect(() => new HsmCluster(ctx.stack, 'Cluster', { vpc: ctx.vpc, ...props(ctx) })).toThrow(message);
}

function synthErrors(configure: (cluster: HsmCluster) => void): string {
  const { stack, vpc } = setup();
  const cluster = new HsmCluster(stack, 'Cluster', { vpc });
  configure(cluster);
  try {
    Template.fromStack(stack);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('synth-time validation names the property, the value and the rule', () => {
  test('more than 10 subnets', () => {
    const azs = Array.from({ length: 11 }, (_, i) => `us-east-1${String.fromCharCode(97 + i)}`);
    expectError(({ stack }) => ({ vpcSubnets: { subnets: importedSubnets(stack, azs) } }),
      'HsmCluster Stack/Cluster: vpcSubnets (SubnetIds): 11 subnets selected (subnet-00000000000000000, ');
    expectError(({ stack }) => ({ vpcSubnets: { subnets: importedSubnets(stack, azs) } }),
      'a CloudHSM cluster needs 1 to 10 subnets');
  });

  test('no subnets', () => {
    expectError(() => ({ vpcSubnets: { subnets: [] } }),
      'vpcSubnets (SubnetIds): 0 subnets selected (none); a CloudHSM cluster needs 1 to 10 subnets');
  });

  test('two subnets in one Availability Zone', () => {
    expectError(({ stack }) => ({ vpcSubnets: { subnets: importedSubnets(stack, ['us-east-1a', 'us-east-1b', 'us-east-1a']) } }),
      'vpcSubnets (SubnetIds): subnets subnet-00000000000000000 and subnet-00000000000000002 are both in us-east-1a; '
      + 'a CloudHSM cluster takes at most one subnet per Availability Zone');
  });

  test('subnets of another VPC', () => {
    expectError(({ stack }) => {
      const other = new ec2.Vpc(stack, 'Other', { maxAzs: 1, subnetConfiguration: [{ name: 'x', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      return { vpcSubnets: { subnets: other.isolatedSubnets } };
    }, 'vpcSubnets (SubnetIds): subnet Stack/Other/xSubnet1 belongs to VPC Stack/Other, not to the cluster\'s VPC Stack/Vpc; all subnets of a cluster must be in one VPC');
  });

  test.each([
    [Duration.days(6), 'backupRetention (BackupRetentionDays): 6 days is not valid; CloudHSM keeps backups for a whole number of days from 7 to 379'],
    [Duration.days(380), 'backupRetention (BackupRetentionDays): 380 days is not valid'],
    [Duration.hours(36), 'backupRetention (BackupRetentionDays): 1.5 days is not valid'],
  ])('retention %s', (retention, message) => {
    expectError(() => ({ backupRetention: retention }), message);
  });

  test('retention bounds 7 and 379 are accepted', () => {
    for (const days of [7, 379]) {
      const { stack, vpc } = setup();
      new HsmCluster(stack, 'Cluster', { vpc, backupRetention: Duration.days(days) });
      Template.fromStack(stack).hasResourceProperties('Custom::CloudHsmCluster', { BackupRetentionDays: days });
    }
  });

  test('source backup id pattern', () => {
    expectError(() => ({ sourceBackupId: 'backup-123' }),
      'sourceBackupId (SourceBackupId): "backup-123" is not a CloudHSM backup id or backup ARN (must match ^(arn:aws');
  });

  test('a backup ARN of another account in the cluster\'s region is accepted', () => {
    const { stack, vpc } = setup();
    const arn = 'arn:aws:cloudhsm:us-east-1:210987654321:backup/backup-abcdefghijk';
    new HsmCluster(stack, 'Cluster', { vpc, sourceBackupId: arn });
    Template.fromStack(stack).hasResourceProperties('Custom::CloudHsmCluster', { SourceBackupId: arn });
  });

  test('HSM type pattern', () => {
    expectError(() => ({ hsmType: HsmType.of('m5.large') }),
      'hsmType (HsmType): "m5.large" is not an HSM type (such as hsm1.medium or hsm2m.medium)');
    expectError(() => ({ hsmType: HsmType.of(`hsm1.${'a'.repeat(40)}`) }), 'is not an HSM type (at most 32 characters)');
  });

  test('more than 49 tags', () => {
    const message = synthErrors((c) => { for (let i = 0; i < 50; i++) Tags.of(c).add(`k${i}`, 'v'); });
    expect(message).toContain('tags (Tags): 50 tags given; at most 49 are allowed (CloudHSM allows 50 and cdk-cloudhsm uses one to make retried creates idempotent)');
  });

  test('tag key too long', () => {
    expect(synthErrors((c) => Tags.of(c).add('k'.repeat(129), 'v')))
      .toContain(`tags (Tags): tag key "${'k'.repeat(129)}" is 129 characters long; tag keys must be 1 to 128 characters`);
  });

  test('reserved tag prefixes', () => {
    expect(synthErrors((c) => Tags.of(c).add('aws:owner', 'v'))).toContain('tags (Tags): tag key "aws:owner" uses the reserved prefix "aws:"');
    expect(synthErrors((c) => Tags.of(c).add('cdk-cloudhsm:x', 'v')))
      .toContain('tags (Tags): tag key "cdk-cloudhsm:x" uses the reserved prefix "cdk-cloudhsm:"');
  });

  test('tag value too long and bad characters', () => {
    expect(synthErrors((c) => Tags.of(c).add('k', 'v'.repeat(257))))
      .toContain('tags (Tags): the value of tag "k" is 257 characters long; tag values must be at most 256 characters');
    expect(synthErrors((c) => Tags.of(c).add('k', 'a;b')))
      .toContain('tags (Tags): the value of tag "k" ("a;b") has characters CloudHSM does not allow');
    expect(synthErrors((c) => Tags.of(c).add('k#', 'v'))).toContain('tags (Tags): tag key "k#" has characters CloudHSM does not allow');
  });

  test('unresolved tokens are left to deploy time', () => {
    const { stack, vpc } = setup();
    const days = new CfnParameter(stack, 'Days', { type: 'Number' });
    const backup = new CfnParameter(stack, 'Backup');
    new HsmCluster(stack, 'Cluster', {
      vpc,
      backupRetention: Duration.days(days.valueAsNumber),
      sourceBackupId: backup.valueAsString,
    });
    Tags.of(stack).add('owner', Token.asString({ Ref: 'AWS::AccountId' }));
    const props = Object.values(Template.fromStack(stack).findResources('Custom::CloudHsmCluster'))[0].Properties;
    expect(props.BackupRetentionDays).toEqual({ Ref: 'Days' });
    expect(props.SourceBackupId).toEqual({ Ref: 'Backup' });
  });
});
