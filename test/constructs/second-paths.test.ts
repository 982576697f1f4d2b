// Issue #23, items 2 (the admin host's AMI), 5-13: what synth can know is refused at synth time,
// with the construct's path, the property, the value and the rule. Each test here failed before
// the change it covers.
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  CloudHsmCliPackage, ClusterActivationOptions, ClusterInitialization, HostVpcEndpoint, HsmAdminHost, HsmAdminHostOptions,
  HsmCluster, HsmKeyStore,
} from '../../src';

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
const CERTS = { signedCertificate: pem('MIIcluster'), trustAnchor: pem('MIIroot') };
const ENV = { account: '123456789012', region: 'us-east-1' };
const AZS = ['us-east-1a', 'us-east-1b'];
/** Any file stands in for the CLI's rpm: the asset's content does not matter to the template. */
const RPM = path.join(__dirname, '..', '..', 'package.json');

function stackWithVpc(vpcProps: Partial<ec2.VpcProps> = {}, app = new App()): { stack: Stack; vpc: ec2.Vpc } {
  const stack = new Stack(app, 'Stack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: AZS, natGateways: 1, ...vpcProps });
  return { stack, vpc };
}

function activatedCluster(stack: Stack, vpc: ec2.IVpc, id = 'Cluster', activation: ClusterActivationOptions = {}): HsmCluster {
  const cluster = new HsmCluster(stack, id, { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation });
  AZS.forEach((az, i) => cluster.addHsm(`Hsm${i + 1}`, { availabilityZone: az }));
  return cluster;
}

const isolatedVpc = (): Partial<ec2.VpcProps> => ({
  natGateways: 0,
  subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
});
const offlineHost = (extra: Partial<HsmAdminHostOptions> = {}): HsmAdminHostOptions => ({
  cliPackage: CloudHsmCliPackage.fromBucket(
    { bucketName: 'b', bucketArn: 'arn:aws:s3:::b', s3UrlForObject: (k: string) => `s3://b/${k}`, grantRead: () => undefined } as any, 'cli.rpm'),
  createVpcEndpoints: true,
  ...extra,
});

describe('item 2: the admin host keeps its AMI under an unchanged app', () => {
  test('the image is resolved by EC2 at launch: no SSM-parameter template parameter, whose value changes with each Amazon Linux release', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmAdminHost(stack, 'Host', { vpc });
    const template = Template.fromStack(stack);
    expect(Object.keys(template.toJSON().Parameters ?? {}).filter((p) => p.startsWith('SsmParameterValue'))).toEqual([]);
    const [instance] = Object.values(template.findResources('AWS::EC2::Instance'));
    expect(instance.Properties.ImageId).toBe('resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
  });

  test('machineImage pins the image the user chose', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmAdminHost(stack, 'Host', { vpc, machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-0123456789abcdef0' }) });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::Instance', { ImageId: 'ami-0123456789abcdef0' });
  });
});

describe('item 5: one key store per cluster', () => {
  test('a second HsmKeyStore on the same cluster is refused, naming both', () => {
    const { stack, vpc } = stackWithVpc();
    const cluster = activatedCluster(stack, vpc);
    new HsmKeyStore(stack, 'First', { cluster });
    expect(() => new HsmKeyStore(stack, 'Second', { cluster }))
      .toThrow('HsmKeyStore Stack/Second: cluster (ClusterId): Stack/Cluster already has the key store Stack/First; KMS allows one custom key store per cluster');
  });

  test('two clusters have a key store each', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmKeyStore(stack, 'A', { cluster: activatedCluster(stack, vpc, 'ClusterA') });
    new HsmKeyStore(stack, 'B', { cluster: activatedCluster(stack, vpc, 'ClusterB') });
    Template.fromStack(stack).resourceCountIs('Custom::CloudHsmKeyStore', 2);
  });
});

