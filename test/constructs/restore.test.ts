// A cluster restored from a backup (sourceBackupId) has the backup's users: activation does not
// generate an admin secret for it (that password would not log in), it takes the source cluster's
// admin secret and trust anchor, and its Custom::CloudHsmActivation only checks the login (Restored).
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ClusterInitialization, HsmCluster } from '../../src';
import { CA_ARN } from '../fixtures/activation-stack';
import { pemCertificate } from '../fixtures/pem';

const TRUST_ANCHOR = pemCertificate(1200);
const SECRET_ARN = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:source-admin-AbCdEf';

/** A stack with a cluster restored from a backup (not yet activated); `initialize` adds an initialization. */
function restored(initialize = false) {
  const app = new App();
  const stack = new Stack(app, 'Dr', { env: { account: '123456789012', region: 'us-west-2' } });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc: new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-west-2a', 'us-west-2b'], natGateways: 1 }),
    sourceBackupId: 'backup-abcdefghijk',
    ...(initialize ? { initialization: ClusterInitialization.fromPrivateCa(acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_ARN)) } : {}),
  });
  const source = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Source', SECRET_ARN);
  const addHsms = () => ['a', 'b'].forEach((az, i) => cluster.addHsm(`Hsm${i + 1}`, { availabilityZone: `us-west-2${az}` }));
  return { stack, cluster, source, addHsms };
}

test('the source cluster\'s admin secret and trust anchor: no secret generated, the activation marked Restored and after the first HSM', () => {
  const r = restored();
  r.cluster.activate({ adminSecret: r.source, trustAnchor: TRUST_ANCHOR });
  r.addHsms();
  const t = Template.fromStack(r.stack);
  t.resourceCountIs('AWS::SecretsManager::Secret', 0);
  const [id, activation] = Object.entries(t.findResources('Custom::CloudHsmActivation'))[0] as [string, any];
  expect(activation.Properties).toMatchObject({ AdminSecretArn: SECRET_ARN, TrustAnchor: TRUST_ANCHOR, Restored: true });
  const hsms = Object.keys(t.findResources('Custom::CloudHsmHsm'));
  expect(activation.DependsOn).toEqual(expect.arrayContaining([hsms[0]]));
  // The HSMs of a restored cluster do not wait for the activation (it is ACTIVE from the start).
  for (const h of Object.values(t.findResources('Custom::CloudHsmHsm')) as any[]) expect(h.DependsOn ?? []).not.toContain(id);
});

test('a generated admin secret is refused: the restored cluster\'s admin is the source\'s', () => {
  const r = restored();
  expect(() => r.cluster.activate({ trustAnchor: TRUST_ANCHOR }))
    .toThrow(/activation\.adminSecret \(AdminSecretArn\): required, because the cluster is restored from a backup \(sourceBackupId\)/);
});

test('the trust anchor is required; initialization is refused', () => {
  const r = restored();
  expect(() => r.cluster.activate({ adminSecret: r.source })).toThrow(/activation\.trustAnchor \(TrustAnchor\): required, because the cluster is restored/);
  const i = restored(true);
  expect(() => i.cluster.activate({ adminSecret: i.source, trustAnchor: TRUST_ANCHOR }))
    .toThrow(/initialization: the cluster is restored from a backup \(sourceBackupId\), which is initialized and ACTIVE/);
});

test('the admin check needs an HSM of the restored cluster', () => {
  const r = restored();
  r.cluster.activate({ adminSecret: r.source, trustAnchor: TRUST_ANCHOR });
  expect(() => Template.fromStack(r.stack)).toThrow(/its admin secret is checked on an HSM of the cluster: add one with addHsm/);
});

test('a new cluster\'s activation carries no Restored property (templates of earlier versions are unchanged)', () => {
  const app = new App();
  const stack = new Stack(app, 'New', { env: { account: '123456789012', region: 'us-east-1' } });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc: new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 }),
    initialization: ClusterInitialization.fromPrivateCa(acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', CA_ARN)),
    activation: {},
  });
  cluster.addHsm('Hsm1');
  const activation = Object.values(Template.fromStack(stack).findResources('Custom::CloudHsmActivation'))[0] as any;
  expect(activation.Properties.Restored).toBeUndefined();
});
