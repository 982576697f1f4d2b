// Zero HSMs as a supported state of a cluster (allowZeroHsms, addHsms(0)): the synth rules that need
// HSMs become warnings that name the consequence; the other HSMs wait for the first (it may be
// restored from a backup); the key store is told when the stack has no HSM; the provider may read
// the cluster's backups.

import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ClusterInitialization, HsmCluster, HsmClusterProps, HsmKeyStore } from '../../src';
import { CERTS, isolatedVpc, testStack } from '../fixtures/stack';

function build(hsms: number, props: Partial<HsmClusterProps> = {}): { stack: Stack; cluster: HsmCluster } {
  const stack = testStack();
  const vpc = isolatedVpc(stack, { availabilityZones: ['us-east-1a', 'us-east-1b'] });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, ...props });
  cluster.addHsms(hsms);
  return { stack, cluster };
}

/** A cluster activated by the stack (its admin host reaches the internet through a NAT gateway) with a key store and a key. */
const withStore = (hsms: number, allowZeroHsms: boolean) => {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {}, allowZeroHsms });
  cluster.addHsms(hsms);
  new HsmKeyStore(stack, 'KeyStore', { cluster }).addKey('Key');
  return stack;
};

const hsmDependencies = (t: Template): Record<string, string[]> => Object.fromEntries(
  Object.entries(t.findResources('Custom::CloudHsmHsm')).map(([id, r]) => [id, [r.DependsOn ?? []].flat().filter((d: string) => d.startsWith('ClusterHsm')).sort()]));

describe('addHsms(0)', () => {
  test('adds nothing; a negative or fractional count is refused', () => {
    const { stack, cluster } = build(0, { activated: true });
    expect(cluster.addHsms(0)).toEqual([]);
    Template.fromStack(stack).resourceCountIs('Custom::CloudHsmHsm', 0);
    expect(() => cluster.addHsms(-1)).toThrow(/addHsms count: -1 is not a whole number of at least 0/);
    expect(() => cluster.addHsms(1.5)).toThrow(/addHsms count: 1.5 is not a whole number of at least 0/);
  });
});

describe('rules that need HSMs', () => {
  test('initialization with no HSM: an error without allowZeroHsms, a warning naming the consequence with it', () => {
    const strict = build(0, { initialization: ClusterInitialization.fromCertificates(CERTS) });
    expect(() => Template.fromStack(strict.stack)).toThrow(/initialization needs an HSM in the cluster/);

    const relaxed = build(0, { initialization: ClusterInitialization.fromCertificates(CERTS), allowZeroHsms: true });
    Template.fromStack(relaxed.stack);
    Annotations.fromStack(relaxed.stack).hasWarning('/Stack/Cluster',
      Match.stringLikeRegexp('no HSM in this deployment \\(allowZeroHsms\\).*a first deployment fails here.*\\[ack: @cdk-cloudhsm:zeroHsms\\]'));
  });

  test('a key store with no HSM: an error without allowZeroHsms, a warning with it (disconnected, keys unavailable, new keys fail)', () => {
    expect(() => Template.fromStack(withStore(0, false))).toThrow(/KeyStore: cluster \(ClusterId\): .* has no HSM; a KMS key store needs at least two ACTIVE HSMs/);
    const stack = withStore(0, true);
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasWarning('/Stack/KeyStore',
      Match.stringLikeRegexp('disconnected before the last HSM is deleted.*unavailable until HSMs are back.*new KMS key in it now fails'));
  });

  test('one HSM is still an error with allowZeroHsms: a key store needs two', () => {
    expect(() => Template.fromStack(withStore(1, true))).toThrow(/has 1 HSM\(s\); a KMS key store needs at least two ACTIVE HSMs/);
  });
});

describe('the key store follows the fleet', () => {
  test('HsmFleet EMPTY only when the stack declares no HSM; absent (the template unchanged) with HSMs', () => {
    Template.fromStack(withStore(0, true)).hasResourceProperties('Custom::CloudHsmKeyStore', { HsmFleet: 'EMPTY' });
    Template.fromStack(withStore(2, true)).hasResourceProperties('Custom::CloudHsmKeyStore', { HsmFleet: Match.absent() });
  });
});

describe('the first HSM of a cluster that may be emptied comes alone', () => {
  test('activated with allowZeroHsms: the other HSMs depend on the first (it may be restored from a backup)', () => {
    const t = Template.fromStack(build(3, { activated: true, allowZeroHsms: true }).stack);
    const deps = hsmDependencies(t);
    const [first, ...others] = Object.keys(deps).sort();
    expect(deps[first]).toEqual([]);
    for (const o of others) expect(deps[o]).toEqual([first]);
  });

  test('activated without it: all together, no dependency', () => {
    const deps = hsmDependencies(Template.fromStack(build(3, { activated: true }).stack));
    expect(Object.values(deps)).toEqual([[], [], []]);
  });
});

test('the provider may read the cluster\'s backups when the stack has HSMs (an emptied cluster\'s first HSM)', () => {
  const t = Template.fromStack(build(1, { activated: true }).stack);
  const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
  expect(statements).toContainEqual(expect.objectContaining({ Action: 'cloudhsm:DescribeBackups', Effect: 'Allow', Resource: '*' }));
});

test('a cluster without subnets known still refuses nothing at synth: imported clusters take addHsms(0)', () => {
  const stack = testStack();
  const imported = HsmCluster.fromClusterAttributes(stack, 'Imported', { clusterId: 'cluster-abcdefghijk', activated: true });
  expect(imported.addHsms(0)).toEqual([]);
});
