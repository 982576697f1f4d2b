import { App, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ClusterMode, HsmCluster, HsmType, NetworkType } from '../../src';
import { ENV, isolatedVpc, testStack } from '../fixtures/stack';

function stackWithVpc(): { stack: Stack; vpc: ec2.Vpc } {
  const stack = testStack();
  return { stack, vpc: isolatedVpc(stack, { maxAzs: 3 }) };
}

describe('HsmCluster resource', () => {
  test('synthesizes a Custom::CloudHsmCluster with the given properties and RETAIN by default', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmCluster(stack, 'Cluster', {
      vpc,
      hsmType: HsmType.HSM1_MEDIUM,
      mode: ClusterMode.NON_FIPS,
      networkType: NetworkType.DUALSTACK,
      backupRetention: Duration.days(30),
      sourceBackupId: 'backup-abcdefghijk',
    });
    const template = Template.fromStack(stack);
    template.hasResource('Custom::CloudHsmCluster', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        HsmType: 'hsm1.medium',
        Mode: 'NON_FIPS',
        NetworkType: 'DUALSTACK',
        BackupRetentionDays: 30,
        SourceBackupId: 'backup-abcdefghijk',
        AllowReplacement: false,
        SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('VpchsmSubnet1') }]),
        ServiceTimeout: '3600',
      },
    });
    const subnets = template.findResources('Custom::CloudHsmCluster');
    expect(Object.values(subnets)[0].Properties.SubnetIds).toHaveLength(3);
  });

  test('defaults: hsm2m.medium, no retention, mode or network type, DESTROY when asked', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmCluster(stack, 'Cluster', { vpc, removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    template.hasResource('Custom::CloudHsmCluster', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        HsmType: 'hsm2m.medium',
        BackupRetentionDays: Match.absent(),
        Mode: Match.absent(),
        NetworkType: Match.absent(),
        Tags: Match.absent(),
      }),
    });
  });

  test('HsmType.of passes any well-formed name through', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmCluster(stack, 'Cluster', { vpc, hsmType: HsmType.of('hsm3.large') });
    Template.fromStack(stack).hasResourceProperties('Custom::CloudHsmCluster', { HsmType: 'hsm3.large' });
    expect(HsmType.HSM2M_MEDIUM.toString()).toBe('hsm2m.medium');
  });

  test('attributes: clusterId is the physical id, security group and VPC id come from the handler', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc });
    const id = stack.getLogicalId(cluster.node.defaultChild as any);
    expect(stack.resolve(cluster.clusterId)).toEqual({ Ref: id });
    expect(stack.resolve(cluster.vpcId)).toEqual({ 'Fn::GetAtt': [id, 'VpcId'] });
    expect(stack.resolve(cluster.securityGroup.securityGroupId)).toEqual({ 'Fn::GetAtt': [id, 'SecurityGroupId'] });
    expect(stack.resolve(cluster.clusterState)).toEqual({ 'Fn::GetAtt': [id, 'State'] });
    expect(stack.resolve(cluster.clusterArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudhsm:us-east-1:123456789012:cluster/', { Ref: id }]],
    });
  });

  test('Tags.of reaches the custom resource as a TagList', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc });
    Tags.of(stack).add('team', 'payments');
    Tags.of(cluster).add('cost-center', '42');
    Template.fromStack(stack).hasResourceProperties('Custom::CloudHsmCluster', {
      Tags: Match.arrayEquals([{ Key: 'cost-center', Value: '42' }, { Key: 'team', Value: 'payments' }]),
    });
  });
});

describe('one provider per stack', () => {
  test('three clusters share one provider: a fixed number of Lambda functions', () => {
    const counts: Record<number, number> = {};
    for (const n of [1, 3]) {
      const { stack, vpc } = stackWithVpc();
      for (let i = 0; i < n; i++) new HsmCluster(stack, `Cluster${i}`, { vpc });
      const template = Template.fromStack(stack);
      template.resourceCountIs('Custom::CloudHsmCluster', n);
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
      counts[n] = Object.keys(template.findResources('AWS::Lambda::Function')).length;
    }
    expect(counts[3]).toBe(counts[1]);
    // onEvent + isComplete of the handler, and the framework's onEvent, isComplete and onTimeout.
    expect(counts[3]).toBe(5);
  });

  test('handler functions run the bundled asset on Node.js 22 with a query interval of 10 s', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmCluster(stack, 'Cluster', { vpc });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.onEvent', Runtime: 'nodejs24.x' });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.isComplete', Runtime: 'nodejs24.x' });
    const sm = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    expect(JSON.stringify(sm.Properties.DefinitionString)).toContain('\\"IntervalSeconds\\":10');
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('the query interval is configurable through context', () => {
    const app = new App({ context: { '@cdk-cloudhsm/provider:queryIntervalSeconds': 30 } });
    const stack = new Stack(app, 'Stack', { env: ENV });
    new HsmCluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc') });
    const sm = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
    expect(JSON.stringify(sm.Properties.DefinitionString)).toContain('\\"IntervalSeconds\\":30');
  });

  test('a bad query interval in context is refused with its rule', () => {
    const app = new App({ context: { '@cdk-cloudhsm/provider:queryIntervalSeconds': 0 } });
    const stack = new Stack(app, 'Stack', { env: ENV });
    expect(() => new HsmCluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc') })).toThrow(
      'Context @cdk-cloudhsm/provider:queryIntervalSeconds: 0 is not valid; it must be a whole number from 1 to 300');
  });
});

