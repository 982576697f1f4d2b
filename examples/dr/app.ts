/**
 * examples/dr: cross-region disaster recovery with a backup copy.
 *
 *   Primary (us-east-1): a VPC, an HsmCluster and a BackupCopy of the cluster's newest backup to us-west-2.
 *   Dr (us-west-2):      a VPC and an HsmCluster restored from that copy (sourceBackupId).
 *
 * The copy's id flows from Primary to Dr through a cross-region reference (crossRegionReferences:
 * true: CDK writes it to an SSM parameter in us-west-2 and Dr reads it from there).
 * See docs/disaster-recovery.md.
 *
 * Without `backupId` the primary cluster is taken as activated (`activated: true`): CloudHSM makes a
 * cluster's first backup when it is activated, so a copy of a cluster created in the same deployment
 * would wait for a backup that only activation (CloudHSM CLI) brings; cdk-cloudhsm warns at synth time.
 *
 * Neither cluster declares an HSM: the restored cluster is ACTIVE with the primary's keys and gets
 * HSMs (`cluster.addHsm`) when the DR region has to serve from it, and the primary's first HSM and
 * its initialization are those of examples/basic and docs/initialization.md. A VPC for HSMs names
 * its Availability Zones (`availabilityZones`), as examples/basic does.
 *
 *   npx ts-node examples/dr/app.ts   # synthesizes into examples/dr/cdk.out
 */
import { App, CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BackupCopy, HsmCluster } from '../../src';

/** What deployments of the example vary. */
export interface DrAppProps {
  /** The account of both stacks. */
  readonly account?: string;
  /** The region of the primary cluster. */
  readonly primaryRegion?: string;
  /** The region of the copy and of the restored cluster. */
  readonly drRegion?: string;
  /**
   * Copy this backup instead of the primary cluster's newest READY backup (for example while the
   * new primary cluster has no backup yet).
   */
  readonly backupId?: string;
  /** Delete the clusters and the copy with their stacks (the library's default keeps them). */
  readonly destroyOnRemoval?: boolean;
}

function isolatedVpc(scope: Construct, removalPolicy: RemovalPolicy): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  // A record of the traffic to and from the HSMs' network interfaces, kept like the cluster.
  vpc.addFlowLog('FlowLog', {
    destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(scope, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      // Kept when the stack is deleted; a failed first deploy leaves nothing behind.
      removalPolicy: removalPolicy === RemovalPolicy.DESTROY ? removalPolicy : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    })),
  });
  return vpc;
}

export interface PrimaryStackProps extends StackProps {
  readonly drRegion: string;
  readonly backupId?: string;
  readonly removalPolicy: RemovalPolicy;
}

/** The primary region: the cluster in use and a copy of its backup in the DR region. */
export class PrimaryStack extends Stack {
  public readonly cluster: HsmCluster;
  public readonly copy: BackupCopy;

  constructor(scope: Construct, id: string, props: PrimaryStackProps) {
    super(scope, id, props);
    this.cluster = new HsmCluster(this, 'Cluster', {
      vpc: isolatedVpc(this, props.removalPolicy),
      removalPolicy: props.removalPolicy,
      // CloudHSM backs a cluster up first when it is activated: the copy of its newest backup assumes
      // a primary cluster that was deployed, initialized and activated before the copy was added.
      activated: props.backupId === undefined ? true : undefined,
    });
    this.copy = new BackupCopy(this, 'DrCopy', {
      destinationRegion: props.drRegion,
      // Exactly one source: a given backup, or the cluster's newest READY backup at deploy time.
      ...(props.backupId ? { backupId: props.backupId } : { cluster: this.cluster }),
      neverExpires: true,
      tags: { purpose: 'disaster-recovery' },
      removalPolicy: props.removalPolicy,
    });
    new CfnOutput(this, 'ClusterId', { value: this.cluster.clusterId });
    new CfnOutput(this, 'SourceBackupId', { value: this.copy.sourceBackupId });
    new CfnOutput(this, 'DrBackupId', { value: this.copy.destinationBackupId });
  }
}

export interface DrStackProps extends StackProps {
  /** The backup copy in this stack's region to restore from. */
  readonly backupId: string;
  readonly removalPolicy: RemovalPolicy;
}

/** The DR region: a cluster restored from the copy (ACTIVE once restored, with the primary's keys and users). */
export class DrStack extends Stack {
  public readonly cluster: HsmCluster;

  constructor(scope: Construct, id: string, props: DrStackProps) {
    super(scope, id, props);
    this.cluster = new HsmCluster(this, 'Cluster', {
      vpc: isolatedVpc(this, props.removalPolicy),
      sourceBackupId: props.backupId,
      removalPolicy: props.removalPolicy,
    });
    new CfnOutput(this, 'ClusterId', { value: this.cluster.clusterId });
  }
}

/**
 * The example app. `outdir` defaults to the CDK CLI's output folder (CDK_OUTDIR) when the CLI runs
 * the app, else to examples/dr/cdk.out.
 */
export function drApp(props: DrAppProps = {}, outdir?: string): { app: App; primary: PrimaryStack; dr: DrStack } {
  const app = new App({ outdir: outdir ?? process.env.CDK_OUTDIR ?? `${__dirname}/cdk.out` });
  const account = props.account ?? '123456789012';
  const drRegion = props.drRegion ?? 'us-west-2';
  const removalPolicy = props.destroyOnRemoval ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
  const primary = new PrimaryStack(app, 'CloudHsmDrPrimary', {
    env: { account, region: props.primaryRegion ?? 'us-east-1' },
    crossRegionReferences: true,
    drRegion,
    backupId: props.backupId,
    removalPolicy,
  });
  const dr = new DrStack(app, 'CloudHsmDrRestore', {
    env: { account, region: drRegion },
    crossRegionReferences: true,
    backupId: primary.copy.destinationBackupId,
    removalPolicy,
  });
  return { app, primary, dr };
}

if (require.main === module) {
  const { app } = drApp();
  const assembly = app.synth();
  console.log(`synthesized ${assembly.stacks.map((s) => s.stackName).join(', ')} into ${assembly.directory}`);
}