describe('item 6: a kmsuser secret imported by name or partial ARN', () => {
  const readResource = (secret: (s: Stack) => secretsmanager.ISecret) => {
    const { stack, vpc } = stackWithVpc();
    new HsmKeyStore(stack, 'KeyStore', { cluster: activatedCluster(stack, vpc), kmsUserSecret: secret(stack) });
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const read = statements.find((s) => s.Sid === 'ReadKmsUserSecrets');
    return JSON.stringify(read.Resource);
  };

  test('by name: the handler may read the secret with its random suffix', () => {
    expect(readResource((s) => secretsmanager.Secret.fromSecretNameV2(s, 'Kms', 'app/kmsuser'))).toContain(':secret:app/kmsuser-??????');
  });

  test('by partial ARN: the same', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/kmsuser';
    expect(readResource((s) => secretsmanager.Secret.fromSecretPartialArn(s, 'Kms', arn))).toBe(JSON.stringify(`${arn}-??????`));
  });

  test('by complete ARN: the ARN as it is', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/kmsuser-AbCdEf';
    expect(readResource((s) => secretsmanager.Secret.fromSecretCompleteArn(s, 'Kms', arn))).toBe(JSON.stringify(arn));
  });
});

describe('item 7: VPC endpoints once per VPC', () => {
  const endpointCount = (stack: Stack) => Object.keys(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint')).length;

  test('two activated clusters in one isolated VPC share the five endpoints', () => {
    const { stack, vpc } = stackWithVpc(isolatedVpc());
    activatedCluster(stack, vpc, 'ClusterA', { hostOptions: offlineHost() });
    activatedCluster(stack, vpc, 'ClusterB', { hostOptions: offlineHost() });
    expect(endpointCount(stack)).toBe(5);
    // Each host may reach each interface endpoint.
    const ingress = Object.values(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress'))
      .filter((r) => r.Properties.FromPort === 443);
    expect(ingress).toHaveLength(8);
  });

  test('endpoints the VPC has already are not made again', () => {
    const { stack, vpc } = stackWithVpc(isolatedVpc());
    activatedCluster(stack, vpc, 'Cluster', { hostOptions: offlineHost({ existingVpcEndpoints: [HostVpcEndpoint.S3, HostVpcEndpoint.SSM] }) });
    const services = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint')).map((r) => JSON.stringify(r.Properties.ServiceName));
    expect(services).toHaveLength(3);
    expect(services.join(' ')).not.toMatch(/\.s3"|\.ssm"/);
  });

  test('all five listed: an isolated host needs no createVpcEndpoints', () => {
    const { stack, vpc } = stackWithVpc(isolatedVpc());
    new HsmAdminHost(stack, 'Host', { vpc, ...offlineHost({ createVpcEndpoints: false, existingVpcEndpoints: Object.values(HostVpcEndpoint) }) });
    expect(endpointCount(stack)).toBe(0);
  });

  test('a second stack with a host in the same VPC is told to list the endpoints', () => {
    const app = new App();
    const { vpc } = stackWithVpc(isolatedVpc(), app);
    new HsmAdminHost(vpc.stack, 'HostA', { vpc, ...offlineHost() });
    const other = new Stack(app, 'Other', { env: ENV });
    expect(() => new HsmAdminHost(other, 'HostB', { vpc, ...offlineHost() }))
      .toThrow(/HsmAdminHost Other\/HostB: createVpcEndpoints: the VPC Stack\/Vpc gets its endpoints from Stack\/HostA .* existingVpcEndpoints/);
  });
});

describe('item 8: initializedOutsideStack needs the trust anchor', () => {
  test('without trustAnchor: refused at synth time', () => {
    const { stack, vpc } = stackWithVpc();
    expect(() => new HsmCluster(stack, 'Cluster', { vpc, activation: { initializedOutsideStack: true } }))
      .toThrow(/HsmCluster Stack\/Cluster: activation.trustAnchor \(TrustAnchor\): not given, but activation.initializedOutsideStack is set/);
  });

  test('a trustAnchor that is not a PEM certificate: refused', () => {
    const { stack, vpc } = stackWithVpc();
    expect(() => new HsmCluster(stack, 'Cluster', { vpc, activation: { initializedOutsideStack: true, trustAnchor: 'not a certificate' } }))
      .toThrow(/activation.trustAnchor \(TrustAnchor\): "not a certificate" is not a PEM certificate/);
  });

  test('with trustAnchor: the activation carries it', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmCluster(stack, 'Cluster', { vpc, activation: { initializedOutsideStack: true, trustAnchor: CERTS.trustAnchor } });
    Template.fromStack(stack).hasResourceProperties('Custom::CloudHsmActivation', { TrustAnchor: CERTS.trustAnchor });
  });
});

describe('item 9: at most 28 HSMs per cluster', () => {
  const cluster = () => {
    const { stack, vpc } = stackWithVpc();
    return new HsmCluster(stack, 'Cluster', { vpc, activated: true });
  };

  test('addHsms(29) is refused', () => {
    expect(() => cluster().addHsms(29)).toThrow('HsmCluster Stack/Cluster: addHsms count: 29 HSMs in cluster Stack/Cluster; CloudHSM allows at most 28 HSMs in a cluster');
  });

  test('addHsms(28) is accepted', () => {
    expect(cluster().addHsms(28)).toHaveLength(28);
  });

  test('the 29th HSM added one by one is refused', () => {
    const c = cluster();
    c.addHsms(28);
    expect(() => c.addHsm('Extra')).toThrow(/Hsm Stack\/Cluster\/Extra: cluster \(ClusterId\): 29 HSMs in cluster Stack\/Cluster; CloudHSM allows at most 28/);
  });
});

describe('item 10: a private subnet without a route out', () => {
  const noNat = (): Partial<ec2.VpcProps> => ({
    natGateways: 0,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ],
  });

  test('is refused for a host that downloads the CLI and has no endpoints', () => {
    const { stack, vpc } = stackWithVpc(noNat());
    expect(() => new HsmAdminHost(stack, 'Host', { vpc }))
      .toThrow(/HsmAdminHost Stack\/Host: vpcSubnets select the private subnet Stack\/Vpc\/PrivateSubnet1, whose route table has no route to 0.0.0.0\/0 .* createVpcEndpoints/);
  });

  test('is accepted with the endpoints and a package from S3', () => {
    const { stack, vpc } = stackWithVpc(noNat());
    new HsmAdminHost(stack, 'Host', { vpc, ...offlineHost() });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 5);
  });

  test('a private subnet with a NAT gateway is fine', () => {
    const { stack, vpc } = stackWithVpc();
    expect(() => new HsmAdminHost(stack, 'Host', { vpc })).not.toThrow();
  });
});

