import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import { ClusterInitialization, HsmCluster } from '../../src';
import { pemChain } from '../fixtures/pem';
import { isolatedVpc, testStack } from '../fixtures/stack';

const CA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\nAbC+/=\n-----END CERTIFICATE-----\n';
const ANCHOR = '-----BEGIN CERTIFICATE-----\nMIIBrootrootroot==\n-----END CERTIFICATE-----';

function setup() {
  const stack = testStack();
  const vpc = isolatedVpc(stack, { availabilityZones: ['us-east-1a', 'us-east-1b'], cidrMask: 24 });
  const ca = acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_ARN);
  return { stack, vpc, ca };
}

const policyStatements = (stack: Stack): any[] => {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
};

describe('Private CA form', () => {
  test('a Custom::CloudHsmClusterInitialization on the cluster id with the CA, depending on the first HSM only', () => {
    const { stack, vpc, ca } = setup();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromPrivateCa(ca) });
    const first = cluster.addHsm('Hsm1');
    cluster.addHsm('Hsm2');
    const template = Template.fromStack(stack);
    const init = template.findResources('Custom::CloudHsmClusterInitialization');
    expect(Object.keys(init)).toHaveLength(1);
    const [resource] = Object.values(init) as any[];
    expect(resource.Properties).toMatchObject({
      ClusterId: { Ref: expect.stringMatching(/^Cluster/) },
      CertificateAuthorityArn: CA_ARN,
      ValidityDays: 1825,
    });
    expect(resource.Properties.SignedCert).toBeUndefined();
    const firstId = stack.getLogicalId((first.node.findChild('Resource') as any).node.defaultChild);
    expect(resource.DependsOn).toEqual([firstId]);
  });

  test('IAM: InitializeCluster on the account\'s cluster ARNs, acm-pca only on the CA ARN', () => {
    const { stack, vpc, ca } = setup();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc });
    cluster.addHsm('Hsm1');
    cluster.initialize(ClusterInitialization.fromPrivateCa(ca, { validity: Duration.days(365) }));
    const statements = policyStatements(stack);
    const init = statements.find((s) => s.Sid === 'InitializeClusters');
    expect(init.Action).toBe('cloudhsm:InitializeCluster');
    expect(JSON.stringify(init.Resource)).toContain(':cloudhsm:us-east-1:123456789012:cluster/*');
    const pca = statements.find((s) => s.Sid === 'SignClusterCsr');
    expect(pca.Action).toEqual(['acm-pca:IssueCertificate', 'acm-pca:GetCertificate', 'acm-pca:GetCertificateAuthorityCertificate']);
    expect(pca.Resource).toBe(CA_ARN);
    // No other statement grants acm-pca.
    const others = statements.filter((s) => s !== pca && JSON.stringify(s.Action).includes('acm-pca'));
    expect(others).toEqual([]);
    Template.fromStack(stack).hasResourceProperties('Custom::CloudHsmClusterInitialization', { ValidityDays: 365 });
  });

  test('validity must be whole days', () => {
    const { ca } = setup();
    expect(() => ClusterInitialization.fromPrivateCa(ca, { validity: Duration.hours(36) }))
      .toThrow('ClusterInitialization.fromPrivateCa: validity (ValidityDays): 1.5 days is not valid; it must be a whole number of days, at least 1');
  });
});

