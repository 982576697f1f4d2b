/**
 * examples/basic: a VPC with isolated subnets in two Availability Zones, a CloudHSM cluster in
 * them and the cluster's first HSM.
 *
 *   npx ts-node examples/basic/app.ts   # synthesizes into examples/basic/cdk.out
 */
import { App, CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Hsm, HsmCluster } from '../../src';

/** What the demo and tests vary between deployments of the example. */
export interface BasicStackProps extends StackProps {
  /** Backup retention of the cluster, in days. */
  readonly retentionDays?: number;
  /** The `team` tag of the cluster. */
  readonly team?: string;
  /** Delete the cluster with the stack (the library's default keeps it). */
  readonly destroyOnRemoval?: boolean;
}

export class BasicStack extends Stack {
  public readonly cluster: HsmCluster;
  public readonly hsm: Hsm;

  constructor(scope: Construct, id: string, props: BasicStackProps = {}) {
    super(scope, id, props);
    // CDK warns about AZ names written into the template; an HSM's subnet and AZ have to be named ones.
    Validations.of(this).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
    // [readme] the block between these markers is shown in README.md
    const vpc = new ec2.Vpc(this, 'Vpc', {
      // Real AZ names for the HSM: without an AZ lookup the stack's AZs are placeholders (dummy1a, ...).
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      natGateways: 0,
      subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    this.cluster = new HsmCluster(this, 'Cluster', {
      vpc,
      backupRetention: Duration.days(props.retentionDays ?? 90),
      removalPolicy: props.destroyOnRemoval ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    Tags.of(this.cluster).add('team', props.team ?? 'payments');
    // One HSM: CloudHSM refuses a second one until the cluster is initialized and activated.
    this.hsm = this.cluster.addHsm('Hsm', { availabilityZone: vpc.availabilityZones[0] });
    // [/readme]
    // A record of the traffic to and from the HSMs' network interfaces, kept like the cluster.
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', {
        retention: logs.RetentionDays.ONE_YEAR,
        // Kept when the stack is deleted; a failed first deploy leaves nothing behind.
        removalPolicy: props.destroyOnRemoval ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      })),
    });
    new CfnOutput(this, 'ClusterId', { value: this.cluster.clusterId });
    new CfnOutput(this, 'ClusterSecurityGroupId', { value: this.cluster.securityGroup.securityGroupId });
    new CfnOutput(this, 'HsmId', { value: this.hsm.hsmId });
    // Sign this certificate signing request to initialize the cluster (docs/initialization.md).
    new CfnOutput(this, 'ClusterCsr', { value: this.hsm.clusterCsr });
  }
}

/**
 * The example app. `outdir` defaults to the CDK CLI's output folder (CDK_OUTDIR) when the CLI runs
 * the app, else to examples/basic/cdk.out.
 */
export function basicApp(props: BasicStackProps = {}, outdir?: string): { app: App; stack: BasicStack } {
  const app = new App({ outdir: outdir ?? process.env.CDK_OUTDIR ?? `${__dirname}/cdk.out` });
  const stack = new BasicStack(app, 'CloudHsmBasic', {
    env: { account: '123456789012', region: 'us-east-1' },
    ...props,
  });
  return { app, stack };
}

if (require.main === module) {
  const { app } = basicApp();
  const assembly = app.synth();
  console.log(`synthesized ${assembly.stacks.map((s) => s.stackName).join(', ')} into ${assembly.directory}`);
}
