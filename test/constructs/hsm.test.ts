import { CfnOutput, CfnWaitConditionHandle, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudhsm from 'aws-cdk-lib/aws-cloudhsm';
import { Hsm, HsmCluster } from '../../src';
import { hsmChainOf } from '../../src/private/hsm-chain';
import { isolatedVpc, testStack } from '../fixtures/stack';

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function setup(clusterProps: { activated?: boolean; sourceBackupId?: string } = {}) {
  const stack = testStack();
  const vpc = isolatedVpc(stack, { availabilityZones: AZS, cidr: '10.0.0.0/16', cidrMask: 24 });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, ...clusterProps });
  return { stack, vpc, cluster };
}

const hsmResources = (stack: Stack) => Template.fromStack(stack).findResources('Custom::CloudHsmHsm');
const dependsOn = (r: any): string[] => (r.DependsOn === undefined ? [] : [r.DependsOn].flat());
/** Logical ids named by Ref or Fn::GetAtt anywhere in a value. */
function referencesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (value === null || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  if (typeof o.Ref === 'string') return [o.Ref];
  if (Array.isArray(o['Fn::GetAtt'])) return [String(o['Fn::GetAtt'][0])];
  return Object.values(o).flatMap(referencesIn);
}
const activationWarnings = (stack: Stack) =>
  Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('more than one HSM'));

describe('Hsm resource', () => {
  test('addHsm synthesizes a Custom::CloudHsmHsm on the cluster id, DESTROY by default, with the shared provider', () => {
    const { stack, cluster } = setup();
    const hsm = cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1b' });
    expect(hsm).toBeInstanceOf(Hsm);
    const template = Template.fromStack(stack);
    template.hasResource('Custom::CloudHsmHsm', {
      DeletionPolicy: 'Delete',
      Properties: {
        ClusterId: { Ref: Match.stringLikeRegexp('^Cluster') },
        AvailabilityZone: 'us-east-1b',
        ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('CdkCloudHsmProvider'), 'Arn'] },
        ServiceTimeout: '3600',
      },
    });
    // Clusters and HSMs share one provider: onEvent, isComplete and the framework's three functions.
    template.resourceCountIs('AWS::Lambda::Function', 5);
  });

  test('attributes are GetAtts of the resource', () => {
    const { stack, cluster } = setup();
    const hsm = cluster.addHsm('Hsm1');
    new CfnOutput(stack, 'Csr', { value: hsm.clusterCsr });
    new CfnOutput(stack, 'Ip', { value: hsm.eniIp });
    const outputs = Template.fromStack(stack).findOutputs('*');
    expect(outputs.Csr.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ClusterHsm1/), 'ClusterCsr'] });
    expect(outputs.Ip.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ClusterHsm1/), 'EniIp'] });
    // Not the Ref: the physical id names the HSM's network interface, which outlives the HSM id.
    expect(stack.resolve(hsm.hsmId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ClusterHsm1/), 'HsmId'] });
  });

  test('hsmType and eniIpV6 are GetAtts of the resource', () => {
    const { stack, cluster } = setup();
    const hsm = cluster.addHsm('Hsm1');
    expect(stack.resolve(hsm.hsmType)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ClusterHsm1/), 'HsmType'] });
    expect(stack.resolve(hsm.eniIpV6)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ClusterHsm1/), 'EniIpV6'] });
  });

  test('removalPolicy RETAIN is honoured', () => {
    const { stack, cluster } = setup();
    cluster.addHsm('Hsm1', { removalPolicy: RemovalPolicy.RETAIN });
    Template.fromStack(stack).hasResource('Custom::CloudHsmHsm', { DeletionPolicy: 'Retain' });
  });

  test('default placement spreads HSMs over the cluster AZs in order', () => {
    const { stack, cluster } = setup({ activated: true });
    for (const id of ['A', 'B', 'C', 'D']) cluster.addHsm(id);
    const zones = Object.entries(hsmResources(stack))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, r]) => r.Properties.AvailabilityZone);
    expect(zones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1a']);
  });

  test('a subnet places the HSM in its AZ', () => {
    const { stack, vpc, cluster } = setup();
    cluster.addHsm('Hsm1', { subnet: vpc.isolatedSubnets[2] });
    Template.fromStack(stack).hasResourceProperties('Custom::CloudHsmHsm', { AvailabilityZone: 'us-east-1c' });
  });

  test('an IP address inside the subnet is passed on', () => {
    const { stack, cluster } = setup();
    // The third /24 of 10.0.0.0/16 for the third AZ.
    cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1c', ipAddress: '10.0.2.10' });
    Template.fromStack(stack).hasResourceProperties('Custom::CloudHsmHsm', { IpAddress: '10.0.2.10' });
  });
});