describe('certificates form', () => {
  test('passes the certificates, no acm-pca permissions', () => {
    const { stack, vpc } = setup();
    const cluster = new HsmCluster(stack, 'Cluster', {
      vpc, initialization: ClusterInitialization.fromCertificates({ signedCertificate: CERT, trustAnchor: ANCHOR }),
    });
    cluster.addHsm('Hsm1');
    Template.fromStack(stack).hasResourceProperties('Custom::CloudHsmClusterInitialization', {
      SignedCert: CERT, TrustAnchor: ANCHOR, CertificateAuthorityArn: Match.absent(),
    });
    expect(policyStatements(stack).find((s) => s.Sid === 'SignClusterCsr')).toBeUndefined();
    expect(policyStatements(stack).find((s) => s.Sid === 'InitializeClusters')).toBeDefined();
  });

  test('not a PEM certificate: the message names property, value and rule', () => {
    expect(() => ClusterInitialization.fromCertificates({ signedCertificate: 'MIIBsz', trustAnchor: ANCHOR }))
      .toThrow('ClusterInitialization.fromCertificates: signedCertificate (SignedCert): "MIIBsz" is not a PEM certificate '
        + '(-----BEGIN CERTIFICATE----- base64 -----END CERTIFICATE-----)');
  });

  test('characters outside the API pattern', () => {
    expect(() => ClusterInitialization.fromCertificates({ signedCertificate: CERT, trustAnchor: 'not_a_cert!' }))
      .toThrow('trustAnchor (TrustAnchor): "not_a_cert!" has characters InitializeCluster does not allow (must match ^[a-zA-Z0-9+ -/=\\s]*$)');
  });

  test('chains up to 20000 characters are taken (current CloudHSM API model), longer ones are refused', () => {
    for (const length of [5001, 20000]) {
      const chain = pemChain(length);
      expect(chain.length).toBe(length);
      expect(() => ClusterInitialization.fromCertificates({ signedCertificate: chain, trustAnchor: pemChain(length) })).not.toThrow();
    }
    const long = pemChain(20001);
    expect(() => ClusterInitialization.fromCertificates({ signedCertificate: long, trustAnchor: ANCHOR }))
      .toThrow('signedCertificate (SignedCert): the certificate is 20001 characters long; InitializeCluster takes at most 20000');
    expect(() => ClusterInitialization.fromCertificates({ signedCertificate: CERT, trustAnchor: long }))
      .toThrow('trustAnchor (TrustAnchor): the certificate is 20001 characters long; InitializeCluster takes at most 20000');
  });

  test('tokens are not checked at synth time', () => {
    const { stack } = setup();
    const param = new CfnParameter(stack, 'Cert');
    expect(() => ClusterInitialization.fromCertificates({ signedCertificate: param.valueAsString, trustAnchor: ANCHOR })).not.toThrow();
  });
});

describe('cluster', () => {
  test('a cluster with initialization but no HSM fails synthesis', () => {
    const { stack, vpc, ca } = setup();
    new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromPrivateCa(ca) });
    expect(() => Template.fromStack(stack)).toThrow(/initialization needs an HSM in the cluster/);
  });

  test('initialize twice is refused', () => {
    const { stack, vpc, ca } = setup();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromPrivateCa(ca) });
    expect(() => cluster.initialize(ClusterInitialization.fromPrivateCa(ca))).toThrow('the cluster is already initialized by this stack');
  });

  test('clusterCertificate is the certificate given, not a response attribute (responses are limited to 4096 bytes)', () => {
    const { stack, vpc } = setup();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc });
    expect(() => cluster.clusterCertificate).toThrow(/clusterCertificate is known only/);
    cluster.addHsm('Hsm1');
    cluster.initialize(ClusterInitialization.fromCertificates({ signedCertificate: CERT, trustAnchor: ANCHOR }));
    expect(cluster.clusterCertificate).toBe(CERT);
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('"ClusterCertificate"');
  });

  test('clusterCertificate of a Private CA initialization is refused at synth time, saying where to read it', () => {
    const { stack, vpc, ca } = setup();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc });
    cluster.addHsm('Hsm1');
    cluster.initialize(ClusterInitialization.fromPrivateCa(ca));
    expect(() => cluster.clusterCertificate).toThrow('HsmCluster Stack/Cluster: clusterCertificate is known only for a cluster this stack '
      + 'initializes with ClusterInitialization.fromCertificates. A certificate issued by AWS Private CA is not returned through '
      + 'CloudFormation (custom-resource responses are limited to 4096 bytes); read it with DescribeClusters (Certificates.ClusterCertificate).');
  });

  test('an output states the next step', () => {
    const { stack, vpc, ca } = setup();
    const cluster = new HsmCluster(stack, 'Cluster', { vpc });
    cluster.addHsm('Hsm1');
    cluster.initialize(ClusterInitialization.fromPrivateCa(ca));
    const outputs = Template.fromStack(stack).findOutputs('*');
    const next = Object.values(outputs).find((o: any) => JSON.stringify(o.Value).includes('NextStep')) as any;
    expect(next.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ClusterInitialization/), 'NextStep'] });
  });
});
