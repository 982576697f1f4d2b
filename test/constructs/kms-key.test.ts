// HsmKey against aws-cdk-lib's kms.Key: each test builds the same app twice, once with a kms.Key and
// once with an HsmKey under the same construct id, and compares what aws-cdk-lib synthesizes for the
// first with what the HsmKey synthesizes (the key's logical id is the only difference allowed).
import { App, Duration, PhysicalName, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { HsmKey, HsmKeyOptions } from '../../src';

const KEY_STORE_ID = 'cks-1234567890abcdef0';
const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';

type Flavour = 'kms.Key' | 'HsmKey';

function makeKey(flavour: Flavour, scope: Stack, options: HsmKeyOptions = {}): kms.IKey {
  if (flavour === 'kms.Key') {
    return new kms.Key(scope, 'Key', {
      description: options.description,
      alias: options.alias,
      policy: options.policy,
      admins: options.admins,
      removalPolicy: options.removalPolicy,
      pendingWindow: options.pendingWindow,
    });
  }
  return new HsmKey(scope, 'Key', { ...options, customKeyStoreId: KEY_STORE_ID });
}

/** The key resource's logical id: the AWS::KMS::Key or the Custom::CloudHsmKmsKey. */
function keyLogicalId(template: Template): string {
  const ids = [
    ...Object.keys(template.findResources('AWS::KMS::Key')),
    ...Object.keys(template.findResources('Custom::CloudHsmKmsKey')),
  ];
  expect(ids).toHaveLength(1);
  return ids[0];
}

/**
 * Resources of the given types with the key's logical id replaced by KEY; the cdk-cloudhsm
 * provider's own resources (its handler role and policies) are left out.
 */
function normalized(template: Template, types: string[], keyId: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const type of types) Object.assign(out, template.findResources(type));
  for (const id of Object.keys(out)) if (id.startsWith('CdkCloudHsmProvider')) delete out[id];
  return JSON.parse(JSON.stringify(out).split(keyId).join('KEY'));
}

/** The key policy as synthesized: KeyPolicy of AWS::KMS::Key, Policy of Custom::CloudHsmKmsKey. */
function keyPolicy(template: Template): unknown {
  const id = keyLogicalId(template);
  const res = template.toJSON().Resources[id];
  const policy = res.Type === 'AWS::KMS::Key' ? res.Properties.KeyPolicy : res.Properties.Policy;
  return JSON.parse(JSON.stringify(policy).split(id).join('KEY'));
}

interface Built { readonly key: Template; readonly grantee?: Template; readonly keyId: string }

/**
 * Builds a key stack (and a separate grantee stack when `granteeEnv` is given), lets `use` act on
 * the key, and returns the synthesized templates.
 */