describe('order and the activation rule', () => {
  test('activated cluster: no HSM depends on another HSM of the cluster, by DependsOn or by reference', () => {
    for (const props of [{ activated: true }, { sourceBackupId: 'backup-abcdefghijk' }]) {
      const { stack, cluster } = setup(props);
      cluster.addHsm('A');
      cluster.addHsm('B');
      cluster.addHsm('C', { ipAddress: '10.0.2.10' });
      const resources = hsmResources(stack);
      expect(Object.keys(resources)).toHaveLength(3);
      for (const [id, r] of Object.entries(resources)) {
        const others = Object.keys(resources).filter((k) => k !== id);
        expect(dependsOn(r).filter((d) => others.includes(d))).toEqual([]);
        expect(referencesIn(r.Properties).filter((d) => others.includes(d))).toEqual([]);
      }
    }
  });

  test('new cluster activated by the stack: the first HSM alone, every other after it and the activation, not after each other', () => {
    // The activation is declared after some HSMs and before others: the order of declaration does not matter.
    const { stack, cluster } = setup();
    cluster.addHsm('A');
    cluster.addHsm('B');
    const activation = new CfnWaitConditionHandle(stack, 'Activation');
    hsmChainOf(cluster).setActivation(activation);
    cluster.addHsm('C');
    cluster.addHsm('D');
    const resources = hsmResources(stack);
    const logical = (p: string) => Object.keys(resources).find((k) => k.startsWith(`Cluster${p}`))!;
    const activationId = stack.getLogicalId(activation);
    expect(dependsOn(resources[logical('A')])).toEqual([]);
    for (const p of ['B', 'C', 'D']) {
      expect(dependsOn(resources[logical(p)]).sort()).toEqual([activationId, logical('A')].sort());
    }
    expect(activationWarnings(stack)).toHaveLength(0);
  });

  test('new cluster that the stack does not activate: each HSM after the previous one (the second fails at deploy)', () => {
    const { stack, cluster } = setup();
    cluster.addHsm('A');
    cluster.addHsm('B');
    cluster.addHsm('C');
    const resources = hsmResources(stack);
    const logical = (p: string) => Object.keys(resources).find((k) => k.startsWith(`Cluster${p}`))!;
    expect(dependsOn(resources[logical('A')])).toEqual([]);
    expect(dependsOn(resources[logical('B')])).toEqual([logical('A')]);
    expect(dependsOn(resources[logical('C')])).toEqual([logical('B')]);
  });

  test('an HSM whose address cannot be derived (subnet CIDR unknown, no ipAddress): the cluster\'s HSMs one after another', () => {
    const stack = testStack();
    const cluster = HsmCluster.fromClusterAttributes(stack, 'Imported', {
      clusterId: 'cluster-abcdefghijk', securityGroupId: 'sg-12345678', activated: true,
    });
    cluster.addHsm('A');
    cluster.addHsm('B');
    const resources = hsmResources(stack);
    const [a, b] = Object.keys(resources).sort();
    expect(dependsOn(resources[b])).toEqual([a]);
    expect(resources[b].Properties.Slot).toBeUndefined();
    expect(resources[b].Properties.SubnetCidr).toBeUndefined();
  });

  test('each HSM gets its slot and its subnet CIDR (the handler derives its address), unless ipAddress is given', () => {
    const { stack, cluster } = setup({ activated: true });
    cluster.addHsm('A');
    cluster.addHsm('B');
    cluster.addHsm('C', { ipAddress: '10.0.2.10' });
    const resources = hsmResources(stack);
    const props = (p: string) => Object.entries(resources).find(([k]) => k.startsWith(`Cluster${p}`))![1].Properties;
    expect(props('A')).toMatchObject({ Slot: '0', SubnetCidr: '10.0.0.0/24', AvailabilityZone: 'us-east-1a' });
    expect(props('B')).toMatchObject({ Slot: '1', SubnetCidr: '10.0.1.0/24', AvailabilityZone: 'us-east-1b' });
    expect(props('C').Slot).toBeUndefined();
    expect(props('C').SubnetCidr).toBeUndefined();
    expect(props('C').IpAddress).toBe('10.0.2.10');
  });

  test('an ipAddress that a sibling without one may derive is refused at synth time', () => {
    const { stack, cluster } = setup({ activated: true });
    cluster.addHsm('A'); // slot 0 in us-east-1a (10.0.0.0/24): 10.0.0.254, 10.0.0.222, ...
    cluster.addHsm('B', { availabilityZone: 'us-east-1a', ipAddress: '10.0.0.222' });
    cluster.addHsm('C', { availabilityZone: 'us-east-1a', ipAddress: '10.0.0.223' });
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('ipAddress'));
    expect(errors.map((e) => e.id)).toEqual(['/Stack/Cluster/B']);
    expect(JSON.stringify(errors[0].entry.data)).toContain('ipAddress: \\"10.0.0.222\\" is one of the addresses reserved for Stack/Cluster/A (HSM number 1 of the cluster, without ipAddress) in 10.0.0.0/24');
  });

  test('addHsms: N HSMs over the cluster AZs in turn, created together on an activated cluster', () => {
    const { stack, cluster } = setup({ activated: true });
    const hsms = cluster.addHsms(4);
    expect(hsms.map((h) => h.node.id)).toEqual(['Hsm1', 'Hsm2', 'Hsm3', 'Hsm4']);
    const resources = Object.values(hsmResources(stack));
    expect(resources.map((r) => r.Properties.AvailabilityZone)).toEqual([...AZS, AZS[0]]);
    for (const r of resources) expect(dependsOn(r)).toEqual([]);
    expect(cluster.addHsms(1, 'Extra')[0].node.id).toBe('Extra1');
    expect(cluster.addHsms(0)).toEqual([]); // a count from the deployment may be 0 (test/constructs/zero-hsms.test.ts)
    expect(() => cluster.addHsms(-1)).toThrow(/addHsms count: -1 is not a whole number of at least 0/);
  });

  test('HSMs of different clusters do not wait for each other', () => {
    const { stack, vpc, cluster } = setup();
    const other = new HsmCluster(stack, 'Other', { vpc });
    cluster.addHsm('A');
    other.addHsm('B');
    for (const r of Object.values(hsmResources(stack))) expect(r.DependsOn).toBeUndefined();
  });

  test('one HSM on a new cluster: no warning', () => {
    const { stack, cluster } = setup();
    cluster.addHsm('A');
    expect(activationWarnings(stack)).toHaveLength(0);
  });

  test('two HSMs on a cluster not known to be activated: a warning naming the rule and the fix', () => {
    const { stack, cluster } = setup();
    cluster.addHsm('A');
    cluster.addHsm('B');
    const warnings = activationWarnings(stack);
    expect(warnings).toHaveLength(1);
    const text = JSON.stringify(warnings[0].entry.data);
    expect(text).toContain('Stack/Cluster');
    expect(text).toContain('only one HSM until it is initialized and activated');
    expect(text).toContain('activated: true');
  });

  test('activated: true, or a restore from backup, silences the warning', () => {
    for (const props of [{ activated: true }, { sourceBackupId: 'backup-abcdefghijk' }]) {
      const { stack, cluster } = setup(props);
      cluster.addHsm('A');
      cluster.addHsm('B');
      expect(activationWarnings(stack)).toHaveLength(0);
    }
  });
});

