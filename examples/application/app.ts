/**
 * examples/application: an application that uses the HSMs directly, in one deployment. The stack
 * creates and activates the cluster (CSR signed by AWS Private CA, `cluster activate` on the admin
 * host), two HSMs in two Availability Zones, a crypto user for the application (its password
 * generated into Secrets Manager), an application host whose Client SDK 5 (PKCS #11) is installed
 * and configured with `--cluster-id` by its user data, and the cluster's audit logs with an alarm on
 * failed logins. The host's role reads only its own user's secret and the trust anchor parameter;
 * its security group reaches the cluster on TCP 2223-2225 and the AWS APIs on 443, nothing else.
 *
 *   npx ts-node examples/application/app.ts   # synthesizes into examples/application/cdk.out
 *   cd examples/application && npx cdk synth  # the same with the CDK CLI (AZs from cdk.context.json)
 */
import { App, CfnOutput, CfnResource, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  CLIENT_SDK_PACKAGE_URL, ClusterInitialization, CryptoUser, HsmAuditEvent, HsmAuditLogs, HsmClient, HsmClientLibrary, HsmCluster,
} from '../../src';

/** The AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account). */
export const EXAMPLE_CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';

/** Why the application host is a single instance without termination protection (cdk-nag AwsSolutions-EC29). */
export const APP_HOST_EC29_REASON = 'The example\'s application host keeps no state: its user data rebuilds the client setup and its crypto user\'s '
  + 'password lives in Secrets Manager. Termination protection would keep `cdk destroy` from removing it.';

export interface ApplicationStackProps extends StackProps {
  /** Delete the cluster, the crypto user and their secrets with the stack; the library's defaults keep them. */
  readonly destroyOnRemoval?: boolean;
  /** The ARN of the AWS Private CA that signs the cluster's CSR; EXAMPLE_CA_ARN when not given. */
  readonly certificateAuthorityArn?: string;
}

export class ApplicationStack extends Stack {
  public readonly cluster: HsmCluster;
  public readonly cryptoUser: CryptoUser;
  public readonly client: HsmClient;
  public readonly host: ec2.Instance;
  public readonly hostSecurityGroup: ec2.SecurityGroup;
  public readonly audit: HsmAuditLogs;
  public readonly failedLogins: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ApplicationStackProps = {}) {
    super(scope, id, props);
    Validations.of(this).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
    const destroy = props.destroyOnRemoval ?? false;
    const azs = ['us-east-1a', 'us-east-1b'];
    // [readme] the block between these markers is shown in README.md
    const vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones: azs,
      // One NAT gateway: the hosts download the CloudHSM packages and reach SSM and Secrets Manager over it.
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
      activation: {},
      removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    for (let i = 0; i < azs.length; i++) this.cluster.addHsm(`Hsm${i + 1}`, { availabilityZone: azs[i] });

    // The crypto user the application logs in as: made on the HSMs by the admin host, its password
    // generated into Secrets Manager (in no template, output or log).
    this.cryptoUser = this.cluster.addCryptoUser('AppUser', {
      username: 'app_signer',
      // A crypto user owns keys: kept unless the stack is a throwaway.
      removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    // The application host: outbound HTTPS for the AWS APIs and the Client SDK package; the rules
    // to the cluster (TCP 2223-2225) come from the client below.
    this.hostSecurityGroup = new ec2.SecurityGroup(this, 'AppSecurityGroup', {
      vpc,
      allowAllOutbound: false,
      description: 'The application host: HTTPS to the AWS APIs, TCP 2223-2225 to the CloudHSM cluster',
    });
    this.hostSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: SSM, Secrets Manager, CloudHSM API, Client SDK packages');
    this.host = new ec2.Instance(this, 'AppHost', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.X86_64 }),
      securityGroup: this.hostSecurityGroup,
      requireImdsv2: true,
      detailedMonitoring: true,
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) }],
    });

    // The host's client: the trust anchor parameter, TCP 2223-2225 to the cluster, the role's rights
    // (the user's secret, the parameter, DescribeClusters) and user data that installs the PKCS #11
    // library and configures it with --cluster-id.
    this.client = new HsmClient(this, 'Client', {
      cryptoUser: this.cryptoUser,
      libraries: [HsmClientLibrary.PKCS11],
      packageUrl: CLIENT_SDK_PACKAGE_URL,
    });
    this.client.connectInstance(this.host, {});

    // The audit logs CloudHSM writes, kept a year, with an alarm at the first failed login.
    this.audit = new HsmAuditLogs(this, 'Audit', {
      cluster: this.cluster,
      retention: logs.RetentionDays.ONE_YEAR,
      metricNamespace: 'CdkCloudHsm/Audit',
    });
    this.failedLogins = this.audit.addAlarm('FailedLogins', HsmAuditEvent.FAILED_LOGINS, {
      threshold: 1,
      period: Duration.minutes(5),
      alarmDescription: 'A login to the CloudHSM cluster failed (a wrong password, or a user that does not exist)',
    });
    // [/readme]
    (this.host.node.defaultChild as CfnResource).addMetadata('cdk_nag', { rules_to_suppress: [{ id: 'AwsSolutions-EC29', reason: APP_HOST_EC29_REASON }] });
    Validations.of(this.host).acknowledge({ id: 'AwsSolutions-EC29', reason: APP_HOST_EC29_REASON });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', {
        retention: logs.RetentionDays.ONE_YEAR,
        removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      })),
    });
    new CfnOutput(this, 'ClusterId', { value: this.cluster.clusterId });
    new CfnOutput(this, 'AppHostId', { value: this.host.instanceId });
    new CfnOutput(this, 'CryptoUserSecretArn', { value: this.cryptoUser.passwordSecret.secretArn });
  }
}

/**
 * The example app. `outdir` defaults to the CDK CLI's output folder (CDK_OUTDIR) when the CLI runs
 * the app, else to examples/application/cdk.out.
 */
export function applicationApp(props: ApplicationStackProps = {}, outdir?: string): { app: App; stack: ApplicationStack } {
  const app = new App({ outdir: outdir ?? process.env.CDK_OUTDIR ?? `${__dirname}/cdk.out` });
  const stack = new ApplicationStack(app, 'CloudHsmApplication', {
    env: { account: '123456789012', region: 'us-east-1' },
    ...props,
  });
  return { app, stack };
}

if (require.main === module) {
  const { app } = applicationApp();
  const assembly = app.synth();
  console.log(`synthesized ${assembly.stacks.map((s) => s.stackName).join(', ')} into ${assembly.directory}`);
}
