// Template assertions for HsmClient on an EC2 instance: the trust anchor parameter (the PEM, or
// the Private CA's certificate through Custom::CloudHsmTrustAnchor), the security group rules
// (TCP 2223-2225 between the instance and the cluster, nothing else), the role's rights (its own
// crypto user's secret, the trust anchor parameter, cloudhsm:DescribeClusters; nothing else), and
// the user data (cluster id, parameter, secret ARN; no password).
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ClusterInitialization, CryptoUser, HsmClient, HsmClientLibrary, HsmCluster } from '../../src';
import { CERTS, testStack } from '../fixtures/stack';

const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';

function build(withCa = false): { stack: Stack; instance: ec2.Instance; client: HsmClient; other: CryptoUser } {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const initialization = withCa
    ? ClusterInitialization.fromPrivateCa(acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_ARN))
    : ClusterInitialization.fromCertificates(CERTS);
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization, activation: {} });
  cluster.addHsms(2);
  const signer = new CryptoUser(stack, 'Signer', { cluster, username: 'signer' });
  const other = new CryptoUser(stack, 'Other', { cluster, username: 'other' });
  const instance = new ec2.Instance(stack, 'App', {
    vpc,
    instanceType: new ec2.InstanceType('t3.micro'),
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
  });
  const client = new HsmClient(stack, 'Client', { cryptoUser: signer, libraries: [HsmClientLibrary.PKCS11, HsmClientLibrary.JCE] });
  client.connectInstance(instance);
  return { stack, instance, client, other };
}

const refTo = (prefix: string) => expect.objectContaining({ Ref: expect.stringMatching(new RegExp(`^${prefix}`)) });

describe('an instance connected to the cluster', () => {
  const { stack } = build();
  const t = Template.fromStack(stack);
  const json = JSON.stringify(t.toJSON());

  test('the trust anchor parameter holds the cluster\'s trust anchor', () => {
    t.hasResourceProperties('AWS::SSM::Parameter', { Type: 'String', Value: CERTS.trustAnchor });
    t.resourceCountIs('Custom::CloudHsmTrustAnchor', 0);
  });

  test('the app role reads only its own user\'s secret and the trust anchor parameter, and describes clusters', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy')) as any[];
    const [policy] = policies.filter((p) => JSON.stringify(p.Properties.Roles).includes('AppInstanceRole'));
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    const byAction = (a: string) => statements.filter((s) => [s.Action].flat().includes(a));
    expect(byAction('secretsmanager:GetSecretValue').map((s) => s.Resource)).toEqual([refTo('SignerPasswordSecret')]);
    const ssmRead = byAction('ssm:GetParameter');
    expect(ssmRead).toHaveLength(1);
    expect(JSON.stringify(ssmRead[0].Resource)).toMatch(/ClientTrustAnchorParameter/);
    expect(byAction('cloudhsm:DescribeClusters')).toEqual([expect.objectContaining({ Resource: '*' })]);
    // Nothing else: every statement is one of these three.
    expect(statements.every((s) => /^(secretsmanager:(GetSecretValue|DescribeSecret)|ssm:(DescribeParameters|GetParameters|GetParameter|GetParameterHistory)|cloudhsm:DescribeClusters)$/
      .test([s.Action].flat().join('|').split('|')[0]))).toBe(true);
    expect(JSON.stringify(statements)).not.toContain('OtherPasswordSecret');
  });

  test('the security groups: TCP 2223-2225 from the app to the cluster, and no other rule between them', () => {
    const appGroup = Object.keys(t.findResources('AWS::EC2::SecurityGroup')).find((id) => id.startsWith('AppInstanceSecurityGroup'))!;
    const egress = Object.values(t.findResources('AWS::EC2::SecurityGroupEgress')).map((r: any) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes(appGroup));
    expect(egress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225 })]);
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r: any) => r.Properties)
      .filter((p) => JSON.stringify(p.SourceSecurityGroupId ?? '').includes(appGroup));
    expect(ingress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225 })]);
    expect(JSON.stringify(ingress[0].GroupId)).toContain('SecurityGroupId');
  });

  test('the user data configures the libraries by cluster id, names the parameter and the secret; no password anywhere', () => {
    const [instance] = Object.values(t.findResources('AWS::EC2::Instance')).filter((r: any) => JSON.stringify(r).includes('AppInstanceRole')) as any[];
    const userData = JSON.stringify(instance.Properties.UserData);
    for (const part of ['CDK_CLOUDHSM_CLUSTER_ID', 'CDK_CLOUDHSM_LIBRARIES=\'pkcs11 jce\'', 'CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER',
      'CDK_CLOUDHSM_USER_SECRET_ARN', 'configure-$lib\\\" --cluster-id']) expect(userData).toContain(part);
    expect(json).not.toMatch(/"SecretString"/);
  });
});

test('a cluster signed by a Private CA: the parameter takes the CA\'s certificate from Custom::CloudHsmTrustAnchor', () => {
  const { stack } = build(true);
  const t = Template.fromStack(stack);
  const [[id, resource]] = Object.entries(t.findResources('Custom::CloudHsmTrustAnchor')) as any[];
  expect(resource.Properties.CertificateAuthorityArn).toBe(CA_ARN);
  t.hasResourceProperties('AWS::SSM::Parameter', { Value: { 'Fn::GetAtt': [id, 'TrustAnchor'] } });
});

test('two clients of one cluster share its trust anchor parameter', () => {
  const { stack, client, other } = build();
  const second = new HsmClient(stack, 'Second', { cryptoUser: other });
  expect(second.trustAnchorParameter).toBe(client.trustAnchorParameter);
  Template.fromStack(stack).resourceCountIs('AWS::SSM::Parameter', 1);
});

test('the connected instance starts after its crypto user exists (its user data configures the client and the app logs in at boot)', () => {
  const { stack } = build();
  const t = Template.fromStack(stack);
  const [userId] = Object.keys(t.findResources('Custom::CloudHsmCryptoUser')).filter((id) => id.startsWith('Signer'));
  const [app] = Object.values(t.findResources('AWS::EC2::Instance')).filter((r: any) => JSON.stringify(r).includes('AppInstanceRole')) as any[];
  expect(app.DependsOn).toEqual(expect.arrayContaining([userId]));
  expect(JSON.stringify(app.DependsOn)).not.toMatch(/"Other/);
});
