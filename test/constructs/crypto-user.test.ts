// Template assertions for CryptoUser: the Custom::CloudHsmCryptoUser resource (ids and secret ARNs,
// no password), its order after the activation and every HSM, the generated secret, the removal
// policy, the host's and an application's read access to the secret, and the synth-time refusals.
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ClusterInitialization, CryptoUser, CryptoUserOptions, HsmCluster } from '../../src';
import { CERTS, testStack } from '../fixtures/stack';

function build(options: Partial<CryptoUserOptions> = {}, activate = true): { stack: Stack; cluster: HsmCluster; user: CryptoUser } {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: activate ? {} : undefined,
  });
  cluster.addHsms(2);
  const user = new CryptoUser(stack, 'Signer', { cluster, username: 'signer', ...options });
  return { stack, cluster, user };
}

const only = (t: Template, type: string): [string, any] => {
  const found = Object.entries(t.findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
};

describe('the crypto user resource', () => {
  const { stack } = build();
  const template = Template.fromStack(stack);
  const [, resource] = only(template, 'Custom::CloudHsmCryptoUser');

  test('carries the cluster, the host, the name, the secret ARNs and the trust anchor; no password', () => {
    expect(resource.Properties).toMatchObject({
      ClusterId: { Ref: Object.keys(template.findResources('Custom::CloudHsmCluster'))[0] },
      InstanceId: { Ref: Object.keys(template.findResources('AWS::EC2::Instance'))[0] },
      Username: 'signer',
      UserSecretArn: { Ref: expect.stringMatching(/^SignerPasswordSecret/) },
      AdminSecretArn: { Ref: expect.stringMatching(/^ClusterAdminSecret/) },
      TrustAnchor: CERTS.trustAnchor,
    });
    expect(Object.keys(resource.Properties).sort()).toEqual(
      ['AdminSecretArn', 'ClusterId', 'InstanceId', 'ServiceTimeout', 'ServiceToken', 'TrustAnchor', 'UserSecretArn', 'Username']);
  });

  test('comes after the activation and every HSM (made on all of them, deleted while they are all there)', () => {
    for (const type of ['Custom::CloudHsmActivation', 'Custom::CloudHsmHsm']) {
      const ids = Object.keys(template.findResources(type));
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(resource.DependsOn).toContain(id);
    }
  });

  test('is kept on removal by default (a crypto user owns keys), and so is its generated password', () => {
    expect(resource.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
    const [, secret] = Object.entries(template.findResources('AWS::SecretsManager::Secret')).find(([id]) => id.startsWith('SignerPasswordSecret'))!;
    expect(secret.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 32, ExcludePunctuation: true });
    expect(secret.Properties.SecretString).toBeUndefined();
  });

  test('the admin host may read the user\'s secret (it creates the user)', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const reads = policies.filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('SignerPasswordSecret'));
    expect(reads.map((p) => JSON.stringify(p.Properties.Roles))).toEqual([expect.stringMatching(/AdminHost/)]);
  });
});

test('removalPolicy DESTROY deletes the user and its generated secret with the stack', () => {
  const template = Template.fromStack(build({ removalPolicy: RemovalPolicy.DESTROY }).stack);
  expect(only(template, 'Custom::CloudHsmCryptoUser')[1].DeletionPolicy).toBe('Delete');
});

test('grantRead gives an application\'s role read access to this user\'s secret only', () => {
  const { stack, user } = build();
  const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  user.grantRead(role);
  const template = Template.fromStack(stack);
  const [, policy] = Object.entries(template.findResources('AWS::IAM::Policy')).find(([, p]: any) =>
    JSON.stringify(p.Properties.Roles).includes('AppRole'))! as [string, any];
  const statements = policy.Properties.PolicyDocument.Statement;
  expect(statements).toEqual([expect.objectContaining({
    Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    Resource: { Ref: expect.stringMatching(/^SignerPasswordSecret/) },
  })]);
});

test('a given secret is used as it is, and its username is the lowercase form', () => {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {} });
  cluster.addHsm('Hsm1');
  const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Given', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:given-AbCdEf');
  const user = new CryptoUser(stack, 'App', { cluster, username: 'App_User1', passwordSecret: secret });
  expect(user.username).toBe('app_user1');
  expect(user.passwordSecret).toBe(secret);
  const [, resource] = only(Template.fromStack(stack), 'Custom::CloudHsmCryptoUser');
  expect(resource.Properties.UserSecretArn).toBe(secret.secretArn);
});

describe('refused at synth time', () => {
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected an error');
  };

  test.each([
    ['bad-name', 'username (Username): "bad-name" is not a CloudHSM user name (1 to 31 letters, digits or _'],
    ['x'.repeat(32), 'is not a CloudHSM user name'],
    ['', 'is not a CloudHSM user name'],
    ['Admin', 'username (Username): "Admin" is taken on every cluster'],
    ['kmsuser', 'is taken on every cluster'],
  ])('the name %j', (username, expected) => {
    expect(message(() => build({ username }))).toContain(expected);
  });

  test('a cluster this stack does not activate', () => {
    expect(message(() => build({}, false))).toContain('cluster (ClusterId): Stack/Cluster is not activated by this stack');
  });

  test('a second construct for the same user (names are not case sensitive)', () => {
    const { stack, cluster } = build();
    expect(message(() => new CryptoUser(stack, 'Again', { cluster, username: 'SIGNER' })))
      .toContain('"signer" is already the crypto user Stack/Signer of Stack/Cluster');
  });

  test('a generated secret the CLI cannot take (JSON, punctuation, too long)', () => {
    const stack = testStack();
    const json = new secretsmanager.Secret(stack, 'Json', { generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'password', excludePunctuation: true } });
    const punct = new secretsmanager.Secret(stack, 'Punct', { generateSecretString: { passwordLength: 40 } });
    expect(message(() => build({ passwordSecret: json }))).toContain('is JSON (generateStringKey); a crypto user\'s secret must be the password as a plain string');
    const m = message(() => build({ passwordSecret: punct }));
    expect(m).toContain('generates 40-character passwords; the CloudHSM CLI takes 8 to 32');
    expect(m).toContain('may generate quotes or backslashes');
  });
});

test('cluster.addCryptoUser makes the same resource, as a child of the cluster', () => {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {} });
  cluster.addHsm('Hsm1');
  const user = cluster.addCryptoUser('Signer', { username: 'signer' });
  expect(user).toBeInstanceOf(CryptoUser);
  expect(user.node.path).toBe('Stack/Cluster/Signer');
  expect(only(Template.fromStack(stack), 'Custom::CloudHsmCryptoUser')[1].Properties.Username).toBe('signer');
});
