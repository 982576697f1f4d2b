// examples/application: the application host's rights and network, reasoned from the constructs:
// its role may read only its own crypto user's secret (GetSecretValue) and the trust anchor
// parameter (GetParameter), and describe clusters; TCP 2223-2225 is the only path between its
// security group and the cluster's. Also the audit alarm on failed logins and the user data.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { applicationApp, ApplicationStack } from '../../examples/application/app';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-application-'));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const { stack } = applicationApp({}, outdir);
const t = Template.fromStack(stack);

/** The logical id of a construct's CloudFormation resource, as the stack names it (an L2's, or a custom resource's default child). */
function logicalId(c: Construct): string {
  let element: IConstruct = c;
  while (!CfnElement.isCfnElement(element)) element = element.node.defaultChild!;
  return stack.getLogicalId(element as CfnElement);
}
const resources = (type: string) => Object.values(t.findResources(type)) as any[];
const ports = (rule: any) => ({ IpProtocol: rule.IpProtocol, FromPort: rule.FromPort, ToPort: rule.ToPort });
const HSM_PORTS = { IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225 };

describe('the application role', () => {
  const role = stack.host.role as iam.Role;
  const roleRef = { Ref: logicalId(role) };
  const policies = resources('AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties.Roles).includes(JSON.stringify(roleRef)));

  test('has one policy and no managed or inline policy of its own', () => {
    expect(policies).toHaveLength(1);
    const body = t.findResources('AWS::IAM::Role')[logicalId(role)].Properties;
    expect(body.ManagedPolicyArns).toBeUndefined();
    expect(body.Policies).toBeUndefined();
  });

  test('reads only its own user\'s secret and the trust anchor parameter, and describes clusters', () => {
    // The user's secret: the CryptoUser's own Secrets Manager secret, the one its custom resource names.
    const secretArn = { Ref: logicalId(stack.cryptoUser.passwordSecret) };
    const user = resources('Custom::CloudHsmCryptoUser');
    expect(user.map((u) => u.Properties.UserSecretArn)).toEqual([secretArn]);
    // The parameter's ARN, built from its logical id: an SSM parameter ARN in the stack's account and region.
    const parameterId = logicalId(stack.client.trustAnchorParameter);
    const parameterArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:us-east-1:123456789012:parameter/', { Ref: parameterId }]] };
    const trustAnchor = Object.keys(t.findResources('Custom::CloudHsmTrustAnchor'));
    expect(trustAnchor).toHaveLength(1);
    expect(t.findResources('AWS::SSM::Parameter')[parameterId].Properties.Value).toEqual({ 'Fn::GetAtt': [trustAnchor[0], 'TrustAnchor'] });

    const statements = policies[0].Properties.PolicyDocument.Statement;
    const byAction = (a: any, b: any) => String(a.Action).localeCompare(String(b.Action));
    expect([...statements].sort(byAction)).toEqual([
      { Action: 'cloudhsm:DescribeClusters', Effect: 'Allow', Resource: '*' },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: secretArn },
      { Action: 'ssm:GetParameter', Effect: 'Allow', Resource: parameterArn },
    ]);
  });

  test('no other policy of the stack names the role', () => {
    const others = [...resources('AWS::IAM::Policy'), ...resources('AWS::IAM::ManagedPolicy')]
      .filter((p) => !policies.includes(p) && JSON.stringify(p.Properties).includes(JSON.stringify(roleRef)));
    expect(others).toEqual([]);
  });
});