function build(flavour: Flavour, use: (key: kms.IKey, keyStack: Stack, granteeStack: Stack) => void,
  options: HsmKeyOptions = {}, granteeEnv?: { account: string; region: string }): Built {
  const app = new App();
  const keyStack = new Stack(app, 'KeyStack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const granteeStack = granteeEnv ? new Stack(app, 'GranteeStack', { env: granteeEnv }) : keyStack;
  const key = makeKey(flavour, keyStack, options);
  use(key, keyStack, granteeStack);
  const keyTemplate = Template.fromStack(keyStack);
  return {
    key: keyTemplate,
    grantee: granteeEnv ? Template.fromStack(granteeStack) : undefined,
    keyId: keyLogicalId(keyTemplate),
  };
}

const IAM_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::Role'];

/** Everything a grant changes: the key policy and the IAM policies of both stacks. */
function grantOutcome(b: Built): Record<string, unknown> {
  return {
    keyPolicy: keyPolicy(b.key),
    iamInKeyStack: normalized(b.key, ['AWS::IAM::Policy'], b.keyId),
    iamInGranteeStack: b.grantee ? normalized(b.grantee, IAM_TYPES, b.keyId) : undefined,
  };
}

const GRANTS: Record<string, (key: kms.IKey, grantee: iam.IGrantable) => void> = {
  grantDecrypt: (k, g) => k.grantDecrypt(g),
  grantEncrypt: (k, g) => k.grantEncrypt(g),
  grantEncryptDecrypt: (k, g) => k.grantEncryptDecrypt(g),
  grantGenerateMac: (k, g) => k.grantGenerateMac(g),
  grantVerifyMac: (k, g) => k.grantVerifyMac(g),
  grantSign: (k, g) => k.grantSign(g),
  grantVerify: (k, g) => k.grantVerify(g),
  grantSignVerify: (k, g) => k.grantSignVerify(g),
  grant: (k, g) => k.grant(g, 'kms:DescribeKey', 'kms:GetPublicKey'),
  grantAdmin: (k, g) => (k as kms.Key | HsmKey).grantAdmin(g),
};

describe('grants synthesize as aws-cdk-lib\'s kms.Key grants', () => {
  const roleIn = (stack: Stack) => new iam.Role(stack, 'Grantee', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    roleName: PhysicalName.GENERATE_IF_NEEDED,
  });

  test.each(Object.keys(GRANTS))('%s to a role of the same stack', (name) => {
    const use = (key: kms.IKey, stack: Stack) => GRANTS[name](key, roleIn(stack));
    const expected = grantOutcome(build('kms.Key', use));
    const actual = grantOutcome(build('HsmKey', use));
    expect(actual).toEqual(expected);
    // The grant reached an IAM policy (a comparison of two empty outcomes would prove nothing).
    expect(JSON.stringify(actual)).toContain('kms:');
  });

  test.each(Object.keys(GRANTS))('%s to a role of another account', (name) => {
    const use = (key: kms.IKey, _s: Stack, granteeStack: Stack) => GRANTS[name](key, roleIn(granteeStack));
    const env = { account: OTHER_ACCOUNT, region: 'us-east-1' };
    const expected = grantOutcome(build('kms.Key', use, {}, env));
    const actual = grantOutcome(build('HsmKey', use, {}, env));
    expect(actual).toEqual(expected);
    // Across accounts the key policy names the other account.
    expect(JSON.stringify(actual)).toContain(OTHER_ACCOUNT);
  });

  test('grants to a principal that is not a CDK resource (account principal)', () => {
    const use = (key: kms.IKey) => key.grantDecrypt(new iam.AccountPrincipal(OTHER_ACCOUNT));
    expect(grantOutcome(build('HsmKey', use))).toEqual(grantOutcome(build('kms.Key', use)));
  });

  test('admins', () => {
    const b = (f: Flavour) => {
      const app = new App();
      const stack = new Stack(app, 'KeyStack', { env: { account: ACCOUNT, region: 'us-east-1' } });
      const admin = new iam.User(stack, 'Admin');
      makeKey(f, stack, { admins: [admin] });
      const t = Template.fromStack(stack);
      return { keyPolicy: keyPolicy(t), iam: normalized(t, ['AWS::IAM::Policy'], keyLogicalId(t)) };
    };
    const expected = b('kms.Key');
    expect(b('HsmKey')).toEqual(expected);
    expect(JSON.stringify(expected)).toContain('kms:ScheduleKeyDeletion');
  });
});

