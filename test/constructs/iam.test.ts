// Least privilege of the provider role: no wildcard actions, and no `Resource: *` for an action
// that supports resource-level permissions (AWS Service Authorization Reference, CloudHSM and EC2).
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BackupCopy, CloudHsmCliPackage, ClusterInitialization, HsmCluster, HsmKey, HsmKeyStore } from '../../src';
import { CERTS, isolatedVpc, testStack } from '../fixtures/stack';


/** Actions whose reference lists no resource type: they can only be granted on `*`. */
const NO_RESOURCE_LEVEL = new Set([
  'cloudhsm:DescribeClusters', 'cloudhsm:DescribeBackups', 'cloudhsm:CreateCluster',
  'ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'ec2:DescribeSecurityGroups', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcEndpointServices',
  'ssm:ListCommands', 'ssm:GetCommandInvocation', 'ssm:DescribeInstanceInformation',
  // KMS custom key store actions: "IAM policy, resource *" in the KMS permissions reference.
  'kms:CreateCustomKeyStore', 'kms:ConnectCustomKeyStore', 'kms:DisconnectCustomKeyStore', 'kms:UpdateCustomKeyStore',
  'kms:DeleteCustomKeyStore', 'kms:DescribeCustomKeyStores', 'kms:CreateKey', 'kms:ListKeys',
]);

function providerStatements(stack: Stack): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const handlerPolicies = Object.entries(policies).filter(([id]) => id.startsWith('CdkCloudHsmProviderHandlerRole'));
  expect(handlerPolicies).toHaveLength(1);
  return handlerPolicies.flatMap(([, p]: [string, any]) => p.Properties.PolicyDocument.Statement);
}

function fullStack(): Stack {
  const stack = testStack();
  const vpc = isolatedVpc(stack, { availabilityZones: ['us-east-1a', 'us-east-1b'] });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc,
    initialization: ClusterInitialization.fromCertificates(CERTS),
    activation: {
      hostOptions: { createVpcEndpoints: true, cliPackage: CloudHsmCliPackage.fromBucket(s3.Bucket.fromBucketName(stack, 'Packages', 'packages'), 'cli.rpm') },
    },
  });
  cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  cluster.addHsm('Hsm3', { availabilityZone: 'us-east-1b' });
  new HsmKeyStore(stack, 'KeyStore', { cluster }).addKey('Key');
  HsmCluster.fromClusterAttributes(stack, 'Imported', { clusterId: 'cluster-abcdefghijk' }).addHsm('Hsm2');
  new BackupCopy(stack, 'Copy', { cluster, destinationRegion: 'us-west-2' });
  new HsmKey(stack, 'Key', { customKeyStoreId: 'cks-1234567890abcdef0' });
  return stack;
}

const asList = (v: unknown): any[] => (Array.isArray(v) ? v : [v]);

describe('provider role', () => {
  const statements = providerStatements(fullStack());

  test('has no wildcard actions', () => {
    const actions = statements.flatMap((s) => asList(s.Action));
    expect(actions.length).toBeGreaterThan(10);
    for (const action of actions) expect(action).not.toMatch(/\*/);
  });

  test('grants `*` only for actions without resource-level permissions', () => {
    for (const s of statements) {
      if (!asList(s.Resource).includes('*')) continue;
      for (const action of asList(s.Action)) {
        // CreateCluster names no existing resource, and is allowed only with the request tag.
        if (action === 'cloudhsm:CreateCluster') expect(s.Condition).toBeDefined();
        // CreateKey too: only in a CloudHSM key store, only with the request tag.
        if (action === 'kms:CreateKey') expect(s.Condition).toEqual(expect.objectContaining({ StringEquals: { 'kms:KeyOrigin': 'AWS_CLOUDHSM' } }));
        expect(NO_RESOURCE_LEVEL.has(action) ? action : `${action} on *`).toBe(action);
      }
    }
  });

  test('only Allow statements, each with a Sid a reviewer can read', () => {
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
    }
  });

  test('ssm:SendCommand names the AWS-RunShellScript document and the admin host, nothing else', () => {
    const send = statements.filter((s) => asList(s.Action).includes('ssm:SendCommand'));
    expect(send).toHaveLength(1);
    const resources = asList(send[0].Resource).map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(2);
    expect(resources[0]).toContain(':ssm:us-east-1::document/AWS-RunShellScript');
    expect(resources[1]).toMatch(/:ec2:us-east-1:123456789012:instance\/","?\{"Ref":"ClusterAdminHostInstance/);
  });

  test('secretsmanager:GetSecretValue names the kmsuser secret only (the admin secret is read on the host)', () => {
    const reads = statements.filter((s) => asList(s.Action).some((a: string) => a.startsWith('secretsmanager:')));
    expect(reads).toHaveLength(1);
    expect(reads[0].Action).toBe('secretsmanager:GetSecretValue');
    expect(asList(reads[0].Resource).map((r) => JSON.stringify(r))).toEqual([expect.stringMatching(/^\{"Ref":"KeyStoreKmsUserSecret\w+"\}$/)]);
  });

  test('iam:CreateServiceLinkedRole only for CloudHSM\'s and KMS custom key stores\' roles, each with its service name', () => {
    const slr = statements.filter((s) => asList(s.Action).includes('iam:CreateServiceLinkedRole'));
    expect(slr.map((s) => s.Condition.StringEquals['iam:AWSServiceName']).sort()).toEqual(['cks.kms.amazonaws.com', 'cloudhsm.amazonaws.com']);
  });

  test('CloudHSM resources are scoped to this account and region', () => {
    for (const s of statements) {
      for (const r of asList(s.Resource)) {
        const text = JSON.stringify(r);
        // Backup copies are managed in their destination region only.
        if (text.includes(':cloudhsm:')) expect(text).toMatch(/:cloudhsm:(us-east-1|us-west-2):123456789012:/);
        if (text.includes(':kms:')) expect(text).toContain(':kms:us-east-1:123456789012:key/*');
        if (text.includes(':cloudhsm:us-west-2:')) expect(asList(s.Action).every((a: string) => a !== 'cloudhsm:DeleteCluster')).toBe(true);
      }
    }
  });
});
