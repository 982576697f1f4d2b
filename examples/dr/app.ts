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
 * With `recovery` (docs/disaster-recovery.md, "The whole path"), both stacks are complete: the
 * primary cluster is initialized (AWS Private CA) and activated by its stack with an admin secret
 * replicated to the DR region, has two HSMs and a KMS key store, and its copy is of the backup its
 * activation made. The DR stack restores from the copy with the replica of the admin secret and the
 * primary's trust anchor (nothing is activated: the admin host checks the secret logs in), adds two
 * HSMs in two Availability Zones and its own key store and KMS key.
 *
 *   npx ts-node examples/dr/app.ts   # synthesizes into examples/dr/cdk.out
 */
import { App, CfnOutput, Fn, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BackupCopy, ClusterInitialization, HsmCluster, HsmKeyStore } from '../../src';

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
  /** The whole path: an activated primary with a key store, and a DR cluster with HSMs and a key store. */
  readonly recovery?: RecoveryProps;
}

/** What the whole DR path needs that synthesis cannot find out. */
export interface RecoveryProps {
  /** The AWS Private CA (primary region) that signs the primary cluster's CSR. */
  readonly certificateAuthorityArn: string;
  /** That CA's certificate (PEM): the trust anchor of the primary cluster and so of every cluster restored from its backups. */
  readonly trustAnchor: string;
}

/** A VPC whose private subnets reach out (the admin host downloads the CloudHSM CLI), in two named AZs. */
function egressVpc(scope: Construct, region: string): ec2.Vpc {
  Validations.of(scope).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  return new ec2.Vpc(scope, 'Vpc', {
    availabilityZones: [`${region}a`, `${region}b`],
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
    ],
  });
}

/** Two HSMs in two AZs (what a KMS key store needs), a key store and a KMS key in it. */
function hsmsAndKeyStore(stack: Stack, cluster: HsmCluster, removalPolicy: RemovalPolicy): HsmKeyStore {
  cluster.addHsm('Hsm1', { availabilityZone: `${stack.region}a` });
  cluster.addHsm('Hsm2', { availabilityZone: `${stack.region}b` });
  const keyStore = new HsmKeyStore(stack, 'KeyStore', { cluster, removalPolicy });
  const key = keyStore.addKey('DataKey', { removalPolicy });
  new CfnOutput(stack, 'CustomKeyStoreId', { value: keyStore.customKeyStoreId });
  new CfnOutput(stack, 'KeyArn', { value: key.keyArn });
  return keyStore;
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
  readonly recovery?: RecoveryProps;
}

/** The primary region: the cluster in use and a copy of its backup in the DR region. */
export class PrimaryStack extends Stack {
  public readonly cluster: HsmCluster;
  public readonly copy: BackupCopy;
  /** With `recovery`: the admin secret, replicated to the DR region. */
  public readonly adminSecret?: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: PrimaryStackProps) {
    super(scope, id, props);
    const recovery = props.recovery;
    if (recovery) {
      // The admin password, replicated to the DR region: a cluster restored there has this admin.
      this.adminSecret = new secretsmanager.Secret(this, 'AdminSecret', {
        description: 'Admin password of the primary CloudHSM cluster (and of every cluster restored from its backups)',
        generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
        replicaRegions: [{ region: props.drRegion }],
        removalPolicy: props.removalPolicy,
      });
    }
    this.cluster = new HsmCluster(this, 'Cluster', {
      vpc: recovery ? egressVpc(this, this.region) : isolatedVpc(this, props.removalPolicy),
      removalPolicy: props.removalPolicy,
      // CloudHSM backs a cluster up first when it is activated: the copy of its newest backup assumes
      // a primary cluster that was deployed, initialized and activated before the copy was added
      // (or, with `recovery`, activated by this stack before the copy, in the same deployment).
      activated: props.backupId === undefined && !recovery ? true : undefined,
      ...(recovery ? {
        initialization: ClusterInitialization.fromPrivateCa(acmpca.CertificateAuthority.fromCertificateAuthorityArn(this, 'Ca', recovery.certificateAuthorityArn)),
        activation: { adminSecret: this.adminSecret },
      } : {}),
    });
    if (recovery) hsmsAndKeyStore(this, this.cluster, props.removalPolicy);
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
  /** With `recovery`: the ARN of the primary's admin secret (its replica in this region is used). */
  readonly sourceAdminSecretArn?: string;
  readonly recovery?: RecoveryProps;
}

/** The DR region: a cluster restored from the copy (ACTIVE once restored, with the primary's keys and users). */
export class DrStack extends Stack {
  public readonly cluster: HsmCluster;

  constructor(scope: Construct, id: string, props: DrStackProps) {
    super(scope, id, props);
    const recovery = props.recovery;
    this.cluster = new HsmCluster(this, 'Cluster', {
      vpc: recovery ? egressVpc(this, this.region) : isolatedVpc(this, props.removalPolicy),
      sourceBackupId: props.backupId,
      removalPolicy: props.removalPolicy,
      // A restored cluster has the primary's users: its admin is the primary's (the secret's replica
      // here), its trust anchor the primary's. Nothing is activated; the admin host checks the login.
      ...(recovery && props.sourceAdminSecretArn ? {
        activation: {
          adminSecret: secretsmanager.Secret.fromSecretCompleteArn(this, 'SourceAdminSecret', replicaArn(props.sourceAdminSecretArn, this.region)),
          trustAnchor: recovery.trustAnchor,
        },
      } : {}),
    });
    if (recovery) hsmsAndKeyStore(this, this.cluster, props.removalPolicy);
    new CfnOutput(this, 'ClusterId', { value: this.cluster.clusterId });
  }
}

/** The ARN of a secret's replica in `region`: the same ARN with that region (Secrets Manager keeps name and suffix). */
function replicaArn(arn: string, region: string): string {
  const parts = Fn.split(':', arn, 7);
  return Fn.join(':', [Fn.select(0, parts), Fn.select(1, parts), Fn.select(2, parts), region, Fn.select(4, parts), Fn.select(5, parts), Fn.select(6, parts)]);
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
    recovery: props.recovery,
  });
  const dr = new DrStack(app, 'CloudHsmDrRestore', {
    env: { account, region: drRegion },
    crossRegionReferences: true,
    backupId: primary.copy.destinationBackupId,
    removalPolicy,
    recovery: props.recovery,
    sourceAdminSecretArn: primary.adminSecret?.secretArn,
  });
  return { app, primary, dr };
}

if (require.main === module) {
  const { app } = drApp();
  const assembly = app.synth();
  console.log(`synthesized ${assembly.stacks.map((s) => s.stackName).join(', ')} into ${assembly.directory}`);
}