describe('key policy', () => {
  test('the default is kms.Key\'s: the account root may do everything', () => {
    const expected = keyPolicy(build('kms.Key', () => undefined).key);
    expect(keyPolicy(build('HsmKey', () => undefined).key)).toEqual(expected);
    expect(JSON.stringify(expected)).toContain('"kms:*"');
  });

  test('a given policy is taken as it is', () => {
    const policy = () => new iam.PolicyDocument({
      statements: [new iam.PolicyStatement({ actions: ['kms:*'], resources: ['*'], principals: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/KeyAdmin')] })],
    });
    const expected = keyPolicy(build('kms.Key', () => undefined, { policy: policy() }).key);
    expect(keyPolicy(build('HsmKey', () => undefined, { policy: policy() }).key)).toEqual(expected);
    expect(JSON.stringify(expected)).toContain('role/KeyAdmin');
  });

  test('addToResourcePolicy after construction lands in the synthesized policy', () => {
    const statement = () => new iam.PolicyStatement({
      actions: ['kms:Decrypt'], resources: ['*'], principals: [new iam.ServicePrincipal('logs.amazonaws.com')],
    });
    const use = (key: kms.IKey) => {
      const result = key.addToResourcePolicy(statement());
      expect(result.statementAdded).toBe(true);
    };
    const expected = keyPolicy(build('kms.Key', use).key);
    const actual = keyPolicy(build('HsmKey', use).key);
    expect(actual).toEqual(expected);
    expect(JSON.stringify(actual)).toContain('logs.amazonaws.com');
  });
});

describe('use by other constructs', () => {
  test('as the encryption key of an S3 bucket, with the bucket\'s grants', () => {
    const use = (key: kms.IKey, stack: Stack) => {
      const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key });
      bucket.grantReadWrite(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    };
    const outcome = (b: Built) => ({
      ...grantOutcome(b),
      bucket: normalized(b.key, ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'], b.keyId),
    });
    const kmsBuilt = build('kms.Key', use);
    const hsmBuilt = build('HsmKey', use);
    expect(outcome(hsmBuilt)).toEqual(outcome(kmsBuilt));
    // The bucket is encrypted with the HsmKey's ARN, which the custom resource returns.
    hsmBuilt.key.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [hsmBuilt.keyId, 'Arn'] } },
        }],
      },
    });
  });

  test('alias and addAlias make AWS::KMS::Alias resources as kms.Key does', () => {
    const use = (key: kms.IKey) => {
      const alias = key.addAlias('alias/second');
      expect(alias).toBeInstanceOf(kms.Alias);
    };
    const b = (f: Flavour) => {
      const built = build(f, use, { alias: 'app-data' });
      return normalized(built.key, ['AWS::KMS::Alias'], built.keyId);
    };
    const expected = b('kms.Key');
    expect(b('HsmKey')).toEqual(expected);
    expect(JSON.stringify(expected)).toContain('alias/app-data');
    expect(JSON.stringify(expected)).toContain('alias/second');
  });
});

