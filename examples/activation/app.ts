/**
 * examples/activation: one deployment from nothing to an ACTIVE CloudHSM cluster with three HSMs in
 * two Availability Zones. The stack creates the cluster and its first HSM, has the cluster's CSR
 * signed by AWS Private CA (initialization), activates the cluster from an admin host in the VPC
 * (activation: the CloudHSM CLI's `cluster activate`, with an admin password Secrets Manager
 * generates), then creates the other HSMs.
 *
 *   npx ts-node examples/activation/app.ts   # synthesizes into examples/activation/cdk.out
 *   cd examples/activation && npx cdk synth  # the same with the CDK CLI (AZs from cdk.context.json)
 */
import { App, CfnOutput, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ClusterInitialization, HsmCluster } from '../../src';

/** The AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account). */
export const EXAMPLE_CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';

export interface ActivationStackProps extends StackProps {
  /** Delete the cluster (and its admin password secret) with the stack; the library's default keeps them. */
  readonly destroyOnRemoval?: boolean;
  /** How many HSMs, spread over the two Availability Zones. */
  readonly hsmCount?: number;
  /** The ARN of the AWS Private CA that signs the cluster's CSR; EXAMPLE_CA_ARN when not given. */
  readonly certificateAuthorityArn?: string;
}

export class ActivationStack extends Stack {
  public readonly cluster: HsmCluster;

  constructor(scope: Construct, id: string, props: ActivationStackProps = {}) {
    super(scope, id, props);
    Validations.of(this).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
    const azs = ['us-east-1a', 'us-east-1b'];
    // [readme] the block between these markers is shown in README.md
    const vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones: azs,
      // One NAT gateway: the admin host downloads the CloudHSM CLI package and reaches SSM over it.
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
    });
    const ca = acmpca.CertificateAuthority.fromCertificateAuthorityArn(this, 'Ca', props.certificateAuthorityArn ?? EXAMPLE_CA_ARN);
    this.cluster = new HsmCluster(this, 'Cluster', {
      vpc,
      initialization: ClusterInitialization.fromPrivateCa(ca),
      // An admin host (t3.micro, Amazon Linux 2023, SSM only) runs `cluster activate`; the admin
      // password is generated into Secrets Manager and read on the host only.
      activation: {},
      removalPolicy: props.destroyOnRemoval ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    // The first HSM brings the CSR; the others follow the activation, in the same deployment.
    for (let i = 0; i < (props.hsmCount ?? 3); i++) {
      this.cluster.addHsm(`Hsm${i + 1}`, { availabilityZone: azs[i % azs.length] });
    }
    // [/readme]
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', {
        retention: logs.RetentionDays.ONE_YEAR,
        removalPolicy: props.destroyOnRemoval ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      })),
    });
    new CfnOutput(this, 'ClusterId', { value: this.cluster.clusterId });
    new CfnOutput(this, 'ClusterState', { value: this.cluster.clusterState });
  }
}

/**
 * The example app. `outdir` defaults to the CDK CLI's output folder (CDK_OUTDIR) when the CLI runs
 * the app, else to examples/activation/cdk.out.
 */
export function activationApp(props: ActivationStackProps = {}, outdir?: string): { app: App; stack: ActivationStack } {
  const app = new App({ outdir: outdir ?? process.env.CDK_OUTDIR ?? `${__dirname}/cdk.out` });
  const stack = new ActivationStack(app, 'CloudHsmActivation', {
    env: { account: '123456789012', region: 'us-east-1' },
    ...props,
  });
  return { app, stack };
}

if (require.main === module) {
  const { app } = activationApp();
  const assembly = app.synth();
  console.log(`synthesized ${assembly.stacks.map((s) => s.stackName).join(', ')} into ${assembly.directory}`);
}
