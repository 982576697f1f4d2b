// Template assertions for activation from the stack: the admin host, the admin password secret,
// the Custom::CloudHsmActivation resource, its least-privilege IAM and the HSMs that follow it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  CloudHsmCliPackage, ClusterActivationOptions, ClusterInitialization, HsmAdminHost, HsmCluster,
} from '../../src';
import { CERTS, testStack } from '../fixtures/stack';


interface Built { stack: Stack; cluster: HsmCluster; template: Template; vpc: ec2.Vpc }

function build(activation: ClusterActivationOptions = {}, opts: { hsms?: number; isolated?: boolean; removalPolicy?: RemovalPolicy } = {}): Built {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: opts.isolated ? 0 : 1,
    subnetConfiguration: opts.isolated
      ? [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }]
      : [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }, { name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
  });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation, removalPolicy: opts.removalPolicy,
  });
  for (let i = 0; i < (opts.hsms ?? 3); i++) cluster.addHsm(`Hsm${i + 1}`, { availabilityZone: `us-east-1${'ab'[i % 2]}` });
  return { stack, cluster, vpc, template: Template.fromStack(stack) };
}

const logicalIdOf = (t: Template, type: string) => {
  const ids = Object.keys(t.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0];
};

describe('the admin host', () => {
  const { template } = build();

  test('runs the latest Amazon Linux 2023, resolved by EC2 at launch from its SSM parameter, with no SSH key', () => {
    const instance = Object.values(template.findResources('AWS::EC2::Instance'))[0] as any;
    expect(instance.Properties.KeyName).toBeUndefined();
    // The public parameter's name, not its value: the template stays the same when a new AMI is published.
    expect(instance.Properties.ImageId).toMatch(/^resolve:ssm:\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-[\w.]+-x86_64$/);
  });

  test('requires IMDSv2 and encrypts its root volume', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } },
    });
    template.hasResourceProperties('AWS::EC2::Instance', {
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3' } }],
    });
  });

  test('has no inbound rule; HTTPS out, and TCP 2223-2225 to the cluster\'s security group only', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('admin host') } });
    const [groupId, group] = Object.entries(groups)[0] as [string, any];
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(group.Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: Match.anyValue(), FromPort: 443, IpProtocol: 'tcp', ToPort: 443 }]
      .map((r) => ({ ...r, Description: group.Properties.SecurityGroupEgress[0].Description })));
    const ingressOfHost = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter((r: any) => r.Properties.GroupId?.Ref === groupId);
    expect(ingressOfHost).toHaveLength(0);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 2223,
      ToPort: 2225,
      DestinationSecurityGroupId: { 'Fn::GetAtt': [logicalIdOf(template, 'Custom::CloudHsmCluster'), 'SecurityGroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [logicalIdOf(template, 'Custom::CloudHsmCluster'), 'SecurityGroupId'] },
      IpProtocol: 'tcp',
      FromPort: 2223,
      ToPort: 2225,
      SourceSecurityGroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
    });
  });

  test('its user data is setup.sh, downloading the official package', () => {
    const instance = Object.values(template.findResources('AWS::EC2::Instance'))[0] as any;
    const userData = JSON.stringify(instance.Properties.UserData);
    const setup = fs.readFileSync(path.join(__dirname, '..', '..', 'lambda', 'host', 'setup.sh'), 'utf8');
    expect(userData).toContain(JSON.stringify('install_cli() {').slice(1, -1));
    expect(setup).toContain('install_cli() {');
    expect(userData).toContain('cloudhsm-cli-latest.amzn2023.%ARCH%.rpm');
    // Nothing of the cluster in it: the provider's role names the instance (no dependency cycle).
    expect(userData).not.toContain('Custom::');
    expect(userData).not.toMatch(/"Ref":"Cluster/);
  });

  test('is managed by SSM and reads its own secret only', () => {
    const roleId = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('admin host') } }))[0];
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('admin host'),
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId));
    const statements = policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([{
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret') },
    }]);
  });
});

