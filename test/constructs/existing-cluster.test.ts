// An imported ACTIVE cluster with its admin secret and trust anchor (HsmCluster.fromClusterAttributes):
// the template of examples/existing-cluster (an admin host made for the key store, its access to the
// cluster's own security group and to the admin secret, the key store after the host and the HSMs),
// the synth-time errors of the import's admin attributes, and what is left to deploy time.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SecretValue } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { EXISTING, existingClusterApp } from '../../examples/existing-cluster/app';
import { HsmAdminHost, HsmCluster, HsmClusterAttributes, HsmKeyStore } from '../../src';
import { pemOf, testStack } from '../fixtures/stack';

const TRUST_ANCHOR = pemOf('dHJ1c3QgYW5jaG9y');
const ADMIN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloudhsm/admin-AbCdEf';

describe('examples/existing-cluster', () => {
  let outdir: string;
  let template: Template;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-existing-'));
    const { stack } = existingClusterApp(outdir);
    template = Template.fromStack(stack);
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('makes no cluster and no activation: an HSM on the imported cluster, one admin host, a key store with the admin secret and trust anchor, a key', () => {
    template.resourceCountIs('Custom::CloudHsmCluster', 0);
    template.resourceCountIs('Custom::CloudHsmActivation', 0);
    template.resourceCountIs('AWS::EC2::Instance', 1);
    template.hasResourceProperties('Custom::CloudHsmHsm', { ClusterId: EXISTING.clusterId, AvailabilityZone: 'us-east-1b' });
    template.hasResourceProperties('Custom::CloudHsmKeyStore', {
      ClusterId: EXISTING.clusterId,
      AdminSecretArn: EXISTING.adminSecretArn,
      TrustAnchor: EXISTING.trustAnchor,
      InstanceId: { Ref: Match.stringLikeRegexp('^ClusterAdminHostInstance') },
    });
    template.resourceCountIs('Custom::CloudHsmKmsKey', 1);
  });

  test('the host may reach the cluster\'s own security group on TCP 2223-2225 and read the admin secret; the handler never reads it', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: EXISTING.securityGroupId, FromPort: 2223, ToPort: 2225, IpProtocol: 'tcp',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { DestinationSecurityGroupId: EXISTING.securityGroupId, FromPort: 2223, ToPort: 2225 });
    const policies = template.findResources('AWS::IAM::Policy');
    const readers = Object.entries(policies).filter(([, p]) => JSON.stringify(p).includes(EXISTING.adminSecretArn)).map(([id]) => id);
    expect(readers).toEqual([expect.stringMatching(/^ClusterAdminHostRoleDefaultPolicy/)]);
  });

  test('the key store waits for the host, its access to the cluster and the HSM the stack adds', () => {
    const [store] = Object.values(template.findResources('Custom::CloudHsmKeyStore'));
    const deps: string[] = store.DependsOn;
    for (const prefix of ['ClusterAdminHostInstance', 'ClusterAdminHostAccessIngress', 'ClusterHsm2', 'ClusterAdminHostRoleDefaultPolicy']) {
      expect(deps.some((d) => d.startsWith(prefix))).toBe(true);
    }
    template.hasOutput('*', { Value: { Ref: Match.stringLikeRegexp('^ClusterAdminHostInstance') } });
  });
});