describe('placement errors at synth time', () => {
  test('an AZ that is not one of the cluster subnets AZs', () => {
    const { cluster } = setup();
    expect(() => cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1d' }))
      .toThrow('availabilityZone (AvailabilityZone): "us-east-1d" is not one of the cluster\'s Availability Zones (us-east-1a, us-east-1b, us-east-1c)');
  });

  test('an AZ that is not an AZ name', () => {
    const { cluster } = setup();
    expect(() => cluster.addHsm('Hsm1', { availabilityZone: 'east' }))
      .toThrow(/availabilityZone \(AvailabilityZone\): "east" .*Availability Zone name/);
  });

  test('a subnet in another AZ than availabilityZone', () => {
    const { vpc, cluster } = setup();
    expect(() => cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a', subnet: vpc.isolatedSubnets[1] }))
      .toThrow(/subnet: .* is in us-east-1b, not in availabilityZone \(AvailabilityZone\) "us-east-1a"/);
  });

  test('a subnet that is not one of the cluster subnets', () => {
    const { stack, vpc } = setup();
    const cluster = new HsmCluster(stack, 'Small', { vpc, vpcSubnets: { subnets: [vpc.isolatedSubnets[0]] } });
    expect(() => cluster.addHsm('Hsm1', { subnet: vpc.isolatedSubnets[1] }))
      .toThrow(/subnet: .* is not one of the cluster's subnets/);
  });

  test('an IP address outside the subnet CIDR', () => {
    const { cluster } = setup();
    expect(() => cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a', ipAddress: '10.0.5.4' }))
      .toThrow(/ipAddress \(IpAddress\): "10.0.5.4" is not in 10.0.0.0\/24, the CIDR block of subnet/);
  });

  test('an IP address that is not IPv4', () => {
    const { cluster } = setup();
    expect(() => cluster.addHsm('Hsm1', { ipAddress: '10.0.0.300' })).toThrow('ipAddress (IpAddress): "10.0.0.300" is not an IPv4 address');
  });
});

describe('imported clusters', () => {
  test('fromClusterAttributes: HSM on the given id, AZ left to the handler', () => {
    const stack = testStack();
    const cluster = HsmCluster.fromClusterAttributes(stack, 'Imported', { clusterId: 'cluster-abcdefghijk' });
    cluster.addHsm('Hsm1');
    const [resource] = Object.values(hsmResources(stack));
    expect(resource.Properties.ClusterId).toBe('cluster-abcdefghijk');
    expect(resource.Properties.AvailabilityZone).toBeUndefined();
  });

  test('fromClusterAttributes with subnets checks placement', () => {
    const { stack, vpc } = setup();
    const cluster = HsmCluster.fromClusterAttributes(stack, 'Imported', {
      clusterId: 'cluster-abcdefghijk', subnets: vpc.isolatedSubnets.slice(0, 2),
    });
    expect(() => cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1c' })).toThrow(/not one of the cluster's Availability Zones/);
  });

  test('fromCfnCluster: HSMs of a native AWS::CloudHSM::Cluster, ordered after it', () => {
    const stack = testStack();
    const cfn = new cloudhsm.CfnCluster(stack, 'Native', { hsmType: 'hsm2m.medium', subnetIds: ['subnet-0123456789abcdef0'] });
    const cluster = HsmCluster.fromCfnCluster(stack, 'Wrapped', cfn);
    const hsm = new Hsm(stack, 'Hsm1', { cluster });
    const [resource] = Object.values(hsmResources(stack));
    expect(resource.Properties.ClusterId).toEqual({ 'Fn::GetAtt': ['Native', 'ClusterId'] });
    expect(stack.resolve(cluster.securityGroup.securityGroupId)).toEqual({ 'Fn::GetAtt': ['Native', 'SecurityGroup'] });
    expect(hsm.cluster).toBe(cluster);
  });

  test('fromCfnCluster with activated: true allows several HSMs without a warning', () => {
    const stack = testStack();
    const cfn = new cloudhsm.CfnCluster(stack, 'Native', { hsmType: 'hsm2m.medium', subnetIds: ['subnet-0123456789abcdef0'] });
    const cluster = HsmCluster.fromCfnCluster(stack, 'Wrapped', cfn, { activated: true });
    cluster.addHsm('A');
    cluster.addHsm('B');
    expect(activationWarnings(stack)).toHaveLength(0);
  });
});

describe('IAM', () => {
  test('CreateHsm and DeleteHsm: imported clusters by ARN, the stack\'s own clusters by the account\'s cluster ARNs', () => {
    const { stack, vpc, cluster } = setup();
    new HsmCluster(stack, 'NoHsms', { vpc });
    cluster.addHsm('A');
    const imported = HsmCluster.fromClusterAttributes(stack, 'Imported', { clusterId: 'cluster-abcdefghijk' });
    imported.addHsm('B');
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const manage = statements.find((s: any) => s.Sid === 'ManageHsms');
    // Tag/UntagResource: the count of HSMs that went DEGRADED on create is a tag of the cluster (lambda/hsm-degraded.ts).
    expect(manage.Action).toEqual(['cloudhsm:CreateHsm', 'cloudhsm:DeleteHsm', 'cloudhsm:TagResource', 'cloudhsm:UntagResource']);
    expect(manage.Resource).toHaveLength(2);
    const text = JSON.stringify(manage.Resource);
    expect(text).toContain('cluster/cluster-abcdefghijk');
    // Naming the in-stack cluster's id would make a cycle (the cluster needs the provider first).
    expect(text).toContain(':cluster/*');
    expect(text).not.toMatch(/"Ref":"Cluster/);
    expect(manage.Resource).not.toContain('*');
    // Network interfaces of HSMs: not on every resource type.
    const eni = statements.find((s: any) => s.Sid === 'HsmNetworkInterfaces');
    expect(JSON.stringify(eni.Resource)).toContain(':network-interface/*');
    expect(statements.filter((s: any) => s.Sid === 'DescribeClusters')).toHaveLength(1);
  });
});
