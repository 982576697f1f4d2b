// Template assertions for HsmKeyStore: the Custom::CloudHsmKeyStore resource and its properties (no
// password), its order after the activation and every HSM, the kmsuser secret, removal policies,
// the provider's KMS, SSM and Secrets Manager permissions, and the key from addKey.
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ClusterInitialization, HsmCluster, HsmKeyStore, HsmKeyStoreProps } from '../../src';
import { keyStoreStack } from '../fixtures/key-store-stack';
import { CERTS, testStack } from '../fixtures/stack';


function build(props: Partial<HsmKeyStoreProps> = {}, zones = ['us-east-1a', 'us-east-1b']): { stack: Stack; cluster: HsmCluster; store: HsmKeyStore } {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {} });
  zones.forEach((az, i) => cluster.addHsm(`Hsm${i + 1}`, { availabilityZone: az }));
  const store = new HsmKeyStore(stack, 'KeyStore', { cluster, ...props });
  return { stack, cluster, store };
}

const resourceOf = (t: Template, type: string): [string, any] => {
  const found = Object.entries(t.findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
};

describe('the key store resource', () => {
  const { stack } = build({ customKeyStoreName: 'app-keys' });
  const template = Template.fromStack(stack);
  const [, store] = resourceOf(template, 'Custom::CloudHsmKeyStore');

  test('carries ids, secret ARNs, the name and the trust anchor, and no password', () => {
    const ids = (type: string) => Object.keys(template.findResources(type));
    expect(store.Properties).toMatchObject({
      ClusterId: { Ref: ids('Custom::CloudHsmCluster')[0] },
      InstanceId: { Ref: ids('AWS::EC2::Instance')[0] },
      AdminSecretArn: { Ref: expect.stringMatching(/^ClusterAdminSecret/) },
      KmsUserSecretArn: { Ref: expect.stringMatching(/^KeyStoreKmsUserSecret/) },
      CustomKeyStoreName: 'app-keys',
      TrustAnchor: CERTS.trustAnchor,
    });
    expect(Object.keys(store.Properties).sort()).toEqual(
      ['AdminSecretArn', 'ClusterId', 'CustomKeyStoreName', 'InstanceId', 'KmsUserSecretArn', 'ServiceTimeout', 'ServiceToken', 'TrustAnchor']);
  });

  test('comes after the activation, the initialization and every HSM of the cluster', () => {
    const dependsOn: string[] = store.DependsOn;
    for (const type of ['Custom::CloudHsmActivation', 'Custom::CloudHsmClusterInitialization', 'Custom::CloudHsmHsm']) {
      for (const id of Object.keys(template.findResources(type))) expect(dependsOn).toContain(id);
    }
    expect(Object.keys(template.findResources('Custom::CloudHsmHsm'))).toHaveLength(2);
  });

  test('is kept on removal and replacement by default; only a failed first deployment removes it', () => {
    expect(store.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(store.UpdateReplacePolicy).toBe('Retain');
  });

  test('the kmsuser password is generated: 32 letters and digits, kept with the store', () => {
    const [, secret] = Object.entries(template.findResources('AWS::SecretsManager::Secret')).find(([id]) => id.startsWith('KeyStoreKmsUserSecret'))!;
    expect(secret.Properties.GenerateSecretString).toEqual({
      PasswordLength: 32, ExcludePunctuation: true, IncludeSpace: false, RequireEachIncludedType: true,
    });
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  test('the admin host may read the kmsuser secret, granted before the key store runs', () => {
    const hostPolicyId = Object.keys(template.findResources('AWS::IAM::Policy')).find((id) => id.startsWith('ClusterAdminHostRole'))!;
    const hostStatements: any[] = template.toJSON().Resources[hostPolicyId].Properties.PolicyDocument.Statement;
    const secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret')).find((id) => id.startsWith('KeyStoreKmsUserSecret'));
    expect(hostStatements).toContainEqual({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: { Ref: secretId } });
    expect(store.DependsOn).toContain(hostPolicyId);
  });

  test('the name is an attribute; the id is the resource\'s Ref', () => {
    const s = build().store;
    expect(Stack.of(s).resolve(s.customKeyStoreId)).toEqual({ Ref: expect.stringMatching(/^KeyStore/) });
    expect(Stack.of(s).resolve(s.customKeyStoreName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^KeyStore/), 'CustomKeyStoreName'] });
    expect(Stack.of(s).resolve(s.connectionState)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^KeyStore/), 'ConnectionState'] });
  });

  test('a default name is made from the construct path, unique in the app', () => {
    const a = Template.fromStack(build().stack);
    const name = resourceOf(a, 'Custom::CloudHsmKeyStore')[1].Properties.CustomKeyStoreName;
    expect(name).toMatch(/^Stack-KeyStore-[0-9A-F]{8}$/);
  });
});

