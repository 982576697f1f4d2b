// HsmClient.grantConnect grants what the client uses and nothing more: GetParameter on the trust
// anchor parameter, GetSecretValue on the crypto user's secret (a secret known by name only gets
// Secrets Manager's six-character suffix wildcard; one with its own key, decrypt through Secrets
// Manager only), DescribeClusters. Never DescribeSecret, GetParameters or GetParameterHistory.
import { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ClusterInitialization, CryptoUser, HsmClient, HsmCluster } from '../../src';
import { CERTS, testStack } from '../fixtures/stack';

function grantsFor(passwordSecret: (stack: ReturnType<typeof testStack>) => secretsmanager.ISecret) {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {} });
  cluster.addHsm('Hsm');
  const user = new CryptoUser(stack, 'Signer', { cluster, username: 'signer', passwordSecret: passwordSecret(stack) });
  const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  new HsmClient(stack, 'Client', { cryptoUser: user }).grantConnect(role);
  const template = Template.fromStack(stack);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
  const statements: any[] = policies.filter((p) => JSON.stringify(p.Properties.Roles).includes('AppRole'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
  return { statements, template };
}

const actions = (statements: any[]) => statements.flatMap((s) => [s.Action].flat()).sort();

test('a secret known by name: GetSecretValue on its name with the six-character suffix, nothing else of Secrets Manager', () => {
  const { statements } = grantsFor((stack) => secretsmanager.Secret.fromSecretNameV2(stack, 'Given', 'app/signer'));
  expect(actions(statements)).toEqual(['cloudhsm:DescribeClusters', 'secretsmanager:GetSecretValue', 'ssm:GetParameter']);
  const [read] = statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue');
  expect(JSON.stringify(read.Resource)).toMatch(/:secret:app\/signer-\?\?\?\?\?\?"/);
});

test('a secret with its own key: decrypt through Secrets Manager in the stack\'s region only, in the key\'s policy', () => {
  let key: kms.Key | undefined;
  const { statements, template } = grantsFor((stack) => secretsmanager.Secret.fromSecretAttributes(stack, 'Given', {
    secretCompleteArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/signer-AbCdEf',
    encryptionKey: key = new kms.Key(stack, 'Key', { enableKeyRotation: true }),
  }));
  expect(actions(statements)).toEqual(['cloudhsm:DescribeClusters', 'secretsmanager:GetSecretValue', 'ssm:GetParameter']);
  const [read] = statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue');
  expect(read.Resource).toBe('arn:aws:secretsmanager:us-east-1:123456789012:secret:app/signer-AbCdEf');
  // As aws-cdk-lib grants a secret's key: a key policy statement for the role, through Secrets Manager only.
  const keyPolicy = template.findResources('AWS::KMS::Key')[key!.stack.getLogicalId(key!.node.defaultChild as CfnElement)].Properties.KeyPolicy;
  const forRole = keyPolicy.Statement.filter((s: any) => JSON.stringify(s.Principal).includes('AppRole'));
  expect(forRole).toEqual([expect.objectContaining({
    Action: 'kms:Decrypt',
    Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
  })]);
});
