// Template assertions for the admin password's rotation (`rotation` of the activation): the
// rotation function from the handler package, its schedule (after the activation), its rights,
// and an environment that names secrets by ARN only.
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ClusterActivationOptions, ClusterInitialization, HsmCluster } from '../../src';
import { CERTS, testStack } from '../fixtures/stack';

function build(activation: ClusterActivationOptions): Template {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation });
  cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  return Template.fromStack(stack);
}

test('rotation adds a rotation function (index.rotate) and a schedule that waits for the activation', () => {
  const t = build({ rotation: { automaticallyAfter: Duration.days(7) } });
  const fns = t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.rotate' } });
  expect(Object.keys(fns)).toHaveLength(1);
  const [fnId, fn] = Object.entries(fns)[0];
  expect(fn.Properties.Timeout).toBe(900);
  const env = JSON.stringify(fn.Properties.Environment.Variables.CDK_CLOUDHSM_ROTATION);
  expect(env).toContain('\\"Username\\":\\"admin\\"');
  expect(env).toContain('\\"Role\\":\\"admin\\"');
  const schedules = t.findResources('AWS::SecretsManager::RotationSchedule');
  expect(Object.keys(schedules)).toHaveLength(1);
  const schedule = Object.values(schedules)[0];
  expect(schedule.Properties.RotationLambdaARN).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
  expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(7 days)' });
  const activationId = Object.keys(t.findResources('Custom::CloudHsmActivation'))[0];
  expect(schedule.DependsOn).toEqual(expect.arrayContaining([activationId]));
  // Secrets Manager may invoke it; it may send commands to the host only with AWS-RunShellScript.
  t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'secretsmanager.amazonaws.com', FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] } });
  const policies = Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(fn.Properties.Role['Fn::GetAtt'][0]));
  const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
  const send = statements.find((st: any) => st.Action === 'ssm:SendCommand');
  expect(JSON.stringify(send.Resource)).toContain(':document/AWS-RunShellScript');
  expect(statements.find((st: any) => Array.isArray(st.Action) && st.Action.includes('secretsmanager:PutSecretValue'))).toBeDefined();
});

test('no rotation unless asked; an interval outside Secrets Manager\'s bounds is refused at synth', () => {
  const t = build({});
  expect(Object.keys(t.findResources('AWS::SecretsManager::RotationSchedule'))).toHaveLength(0);
  expect(Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.rotate' } }))).toHaveLength(0);
  expect(() => build({ rotation: { automaticallyAfter: Duration.hours(1) } })).toThrow(/4 hours to 1000 days/);
});