describe('item 11: a Graviton host gets an arm64 image', () => {
  test('t4g: the aarch64 Amazon Linux 2023 parameter', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmAdminHost(stack, 'Host', { vpc, instanceType: new ec2.InstanceType('t4g.micro') });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.micro',
      ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
    });
  });
});

describe('item 12: a key store in another stack than its cluster', () => {
  test('is refused with what to do instead', () => {
    const app = new App();
    const { stack, vpc } = stackWithVpc({}, app);
    const cluster = activatedCluster(stack, vpc);
    const other = new Stack(app, 'Keys', { env: ENV });
    expect(() => new HsmKeyStore(other, 'KeyStore', { cluster }))
      .toThrow(/HsmKeyStore Keys\/KeyStore: cluster \(ClusterId\): Stack\/Cluster is in the stack Stack, not in this key store's stack Keys; declare the HsmKeyStore in the cluster's stack/);
  });
});

describe('item 13: CloudHsmCliPackage.fromAsset', () => {
  test('the host may read the package object only, not the whole assets bucket', () => {
    const { stack, vpc } = stackWithVpc();
    new HsmAdminHost(stack, 'Host', { vpc, cliPackage: CloudHsmCliPackage.fromAsset(RPM) });
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const s3Resources = policies.flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('s3:')))
      .flatMap((s: any) => [s.Resource].flat())
      .map((r: unknown) => JSON.stringify(r));
    expect(s3Resources.length).toBeGreaterThan(0);
    // Object ARNs name the asset's key (a hash + .rpm-like extension), never `bucket/*`.
    const objectArns = s3Resources.filter((r: string) => r.includes('/'));
    expect(objectArns.length).toBeGreaterThan(0);
    for (const r of objectArns) {
      expect(r).not.toMatch(/\/\*"/);
      expect(r).toMatch(/\/[0-9a-f]{64}\.json/);
    }
  });
});