describe('the security groups', () => {
  const app = { 'Fn::GetAtt': [logicalId(stack.hostSecurityGroup), 'GroupId'] };
  const clusterGroups = stack.cluster.connections.securityGroups.map((g) => Stack.of(stack).resolve(g.securityGroupId));
  const cluster = clusterGroups[0];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const egress = resources('AWS::EC2::SecurityGroupEgress').map((r) => r.Properties);
  const ingress = resources('AWS::EC2::SecurityGroupIngress').map((r) => r.Properties);

  test('the cluster has one security group (CloudHSM\'s, from the cluster resource)', () => {
    expect(clusterGroups).toEqual([{ 'Fn::GetAtt': [logicalId(stack.cluster), 'SecurityGroupId'] }]);
  });

  test('app to cluster: exactly one egress rule, TCP 2223-2225', () => {
    const rules = egress.filter((r) => same(r.GroupId, app));
    expect(rules.map((r) => ({ ...ports(r), to: r.DestinationSecurityGroupId }))).toEqual([{ ...HSM_PORTS, to: cluster }]);
  });

  test('cluster from app: exactly one ingress rule, TCP 2223-2225', () => {
    const rules = ingress.filter((r) => same(r.SourceSecurityGroupId, app));
    expect(rules.map((r) => ({ ...ports(r), into: r.GroupId }))).toEqual([{ ...HSM_PORTS, into: cluster }]);
  });

  test('nothing wider: the cluster admits only TCP 2223-2225, the app admits nothing and sends only HTTPS besides', () => {
    expect(ingress.filter((r) => same(r.GroupId, cluster)).map(ports)).toEqual(expect.arrayContaining([HSM_PORTS]));
    expect(ingress.filter((r) => same(r.GroupId, cluster)).every((r) => same(ports(r), HSM_PORTS))).toBe(true);
    expect(egress.filter((r) => same(r.DestinationSecurityGroupId, cluster)).every((r) => same(ports(r), HSM_PORTS))).toBe(true);
    expect(ingress.filter((r) => same(r.GroupId, app))).toEqual([]);
    const group = t.findResources('AWS::EC2::SecurityGroup')[logicalId(stack.hostSecurityGroup)].Properties;
    expect(group.SecurityGroupIngress).toBeUndefined();
    expect(group.SecurityGroupEgress.map((r: any) => ({ ...ports(r), CidrIp: r.CidrIp })))
      .toEqual([{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }]);
  });
});

describe('the host and the audit logs', () => {
  test('the user data configures PKCS #11 by cluster id and names the user\'s secret; no password in the template', () => {
    const instance = t.findResources('AWS::EC2::Instance')[logicalId(stack.host)];
    // The user data is a join of text and references: the value after each `export NAME='`.
    const parts: unknown[] = instance.Properties.UserData['Fn::Base64']['Fn::Join'][1];
    const exported = (name: string) => parts[parts.findIndex((p) => typeof p === 'string' && p.endsWith(`export ${name}='`)) + 1];
    expect(exported('CDK_CLOUDHSM_CLUSTER_ID')).toEqual({ Ref: logicalId(stack.cluster) });
    expect(exported('CDK_CLOUDHSM_USER_SECRET_ARN')).toEqual({ Ref: logicalId(stack.cryptoUser.passwordSecret) });
    expect(exported('CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER')).toEqual({ Ref: logicalId(stack.client.trustAnchorParameter) });
    expect(parts.join('')).toContain('export CDK_CLOUDHSM_LIBRARIES=\'pkcs11\'\n');
    expect(parts.join('')).toMatch(/configure-\$lib" --cluster-id "\$CDK_CLOUDHSM_CLUSTER_ID"/);
    // IMDSv2 only (a launch template with required tokens).
    t.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } });
    expect(JSON.stringify(t.toJSON())).not.toMatch(/"SecretString"/);
  });

  test('an alarm at the first failed login, counted from the cluster\'s audit log group', () => {
    const filters = resources('AWS::Logs::MetricFilter');
    expect(filters).toHaveLength(1);
    expect(filters[0].Properties.LogGroupName).toEqual({ 'Fn::Join': ['', ['/aws/cloudhsm/', { Ref: logicalId(stack.cluster) }]] });
    const metric = filters[0].Properties.MetricTransformations[0];
    expect(metric.MetricNamespace).toBe('CdkCloudHsm/Audit');
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: metric.MetricName,
      Namespace: 'CdkCloudHsm/Audit',
      Threshold: 1,
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});

test('the stack is the ApplicationStack of the example app', () => {
  expect(stack).toBeInstanceOf(ApplicationStack);
  expect(stack.stackName).toBe('CloudHsmApplication');
});