describe('IAM of the provider', () => {
  function statements(stack: Stack): any[] {
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const handler = Object.entries(policies).find(([id]) => id.includes('HandlerRole'));
    return handler![1].Properties.PolicyDocument.Statement;
  }

  test('no wildcard actions; Resource * only for actions without resource-level permissions', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmCluster(stack, 'Cluster', { vpc });
    const list = statements(stack);
    const starAllowed = new Set([
      'cloudhsm:DescribeClusters', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcEndpointServices',
      'cloudhsm:CreateCluster',
    ]);
    for (const s of list) {
      const actions: string[] = [].concat(s.Action);
      for (const a of actions) expect(a).not.toMatch(/\*/);
      if ([].concat(s.Resource).includes('*' as never)) {
        for (const a of actions) expect(starAllowed).toContain(a);
      }
    }
    const create = list.find((s) => s.Action === 'cloudhsm:CreateCluster');
    expect(create.Condition).toEqual({ Null: { 'aws:RequestTag/cdk-cloudhsm:create-request': 'false' } });
    const manage = list.find((s) => [].concat(s.Action).includes('cloudhsm:DeleteCluster' as never));
    expect(JSON.stringify(manage.Resource)).toContain(':cloudhsm:us-east-1:123456789012:cluster/*');
  });

  test('statements are added once however many clusters there are', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmCluster(stack, 'A', { vpc });
    const one = statements(stack).length;
    const { stack: stack2, vpc: vpc2 } = stackWithVpc();
    new HsmCluster(stack2, 'A', { vpc: vpc2 });
    new HsmCluster(stack2, 'B', { vpc: vpc2 });
    expect(statements(stack2).length).toBe(one);
  });
});

describe('connections, grants and metrics', () => {
  test('connections open TCP 2223-2225 on the cluster security group', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc });
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc });
    cluster.connections.allowDefaultPortFrom(client);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 2223,
      ToPort: 2225,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Cluster'), 'SecurityGroupId'] },
    });
  });

  test('grant scopes actions to the cluster ARN; grantDescribe adds DescribeClusters on *', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    cluster.grant(role, 'CreateHsm', 'cloudhsm:DeleteHsm');
    cluster.grantDescribe(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('Role') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['cloudhsm:CreateHsm', 'cloudhsm:DeleteHsm'], Resource: stack.resolve(cluster.clusterArn) }),
          Match.objectLike({ Action: 'cloudhsm:DescribeClusters', Resource: '*' }),
          Match.objectLike({ Action: 'cloudhsm:ListTags', Resource: stack.resolve(cluster.clusterArn) }),
        ]),
      },
    });
  });

  test('metrics are in AWS/CloudHSM by ClusterId with per-metric statistics', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc });
    const cases: [any, string, string][] = [
      [cluster.metricHsmUnhealthy(), 'HsmUnhealthy', 'Sum'],
      [cluster.metricHsmTemperature(), 'HsmTemperature', 'Average'],
      [cluster.metricHsmKeysSessionOccupied(), 'HsmKeysSessionOccupied', 'Sum'],
      [cluster.metricHsmKeysTokenOccupied(), 'HsmKeysTokenOccupied', 'Sum'],
      [cluster.metricHsmSessionCount(), 'HsmSessionCount', 'Sum'],
      [cluster.metricHsmUsersAvailable(), 'HsmUsersAvailable', 'Sum'],
      [cluster.metricHsmUsersMax(), 'HsmUsersMax', 'Maximum'],
      [cluster.metricInterfaceEth2OctetsInput(), 'InterfaceEth2OctetsInput', 'Sum'],
      [cluster.metricInterfaceEth2OctetsOutput(), 'InterfaceEth2OctetsOutput', 'Sum'],
    ];
    for (const [metric, name, statistic] of cases) {
      expect(metric.namespace).toBe('AWS/CloudHSM');
      expect(metric.metricName).toBe(name);
      expect(metric.statistic).toBe(statistic);
      expect(stack.resolve(metric.dimensions)).toEqual({ ClusterId: stack.resolve(cluster.clusterId) });
    }
    const perHsm = cluster.metric('HsmSessionCount', { dimensionsMap: { HsmId: 'hsm-abcdefghijk' }, period: Duration.minutes(1) });
    expect(stack.resolve(perHsm.dimensions)).toEqual({ ClusterId: stack.resolve(cluster.clusterId), HsmId: 'hsm-abcdefghijk' });
  });

  test('fromClusterAttributes imports a cluster with its security group', () => {
    const stack = testStack();
    const cluster = HsmCluster.fromClusterAttributes(stack, 'Imported', {
      clusterId: 'cluster-abcdefghijk', securityGroupId: 'sg-0123456789abcdef0',
    });
    expect(stack.resolve(cluster.clusterArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudhsm:us-east-1:123456789012:cluster/cluster-abcdefghijk']],
    });
    expect(cluster.securityGroup.securityGroupId).toBe('sg-0123456789abcdef0');
    const withoutSg = HsmCluster.fromClusterAttributes(stack, 'NoSg', { clusterId: 'cluster-abcdefghijk' });
    expect(() => withoutSg.securityGroup).toThrow(/securityGroup is unknown; pass securityGroupId/);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toHaveLength(0);
  });
});