describe('the activation', () => {
  const { template, stack } = build();
  const activation = Object.values(template.findResources('Custom::CloudHsmActivation'))[0] as any;

  test('names the cluster, the instance and the secret, and holds no password', () => {
    expect(activation.Properties).toEqual({
      ServiceToken: expect.anything(),
      ServiceTimeout: '3600',
      ClusterId: { Ref: logicalIdOf(template, 'Custom::CloudHsmCluster') },
      InstanceId: { Ref: logicalIdOf(template, 'AWS::EC2::Instance') },
      AdminSecretArn: { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret') },
      TrustAnchor: CERTS.trustAnchor,
    });
  });

  test('the password is generated by Secrets Manager (32 letters and digits), never written in the template', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true, IncludeSpace: false, RequireEachIncludedType: true },
    });
    const secret = Object.values(template.findResources('AWS::SecretsManager::Secret'))[0] as any;
    expect(secret.Properties.SecretString).toBeUndefined();
  });

  test('the secret is kept or deleted with the cluster', () => {
    const clusterPolicy = (Object.values(template.findResources('Custom::CloudHsmCluster'))[0] as any).DeletionPolicy;
    expect(clusterPolicy).toBe('RetainExceptOnCreate');
    expect((Object.values(template.findResources('AWS::SecretsManager::Secret'))[0] as any).DeletionPolicy).toBe(clusterPolicy);
    const destroyed = build({}, { removalPolicy: RemovalPolicy.DESTROY }).template;
    expect((Object.values(destroyed.findResources('AWS::SecretsManager::Secret'))[0] as any).DeletionPolicy).toBe('Delete');
  });

  test('waits for the initialization, the host, its network rules and its secret grant', () => {
    const deps: string[] = activation.DependsOn;
    expect(deps).toContain(logicalIdOf(template, 'Custom::CloudHsmClusterInitialization'));
    expect(deps).toContain(logicalIdOf(template, 'AWS::EC2::Instance'));
    expect(deps).toContain(logicalIdOf(template, 'AWS::EC2::SecurityGroupEgress'));
    expect(deps.some((d) => d.startsWith('ClusterAdminHostRoleDefaultPolicy'))).toBe(true);
  });

  test('HSMs after the first wait for the activation; the first does not', () => {
    const hsms = template.findResources('Custom::CloudHsmHsm');
    const activationId = logicalIdOf(template, 'Custom::CloudHsmActivation');
    const dependsOnActivation = Object.entries(hsms)
      .filter(([, r]: [string, any]) => (r.DependsOn ?? []).includes(activationId)).map(([id]) => id).sort();
    expect(dependsOnActivation).toEqual(Object.keys(hsms).filter((id) => !id.startsWith('ClusterHsm1')).sort());
    expect(dependsOnActivation).toHaveLength(2);
  });

  test('no "one HSM until activated" warning for a cluster the stack activates', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('not known to be activated'));
    expect(warnings).toHaveLength(0);
  });

  test('outputs the secret ARN and the host, never a password; no "activate it yourself" next step', () => {
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs).filter((k) => k.includes('InitializationNextStep'))).toEqual([]);
    const values = Object.values<any>(outputs).map((o) => JSON.stringify(o.Value));
    expect(values).toContain(JSON.stringify({ Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret') }));
    expect(values).toContain(JSON.stringify({ Ref: logicalIdOf(template, 'AWS::EC2::Instance') }));
  });
});

describe('the provider role for activation', () => {
  const { template } = build();
  const statements = Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith('CdkCloudHsmProviderHandlerRole'))
    .flatMap(([, p]: [string, any]) => p.Properties.PolicyDocument.Statement);

  test('ssm:SendCommand only on AWS-RunShellScript and that instance', () => {
    const send = statements.find((s) => s.Sid === 'SendActivationCommands');
    expect(send.Action).toBe('ssm:SendCommand');
    expect(send.Resource).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:us-east-1::document/AWS-RunShellScript']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:us-east-1:123456789012:instance/${''}`, { Ref: logicalIdOf(template, 'AWS::EC2::Instance') }]] },
    ]);
  });

  test('reads command and agent status, and never the secret', () => {
    const read = statements.find((s) => s.Sid === 'ReadActivationCommands');
    expect(read.Action).toEqual(['ssm:ListCommands', 'ssm:GetCommandInvocation', 'ssm:DescribeInstanceInformation']);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a: string) => a.startsWith('secretsmanager:') || a.startsWith('kms:'))).toEqual([]);
  });
});