describe('the custom resource', () => {
  function synth(options: HsmKeyOptions = {}, configure?: (key: HsmKey, stack: Stack) => void) {
    const stack = new Stack(new App(), 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const key = new HsmKey(stack, 'Key', { ...options, customKeyStoreId: KEY_STORE_ID });
    configure?.(key, stack);
    return { stack, key, template: Template.fromStack(stack) };
  }

  test('CustomKeyStoreId, Description, PendingWindowInDays, tags; attributes KeyId (ref) and Arn', () => {
    const { stack, key, template } = synth({ description: 'app data', pendingWindow: Duration.days(7) }, (k) => Tags.of(k).add('team', 'data'));
    template.hasResourceProperties('Custom::CloudHsmKmsKey', {
      CustomKeyStoreId: KEY_STORE_ID,
      Description: 'app data',
      PendingWindowInDays: 7,
      Tags: [{ Key: 'team', Value: 'data' }],
    });
    const id = keyLogicalId(template);
    expect(stack.resolve(key.keyId)).toEqual({ Ref: id });
    expect(stack.resolve(key.keyArn)).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
    expect(stack.resolve(key.keyRef)).toEqual({ keyId: { Ref: id }, keyArn: { 'Fn::GetAtt': [id, 'Arn'] } });
  });

  test('retained by default, as kms.Key; DESTROY deletes; the pending window defaults to 30 days', () => {
    const retained = synth().template.toJSON().Resources;
    const [res] = Object.values(retained).filter((r: any) => r.Type === 'Custom::CloudHsmKmsKey') as any[];
    const kmsKey = Template.fromStack(((): Stack => {
      const s = new Stack(new App(), 'S');
      new kms.Key(s, 'Key');
      return s;
    })()).toJSON().Resources;
    const [cfnKey] = Object.values(kmsKey) as any[];
    expect({ DeletionPolicy: res.DeletionPolicy, UpdateReplacePolicy: res.UpdateReplacePolicy })
      .toEqual({ DeletionPolicy: cfnKey.DeletionPolicy, UpdateReplacePolicy: cfnKey.UpdateReplacePolicy });
    expect(res.DeletionPolicy).toBe('Retain');
    expect(res.Properties.PendingWindowInDays).toBe(30);

    synth({ removalPolicy: RemovalPolicy.DESTROY }).template.hasResource('Custom::CloudHsmKmsKey', { DeletionPolicy: 'Delete' });
    synth({}, (k) => k.applyRemovalPolicy(RemovalPolicy.DESTROY)).template.hasResource('Custom::CloudHsmKmsKey', { DeletionPolicy: 'Delete' });
  });

  test.each([[6], [31], [7.5]])('a pending window of %d days fails at synth naming the property', (days) => {
    expect(() => synth({ pendingWindow: Duration.days(days) }))
      .toThrow(`HsmKey Stack/Key: pendingWindow (PendingWindowInDays): ${days} days is not valid; KMS schedules the deletion of a key a whole number of days from 7 to 30 ahead`);
  });

  test.each([[7], [30]])('a pending window of %d days is accepted', (days) => {
    synth({ pendingWindow: Duration.days(days) }).template.hasResourceProperties('Custom::CloudHsmKmsKey', { PendingWindowInDays: days });
  });

  test('bad description, key store id and tags fail at synth naming the property', () => {
    expect(() => synth({ description: 'x'.repeat(8193) })).toThrow(/description \(Description\): 8193 characters is too long/);
    const stack = new Stack(new App(), 'Stack');
    expect(() => new HsmKey(stack, 'Key', { customKeyStoreId: '' })).toThrow(/customKeyStoreId \(CustomKeyStoreId\): "" is not a custom key store id/);
    const tagged = new HsmKey(new Stack(new App(), 'Tagged'), 'Key', { customKeyStoreId: KEY_STORE_ID });
    Tags.of(tagged).add('cdk-cloudhsm:mine', 'x');
    expect(() => Template.fromStack(Stack.of(tagged))).toThrow(/tags \(Tags\): tag key "cdk-cloudhsm:mine" uses the reserved prefix "cdk-cloudhsm:"/);
  });

  test('the handler role may create keys only in key stores, with the request tag, and change only keys it tagged', () => {
    const { template } = synth();
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const bySid = (sid: string) => statements.find((s: any) => s.Sid === sid);
    expect(bySid('CreateKmsKeysInKeyStores')).toEqual(expect.objectContaining({
      Action: 'kms:CreateKey',
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:KeyOrigin': 'AWS_CLOUDHSM' },
        Null: { 'aws:RequestTag/cdk-cloudhsm:create-request': 'false' },
      },
    }));
    const keyArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:us-east-1:${ACCOUNT}:key/*`]] };
    expect(bySid('ManageKmsKeys')).toEqual(expect.objectContaining({
      Action: ['kms:UpdateKeyDescription', 'kms:PutKeyPolicy', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion'],
      Resource: keyArn,
      Condition: { Null: { 'aws:ResourceTag/cdk-cloudhsm:create-request': 'false' } },
    }));
    expect(bySid('TagNewKmsKeys')).toEqual(expect.objectContaining({
      Action: 'kms:TagResource',
      Resource: keyArn,
      Condition: { Null: { 'aws:RequestTag/cdk-cloudhsm:create-request': 'false' } },
    }));
    // Nothing else of KMS on every resource: only CreateKey (conditioned) and the list/describe reads.
    const starKms = statements.filter((s: any) => s.Resource === '*' && JSON.stringify(s.Action).includes('kms:'));
    expect(starKms.map((s: any) => s.Action)).toEqual(['kms:CreateKey', ['kms:ListKeys', 'kms:DescribeCustomKeyStores']]);
  });
});
