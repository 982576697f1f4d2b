// Template assertions for the rotation of a crypto user's password (`rotation` of a CryptoUser):
// the shared rotation function (index.rotate) told the user and role, its schedule after the user
// exists, rights on the user's secret only (the admin host reads the admin's), and the synth-time
// refusals of a secret that is also another user's password.
import { App, Aspects, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClusterInitialization, CryptoUserOptions, HsmCluster } from '../../src';
import { CERTS, testStack } from '../fixtures/stack';

function cluster(stack: Stack): HsmCluster {
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const c = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {} });
  c.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  return c;
}

function build(options: Partial<CryptoUserOptions> = {}): Template {
  const stack = testStack();
  cluster(stack).addCryptoUser('Signer', { username: 'Signer', rotation: { automaticallyAfter: Duration.days(14) }, ...options });
  return Template.fromStack(stack);
}

/** The statements of the IAM policies attached to the role of the function `fnId`. */
function statementsOf(t: Template, fn: any): any[] {
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

test('a rotated crypto user gets the rotation function (index.rotate) for its name and role, and a schedule after the user', () => {
  const t = build();
  const fns = Object.entries(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.rotate' } }));
  expect(fns).toHaveLength(1);
  const [fnId, fn] = fns[0];
  const env = JSON.stringify(fn.Properties.Environment.Variables.CDK_CLOUDHSM_ROTATION);
  expect(env).toContain('\\"Username\\":\\"signer\\"');
  expect(env).toContain('\\"Role\\":\\"crypto-user\\"');
  // The admin secret by ARN (the host reads it), no JSON field: a crypto user's secret is a plain string.
  expect(env).not.toContain('SecretField');
  const [, schedule] = Object.entries(t.findResources('AWS::SecretsManager::RotationSchedule'))[0];
  expect(Object.keys(t.findResources('AWS::SecretsManager::RotationSchedule'))).toHaveLength(1);
  expect(schedule.Properties.RotationLambdaARN).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
  expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(14 days)' });
  const userSecret = Object.keys(t.findResources('AWS::SecretsManager::Secret')).find((id) => id.startsWith('ClusterSignerPasswordSecret'));
  expect(userSecret).toBeDefined();
  expect(schedule.Properties.SecretId).toEqual({ Ref: userSecret });
  const userId = Object.keys(t.findResources('Custom::CloudHsmCryptoUser'))[0];
  expect(schedule.DependsOn).toEqual(expect.arrayContaining([userId]));
  t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'secretsmanager.amazonaws.com', FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] } });
});

test('least privilege: the function writes the user\'s secret only, never the admin\'s; commands only through AWS-RunShellScript', () => {
  const t = build();
  const [, fn] = Object.entries(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.rotate' } }))[0];
  const statements = statementsOf(t, fn);
  const secretStatements = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('secretsmanager:') && a !== 'secretsmanager:GetRandomPassword'));
  expect(secretStatements.length).toBeGreaterThan(0);
  const userSecret = Object.keys(t.findResources('AWS::SecretsManager::Secret')).find((id) => id.startsWith('ClusterSignerPasswordSecret'))!;
  for (const st of secretStatements) expect(st.Resource).toEqual({ Ref: userSecret });
  const adminSecret = Object.keys(t.findResources('AWS::SecretsManager::Secret')).find((id) => id.startsWith('ClusterAdminSecret'))!;
  expect(JSON.stringify(statements)).not.toContain(adminSecret);
  expect([...new Set(secretStatements.flatMap((st) => [st.Action].flat()))].sort()).toEqual([
    'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage',
  ]);
  const send = statements.find((st) => st.Action === 'ssm:SendCommand');
  expect(JSON.stringify(send.Resource)).toContain(':document/AWS-RunShellScript');
  expect(JSON.stringify(send.Resource)).not.toContain('"*"');
});

