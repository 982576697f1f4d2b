/**
 * Integration test of examples/dr: a primary cluster in us-east-1, a copy of a backup in us-west-2
 * and a cluster restored from it there. DescribeBackups must show the copy READY, never expiring and
 * tagged; DescribeClusters must show the restored cluster ACTIVE from that backup.
 *
 * A new cluster has no backup yet, so the copy's source is a READY backup the maintainer names in
 * the SSM parameter SOURCE_BACKUP_PARAMETER in us-east-1 before the run (docs/testing.md).
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Lazy, RemovalPolicy } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { DrStack, PrimaryStack } from '../../examples/dr/app';

const SOURCE_BACKUP_PARAMETER = '/cdk-cloudhsm/integ/dr-source-backup-id';
const PRIMARY_REGION = 'us-east-1';
const DR_REGION = 'us-west-2';

const app = new App();
// The parameter belongs to the primary stack, which needs the backup id when it is declared.
let sourceBackupId = '';
const primary = new PrimaryStack(app, 'CloudHsmIntegDrPrimary', {
  env: { region: PRIMARY_REGION },
  crossRegionReferences: true,
  drRegion: DR_REGION,
  backupId: Lazy.string({ produce: () => sourceBackupId }),
  removalPolicy: RemovalPolicy.DESTROY,
});
sourceBackupId = ssm.StringParameter.valueForStringParameter(primary, SOURCE_BACKUP_PARAMETER);

const dr = new DrStack(app, 'CloudHsmIntegDrRestore', {
  env: { region: DR_REGION },
  crossRegionReferences: true,
  backupId: primary.copy.destinationBackupId,
  removalPolicy: RemovalPolicy.DESTROY,
});
dr.addDependency(primary);

const integ = new IntegTest(app, 'CloudHsmDrInteg', {
  testCases: [primary, dr],
  // The assertions run in the DR region, where the copy and the restored cluster are.
  assertionStack: dr,
  regions: [PRIMARY_REGION],
  stackUpdateWorkflow: false,
});

integ.assertions.awsApiCall('CloudHSMV2', 'describeBackups', {
  Filters: { backupIds: [primary.copy.destinationBackupId] },
}).expect(ExpectedResult.objectLike({
  Backups: [Match.objectLike({
    BackupId: primary.copy.destinationBackupId,
    BackupState: 'READY',
    NeverExpires: true,
    SourceRegion: PRIMARY_REGION,
    TagList: Match.arrayWith([{ Key: 'purpose', Value: 'disaster-recovery' }]),
  })],
}));

integ.assertions.awsApiCall('CloudHSMV2', 'describeClusters', {
  Filters: { clusterIds: [dr.cluster.clusterId] },
}).expect(ExpectedResult.objectLike({
  Clusters: [Match.objectLike({
    ClusterId: dr.cluster.clusterId,
    State: 'ACTIVE',
    SourceBackupId: primary.copy.destinationBackupId,
  })],
}));
