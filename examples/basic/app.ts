/**
 * examples/basic: a VPC with isolated subnets and a CloudHSM cluster in them.
 *
 *   npx ts-node examples/basic/app.ts   # synthesizes into examples/basic/cdk.out
 */
import { App, CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HsmCluster } from '../../src';

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

  constructor(scope: Construct, id: string, props: BasicStackProps = {}) {
    super(scope, id, props);
    // [readme] the block between these markers is shown in README.md
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    this.cluster = new HsmCluster(this, 'Cluster', {
      vpc,
      backupRetention: Duration.days(props.retentionDays ?? 90),
      removalPolicy: props.destroyOnRemoval ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    Tags.of(this.cluster).add('team', props.team ?? 'payments');
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
  }
}

/** The example app; `outdir` defaults to examples/basic/cdk.out. */
export function basicApp(props: BasicStackProps = {}, outdir?: string): { app: App; stack: BasicStack } {
  const app = new App({ outdir: outdir ?? `${__dirname}/cdk.out` });
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