describe('options', () => {
  test('a secret of your own, as JSON field, read by the host', () => {
    const stack = testStack('S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Mine', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hsm-admin-AbCdEf');
    new HsmCluster(stack, 'Cluster', {
      vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: { adminSecret: secret, adminSecretField: 'password' },
    }).addHsm('Hsm');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SecretsManager::Secret', 0);
    t.hasResourceProperties('Custom::CloudHsmActivation', { AdminSecretArn: secret.secretArn, AdminSecretField: 'password' });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: secret.secretArn }] },
    });
  });

  test('your own instance: its role reads the secret, its security group reaches the cluster', () => {
    const stack = testStack('S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    const role = iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/admin-host');
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0');
    const host = HsmAdminHost.fromInstanceAttributes(stack, 'Host', { instanceId: 'i-0123456789abcdef0', vpc, role, securityGroups: [sg] });
    const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: { host } });
    cluster.addHsm('Hsm');
    expect(cluster.adminHost).toBe(host);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::Instance', 0);
    t.hasResourceProperties('Custom::CloudHsmActivation', { InstanceId: 'i-0123456789abcdef0' });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { SourceSecurityGroupId: 'sg-0123456789abcdef0', FromPort: 2223, ToPort: 2225 });
    t.hasResourceProperties('AWS::IAM::Policy', { Roles: ['admin-host'] });
    const send = Object.entries(t.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('CdkCloudHsmProviderHandlerRole'))
      .flatMap(([, p]: [string, any]) => p.Properties.PolicyDocument.Statement).find((s) => s.Sid === 'SendActivationCommands');
    expect(JSON.stringify(send.Resource)).toContain(':ec2:us-east-1:123456789012:instance/i-0123456789abcdef0');
  });

  test('isolated subnets: interface endpoints for SSM, SSM messages, EC2 messages, Secrets Manager; the S3 gateway; a package asset', () => {
    const rpm = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rpm-')), 'cloudhsm-cli.rpm');
    fs.writeFileSync(rpm, 'not really an rpm');
    const { template } = build({ hostOptions: { createVpcEndpoints: true, cliPackage: CloudHsmCliPackage.fromAsset(rpm) } }, { isolated: true });
    const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e: any) => JSON.stringify(e.Properties.ServiceName));
    for (const service of ['.ssm"', '.ssmmessages"', '.ec2messages"', '.secretsmanager"', '.s3"']) {
      expect(services.filter((s) => s.includes(service))).toHaveLength(1);
    }
    const instance = Object.values(template.findResources('AWS::EC2::Instance'))[0] as any;
    expect(JSON.stringify(instance.Properties.UserData)).toContain('CDK_CLOUDHSM_PACKAGE_S3');
    expect(JSON.stringify(instance.Properties.UserData)).not.toContain('export CDK_CLOUDHSM_PACKAGE_URL');
  });

  test('an isolated host with endpoints but the internet package still fails, naming the package', () => {
    expect(() => build({ hostOptions: { createVpcEndpoints: true } }, { isolated: true }))
      .toThrow('HsmAdminHost Stack/Cluster/AdminHost: vpcSubnets are isolated (no internet egress), so the host needs a CloudHSM CLI package it can reach');
  });

  test('activate() twice is refused', () => {
    const { cluster } = build();
    expect(() => cluster.activate()).toThrow('HsmCluster Stack/Cluster: activation: the cluster is already activated by this stack');
  });

  test('adminSecret is known only with activation', () => {
    const stack = new Stack(new App(), 'S');
    const cluster = new HsmCluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 }) });
    expect(() => cluster.adminSecret).toThrow(/adminSecret is known only for a cluster this stack activates/);
  });
});