describe('synth-time checks of the cluster\'s HSMs', () => {
  const synthError = (zones: string[]) => {
    const { stack } = build({}, zones);
    try {
      Template.fromStack(stack);
    } catch (e) {
      return (e as Error).message;
    }
    return '(nothing thrown)';
  };

  test('one HSM is refused: KMS needs two in different zones', () => {
    expect(synthError(['us-east-1a'])).toContain('HsmKeyStore Stack/KeyStore: cluster (ClusterId): Stack/Cluster has 1 HSM(s); a KMS key store needs at least two ACTIVE HSMs in different Availability Zones: add HSMs with addHsm (in two zones)');
  });

  test('HSMs all in one zone are refused', () => {
    expect(synthError(['us-east-1a', 'us-east-1a', 'us-east-1a'])).toContain('HsmKeyStore Stack/KeyStore: cluster (ClusterId): every HSM of Stack/Cluster is in us-east-1a; a KMS key store needs HSMs in at least two Availability Zones: place one in another zone (availabilityZone)');
  });

  test('two HSMs in two zones pass; HSMs added after the key store count', () => {
    expect(synthError(['us-east-1a', 'us-east-1b'])).toBe('(nothing thrown)');
    const { stack, cluster } = build({}, ['us-east-1a']);
    cluster.addHsm('Late', { availabilityZone: 'us-east-1b' });
    const store = resourceOf(Template.fromStack(stack), 'Custom::CloudHsmKeyStore')[1];
    expect(store.DependsOn.filter((id: string) => id.startsWith('ClusterLate'))).toHaveLength(1);
  });
});

describe('removal', () => {
  test('DESTROY deletes the store and its generated secret with the stack', () => {
    const template = Template.fromStack(build({ removalPolicy: RemovalPolicy.DESTROY }).stack);
    expect(resourceOf(template, 'Custom::CloudHsmKeyStore')[1].DeletionPolicy).toBe('Delete');
    const secrets = Object.entries(template.findResources('AWS::SecretsManager::Secret')).filter(([id]) => id.startsWith('KeyStoreKmsUserSecret'));
    expect(secrets[0][1].DeletionPolicy).toBe('Delete');
  });
});

describe('a given kmsuser secret', () => {
  test('is used as it is: no secret generated, the handler and host read that one', () => {
    const stack = testStack('Given');
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Kms', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kmsuser-AbCdEf');
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
    const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {} });
    cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
    cluster.addHsm('Hsm2', { availabilityZone: 'us-east-1b' });
    const store = new HsmKeyStore(stack, 'KeyStore', { cluster, kmsUserSecret: secret });
    expect(store.kmsUserSecret).toBe(secret);
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret')).filter((id) => id.startsWith('KeyStore'))).toEqual([]);
    template.hasResourceProperties('Custom::CloudHsmKeyStore', { KmsUserSecretArn: secret.secretArn });
  });
});