test('a rotated secret carries no "not rotated" cdk-nag reason; an unrotated one still does', () => {
  const reasons = (t: Template) => JSON.stringify(Object.entries(t.findResources('AWS::SecretsManager::Secret'))
    .filter(([id]) => id.startsWith('ClusterSignerPasswordSecret')).map(([, r]) => r.Metadata ?? {}));
  expect(reasons(build())).not.toContain('AwsSolutions-SMG4');
  expect(reasons(build({ rotation: undefined }))).toContain('AwsSolutions-SMG4');
  expect(Object.keys(build({ rotation: undefined }).findResources('AWS::SecretsManager::RotationSchedule'))).toHaveLength(0);
});

test('a given plain secret is rotated; an interval outside Secrets Manager\'s bounds is refused', () => {
  const stack = testStack();
  const c = cluster(stack);
  const secret = new secretsmanager.Secret(stack, 'Given', { generateSecretString: { passwordLength: 32, excludePunctuation: true } });
  c.addCryptoUser('Signer', { username: 'signer', passwordSecret: secret, rotation: {} });
  const t = Template.fromStack(stack);
  const [, schedule] = Object.entries(t.findResources('AWS::SecretsManager::RotationSchedule'))[0];
  expect(schedule.Properties.SecretId).toEqual({ Ref: Object.keys(t.findResources('AWS::SecretsManager::Secret')).find((id) => id.startsWith('Given')) });
  expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
  expect(() => build({ rotation: { automaticallyAfter: Duration.hours(2) } })).toThrow(/4 hours to 1000 days/);
});

describe('a rotated secret must be this user\'s password only', () => {
  test('the cluster\'s admin secret is refused', () => {
    const stack = testStack();
    const c = cluster(stack);
    expect(() => c.addCryptoUser('Signer', { username: 'signer', passwordSecret: c.adminSecret, rotation: {} }))
      .toThrow(/passwordSecret.*also the cluster's admin secret; a rotated secret must hold this user's password only/);
  });

  test('another crypto user\'s secret is refused, whichever of the two rotates it', () => {
    for (const [first, second] of [[true, false], [false, true], [true, true]]) {
      const stack = testStack();
      const c = cluster(stack);
      const shared = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Shared', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cu-AbCdEf');
      c.addCryptoUser('A', { username: 'a', passwordSecret: shared, rotation: first ? {} : undefined });
      expect(() => c.addCryptoUser('B', { username: 'b', passwordSecret: shared, rotation: second ? {} : undefined }))
        .toThrow(/also the password of the crypto user .*\/A.*give each user a secret of its own/);
    }
  });

  test('a secret shared by users none of which rotates it stays allowed', () => {
    const stack = testStack();
    const c = cluster(stack);
    const shared = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Shared', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cu-AbCdEf');
    c.addCryptoUser('A', { username: 'a', passwordSecret: shared });
    expect(() => c.addCryptoUser('B', { username: 'b', passwordSecret: shared })).not.toThrow();
  });
});

test('cdk-nag AwsSolutions: nothing on the rotation functions, their roles (own log group, no managed policy) or the rotated secrets', () => {
  const app = new App();
  const stack = new Stack(app, 'Nag', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const c = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: { rotation: {} } });
  c.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  c.addCryptoUser('Signer', { username: 'signer', rotation: {} });
  Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W3010', reason: 'CloudHSM places each HSM in a named Availability Zone' });
  Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  const a = Annotations.fromStack(stack);
  const findings = [...a.findError('*', Match.stringLikeRegexp('AwsSolutions-')), ...a.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))]
    .map((m) => `${m.id} ${String(m.entry.data).split(': ')[0]}`);
  // The test's own VPC has no flow log (VPC7); nothing else.
  expect(findings).toEqual(['/Nag/Vpc/Resource AwsSolutions-VPC7']);
  const t = Template.fromStack(stack);
  const roles = Object.values(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.rotate' } }))
    .map((fn) => t.toJSON().Resources[fn.Properties.Role['Fn::GetAtt'][0]]);
  expect(roles).toHaveLength(2);
  for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
});