describe('HsmCluster.fromClusterAttributes with admin access', () => {
  function imported(attrs: Partial<HsmClusterAttributes>, withVpc = true) {
    const stack = testStack();
    const vpc = withVpc ? ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['us-east-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] }) : undefined;
    const adminSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Admin', ADMIN_ARN);
    const cluster = HsmCluster.fromClusterAttributes(stack, 'Cluster', {
      clusterId: 'cluster-jxhlf7644ne', securityGroupId: 'sg-0123456789abcdef0', vpc, adminSecret, trustAnchor: TRUST_ANCHOR, ...attrs,
    });
    return { stack, cluster };
  }

  test.each([
    ['trustAnchor', { trustAnchor: undefined }, 'HsmCluster Stack/Cluster: trustAnchor: not given, but adminSecret is'],
    ['a malformed trustAnchor', { trustAnchor: 'not a certificate' }, 'HsmCluster Stack/Cluster: trustAnchor'],
    ['securityGroupId', { securityGroupId: undefined }, 'HsmCluster Stack/Cluster: securityGroupId: not given, but adminSecret is'],
    ['adminSecretField', { adminSecretField: 'pass word' }, 'HsmCluster Stack/Cluster: adminSecretField: "pass word" is not valid'],
    ['adminHostOptions beside adminHost', { adminHostOptions: {}, adminHost: HsmAdminHost.fromInstanceAttributes(testStack(), 'H', { instanceId: 'i-0123456789abcdef0' }) },
      'adminHostOptions: applies only to the admin host made for the cluster'],
    ['admin attributes without adminSecret', { adminSecret: undefined }, 'trustAnchor: applies only with adminSecret'],
  ])('refuses %s, naming the cluster and the attribute', (_name, attrs, message) => {
    expect(() => imported(attrs as Partial<HsmClusterAttributes>)).toThrow(message);
  });

  test('refuses adminSecret without vpc or adminHost', () => {
    expect(() => imported({}, false)).toThrow('HsmCluster Stack/Cluster: vpc: not given, but adminSecret is');
  });

  test('refuses an admin secret whose value is written into the template', () => {
    const stack = testStack();
    const secret = new secretsmanager.Secret(stack, 'Plain', { secretStringValue: SecretValue.unsafePlainText('Plain1Password2') });
    expect(() => HsmCluster.fromClusterAttributes(stack, 'Cluster', {
      clusterId: 'cluster-jxhlf7644ne', securityGroupId: 'sg-0123456789abcdef0', vpc: new ec2.Vpc(stack, 'Vpc'), adminSecret: secret, trustAnchor: TRUST_ANCHOR,
    })).toThrow(/HsmCluster Stack\/Cluster: adminSecret: the secret Stack\/Plain has its value written into the template/);
  });

  test('a key store on an imported cluster without admin access names the way to give it', () => {
    const stack = testStack();
    const cluster = HsmCluster.fromClusterAttributes(stack, 'Cluster', { clusterId: 'cluster-jxhlf7644ne' });
    expect(() => new HsmKeyStore(stack, 'KeyStore', { cluster }))
      .toThrow(/HsmKeyStore Stack\/KeyStore: cluster \(ClusterId\): Stack\/Cluster has no admin host and admin secret here.*HsmCluster\.fromClusterAttributes and its adminSecret, trustAnchor, vpc and securityGroupId/);
  });

  test('no admin host until something needs it; then one, and HSMs of the activated cluster are created together', () => {
    const { stack, cluster } = imported({});
    expect(Template.fromStack(stack).findResources('AWS::EC2::Instance')).toEqual({});

    const other = imported({});
    const hsms = [other.cluster.addHsm('HsmA', { availabilityZone: 'us-east-1a', ipAddress: '10.0.0.10' }), other.cluster.addHsm('HsmB', { availabilityZone: 'us-east-1a', ipAddress: '10.0.0.11' })];
    const store = new HsmKeyStore(other.stack, 'KeyStore', { cluster: other.cluster });
    store.addKey('Key');
    const t = Template.fromStack(other.stack);
    t.resourceCountIs('AWS::EC2::Instance', 1);
    // an imported cluster with an admin secret is activated: its HSMs do not wait for each other
    const hsmB = t.findResources('Custom::CloudHsmHsm');
    const bId = Object.keys(hsmB).find((k) => k.includes('HsmB'))!;
    expect(hsmB[bId].DependsOn ?? []).toEqual([]);
    expect(Annotations.fromStack(other.stack).findWarning('*', Match.stringLikeRegexp('more than one HSM'))).toEqual([]);
    expect(hsms).toHaveLength(2);
    // the zones are checked at deploy time (an imported cluster may have HSMs the stack does not declare):
    // two HSMs in one zone synthesize
    expect(Annotations.fromStack(other.stack).findError('*', Match.anyValue())).toEqual([]);
    expect(cluster.node.tryFindChild('AdminHost')).toBeUndefined();
  });

  test('an admin host of your own: no instance made, its role reads the admin secret, the key store runs on it', () => {
    const stack = testStack();
    const role = new iam.Role(stack, 'HostRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const adminHost = HsmAdminHost.fromInstanceAttributes(stack, 'Host', { instanceId: 'i-0123456789abcdef0', role });
    const cluster = HsmCluster.fromClusterAttributes(stack, 'Cluster', {
      clusterId: 'cluster-jxhlf7644ne',
      adminSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Admin', ADMIN_ARN),
      adminSecretField: 'password',
      trustAnchor: TRUST_ANCHOR,
      adminHost,
    });
    new HsmKeyStore(stack, 'KeyStore', { cluster });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::Instance', 0);
    t.hasResourceProperties('Custom::CloudHsmKeyStore', { InstanceId: 'i-0123456789abcdef0', AdminSecretField: 'password' });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^HostRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']), Resource: ADMIN_ARN })]) },
    });
  });
});