describe('the provider role', () => {
  const template = Template.fromStack(build().stack);
  const statements = (): any[] => Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith('CdkCloudHsmProviderHandlerRole'))
    .flatMap(([, p]: [string, any]) => p.Properties.PolicyDocument.Statement);
  const sid = (name: string) => statements().find((s) => s.Sid === name);

  test('manages custom key stores (KMS offers no resource-level permissions for them)', () => {
    expect(sid('ManageCustomKeyStores')).toMatchObject({
      Action: ['kms:CreateCustomKeyStore', 'kms:ConnectCustomKeyStore', 'kms:DisconnectCustomKeyStore',
        'kms:UpdateCustomKeyStore', 'kms:DeleteCustomKeyStore', 'kms:DescribeCustomKeyStores'],
      Resource: '*',
    });
  });

  test('reads the kmsuser secret only, and never the admin secret', () => {
    const reads = statements().filter((s) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ Sid: 'ReadKmsUserSecrets', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: expect.stringMatching(/^KeyStoreKmsUserSecret/) } });
  });

  test('sends commands to the admin host and the AWS-RunShellScript document only', () => {
    const send = sid('SendActivationCommands');
    expect(send.Action).toBe('ssm:SendCommand');
    expect(JSON.stringify(send.Resource)).toContain('document/AWS-RunShellScript');
    expect(JSON.stringify(send.Resource)).toContain('instance/');
    expect([send.Resource].flat()).toHaveLength(2);
  });

  test('may create only KMS\'s custom-key-store service-linked role', () => {
    expect(sid('KmsCustomKeyStoresServiceLinkedRole')).toMatchObject({
      Action: 'iam:CreateServiceLinkedRole',
      Condition: { StringEquals: { 'iam:AWSServiceName': 'cks.kms.amazonaws.com' } },
    });
    expect(JSON.stringify(sid('KmsCustomKeyStoresServiceLinkedRole').Resource)).toContain('role/aws-service-role/cks.kms.amazonaws.com/AWSServiceRoleForKeyManagementServiceCustomKeyStores');
  });
});

describe('keys', () => {
  test('addKey makes a key in this store, created after the store is CONNECTED', () => {
    const { stack, store } = build();
    const key = store.addKey('Key', { description: 'data' });
    const template = Template.fromStack(stack);
    const [keyId, keyResource] = resourceOf(template, 'Custom::CloudHsmKmsKey');
    const storeId = resourceOf(template, 'Custom::CloudHsmKeyStore')[0];
    expect(keyResource.Properties.CustomKeyStoreId).toEqual({ Ref: storeId });
    expect(keyResource.DependsOn).toContain(storeId);
    expect(stack.resolve(key.keyArn)).toBeDefined();
    expect(keyId).toMatch(/^KeyStoreKey/);
  });

  test('an imported store adds keys with its id', () => {
    const stack = new Stack(new App(), 'Imported');
    const imported = HsmKeyStore.fromCustomKeyStoreId(stack, 'Store', 'cks-1234567890abcdef0');
    expect(imported.customKeyStoreId).toBe('cks-1234567890abcdef0');
    const key: kms.IKey = imported.addKey('Key');
    expect(key).toBeDefined();
    Template.fromStack(stack).hasResourceProperties('Custom::CloudHsmKmsKey', { CustomKeyStoreId: 'cks-1234567890abcdef0' });
  });

  test('examples/key-store: the key encrypts the bucket; the grant is aws-cdk-lib\'s', () => {
    const { stack } = keyStoreStack();
    const template = Template.fromStack(stack);
    const keyId = resourceOf(template, 'Custom::CloudHsmKmsKey')[0];
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } }] },
    });
    const bucket = Object.entries(template.findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('Data'))![1];
    expect(JSON.stringify(bucket.Properties.BucketEncryption)).toContain(keyId);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Resource: Match.anyValue() })]) },
    });
  });
});
