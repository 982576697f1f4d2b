/**
 * examples/key-store: one deployment from nothing to a CONNECTED KMS key store with a KMS key in it.
 * The stack creates the cluster, initializes it (CSR signed by AWS Private CA), activates it from an
 * admin host, creates two HSMs in two Availability Zones, creates the crypto user kmsuser (its
 * password generated into Secrets Manager), creates and connects the CloudHSM key store, and creates
 * a KMS key in it that encrypts an S3 bucket, with a grant to a role.
 *
 *   npx ts-node examples/key-store/app.ts   # synthesizes into examples/key-store/cdk.out
 *   cd examples/key-store && npx cdk synth  # the same with the CDK CLI (AZs from cdk.context.json)
 */
import { App, CfnOutput, CfnResource, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ClusterInitialization, HsmCluster, HsmKeyStore } from '../../src';

/** The AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account). */
export const EXAMPLE_CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';

export interface KeyStoreStackProps extends StackProps {
  /** Delete the cluster, the key store, the key and the bucket with the stack; the library's defaults keep them. */
  readonly destroyOnRemoval?: boolean;
  /** The ARN of the AWS Private CA that signs the cluster's CSR; EXAMPLE_CA_ARN when not given. */
  readonly certificateAuthorityArn?: string;
  /** How many HSMs the cluster has in this deployment (0 scales it to zero); the context value `hsmCount`, else 2. */
  readonly hsmCount?: number;
}

export class KeyStoreStack extends Stack {
  public readonly cluster: HsmCluster;
  public readonly keyStore: HsmKeyStore;
  public readonly key: kms.IKey;
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: KeyStoreStackProps = {}) {
    super(scope, id, props);
    Validations.of(this).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
    const removalPolicy = props.destroyOnRemoval ? RemovalPolicy.DESTROY : undefined;
    const azs = ['us-east-1a', 'us-east-1b'];
    // [readme] the block between these markers is shown in README.md
    const vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones: azs,
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
      removalPolicy,
      // The cluster may go to zero HSMs between deployments (docs/operations.md, "Scaling to zero").
      allowZeroHsms: true,
    });
    // KMS needs two ACTIVE HSMs in different Availability Zones; 0 keeps the cluster, its backups and
    // the key store (disconnected) at no HSM cost: `cdk deploy -c hsmCount=0`, later `-c hsmCount=2`.
    const hsmCount = props.hsmCount ?? Number(this.node.tryGetContext('hsmCount') ?? 2);
    for (let i = 0; i < hsmCount; i++) this.cluster.addHsm(`Hsm${i + 1}`, { availabilityZone: azs[i % azs.length] });

    // kmsuser (password generated into Secrets Manager), CreateCustomKeyStore, ConnectCustomKeyStore.
    this.keyStore = new HsmKeyStore(this, 'KeyStore', { cluster: this.cluster, removalPolicy });
    // A KMS key whose key material lives in the cluster's HSMs, used like any kms.IKey.
    this.key = this.keyStore.addKey('DataKey', { alias: 'alias/example-hsm-data', removalPolicy });
    this.bucket = new s3.Bucket(this, 'Data', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: this.accessLogs(removalPolicy),
      removalPolicy,
    });
    // A grant as aws-cdk-lib's kms.Key makes it: the role's policy and the key policy.
    const reader = new iam.Role(this, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    this.key.grantDecrypt(reader);
    // [/readme]
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', {
        retention: logs.RetentionDays.ONE_YEAR,
        removalPolicy: removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      })),
    });
    new CfnOutput(this, 'CustomKeyStoreId', { value: this.keyStore.customKeyStoreId });
    new CfnOutput(this, 'KeyArn', { value: this.key.keyArn });
  }

  /** The data bucket's access logs (S3-managed encryption: the log delivery cannot use a KMS key). */
  private accessLogs(removalPolicy?: RemovalPolicy): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy,
    });
    const reason = 'This bucket holds the data bucket\'s server access logs; logging its own access would log into itself.';
    (bucket.node.defaultChild as CfnResource).addMetadata('cdk_nag', { rules_to_suppress: [{ id: 'AwsSolutions-S1', reason }] });
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason });
    return bucket;
  }
}

/**
 * The example app. `outdir` defaults to the CDK CLI's output folder (CDK_OUTDIR) when the CLI runs
 * the app, else to examples/key-store/cdk.out.
 */
export function keyStoreApp(props: KeyStoreStackProps = {}, outdir?: string): { app: App; stack: KeyStoreStack } {
  const app = new App({ outdir: outdir ?? process.env.CDK_OUTDIR ?? `${__dirname}/cdk.out` });
  const stack = new KeyStoreStack(app, 'CloudHsmKeyStore', {
    env: { account: '123456789012', region: 'us-east-1' },
    ...props,
  });
  return { app, stack };
}

if (require.main === module) {
  const { app } = keyStoreApp();
  const assembly = app.synth();
  console.log(`synthesized ${assembly.stacks.map((s) => s.stackName).join(', ')} into ${assembly.directory}`);
}
