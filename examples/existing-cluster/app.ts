/**
 * examples/existing-cluster: a KMS key store and a key on a CloudHSM cluster that already exists and
 * is ACTIVE (made, initialized and activated outside CDK). The stack imports the cluster with its
 * admin secret and trust anchor, adds an HSM in a second Availability Zone, and a key store with a
 * key: an admin host is made in the cluster's VPC to create the crypto user kmsuser.
 *
 * Replace the values below with your cluster's (see docs/existing-clusters.md):
 *   aws cloudhsmv2 describe-clusters --filters clusterIds=<id>   # SecurityGroup, VpcId, SubnetMapping
 *
 *   npx ts-node examples/existing-cluster/app.ts   # synthesizes into examples/existing-cluster/cdk.out
 */
import { App, CfnOutput, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HsmCluster, HsmKeyStore } from '../../src';

/** What the stack is told about the existing cluster: your values (these are placeholders). */
export const EXISTING = {
  clusterId: 'cluster-jxhlf7644ne',
  securityGroupId: 'sg-0123456789abcdef0',
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
  /** The secret with the admin password (the admin user that `cluster activate` made). */
  adminSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloudhsm/admin-AbCdEf',
  /** The trust anchor: the certificate that signed the cluster certificate (customerCA.crt). */
  trustAnchor: '-----BEGIN CERTIFICATE-----\nTUlJQ2V4YW1wbGV0cnVzdGFuY2hvcg==\n-----END CERTIFICATE-----',
};

export class ExistingClusterStack extends Stack {
  public readonly keyStore: HsmKeyStore;
  public readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    Validations.of(this).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
    // [readme]
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: EXISTING.vpcId,
      availabilityZones: EXISTING.availabilityZones,
      privateSubnetIds: EXISTING.privateSubnetIds,
    });
    const cluster = HsmCluster.fromClusterAttributes(this, 'Cluster', {
      clusterId: EXISTING.clusterId,
      securityGroupId: EXISTING.securityGroupId,
      vpc,
      // The admin password as a plain string (or JSON, with adminSecretField naming its field).
      adminSecret: secretsmanager.Secret.fromSecretCompleteArn(this, 'AdminSecret', EXISTING.adminSecretArn),
      trustAnchor: EXISTING.trustAnchor,
    });
    // KMS needs two ACTIVE HSMs in different zones: the cluster has one in us-east-1a, add one in us-east-1b.
    cluster.addHsm('Hsm2', { availabilityZone: 'us-east-1b' });
    // An admin host is made in the VPC; it creates kmsuser, then the store is created and connected.
    this.keyStore = new HsmKeyStore(this, 'KeyStore', { cluster });
    this.key = this.keyStore.addKey('DataKey', { alias: 'alias/existing-cluster-data' });
    // [/readme]
    new CfnOutput(this, 'CustomKeyStoreId', { value: this.keyStore.customKeyStoreId });
    new CfnOutput(this, 'KeyArn', { value: this.key.keyArn });
  }
}

/** The example app and its stack; `outdir` defaults to this folder's cdk.out. */
export function existingClusterApp(outdir?: string): { app: App; stack: ExistingClusterStack } {
  const app = new App({ outdir: outdir ?? process.env.CDK_OUTDIR ?? `${__dirname}/cdk.out` });
  const stack = new ExistingClusterStack(app, 'CloudHsmExistingCluster', { env: { account: '123456789012', region: 'us-east-1' } });
  return { app, stack };
}

if (require.main === module) {
  const { app } = existingClusterApp();
  const assembly = app.synth();
  console.log(`synthesized ${assembly.stacks.map((s) => s.stackName).join(', ')} into ${assembly.directory}`);
}
