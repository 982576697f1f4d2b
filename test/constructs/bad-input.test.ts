// Table-driven bad input across the constructs (synth time) and the handler (deploy time, for values
// that were tokens at synth time). Each case states the exact message: property, value and rule.
import { App, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { onEvent } from '../../lambda/index';
import {
  BackupCopy, BackupCopyProps, ClusterActivationOptions, ClusterInitialization, HsmAdminHost, HsmCluster, HsmClusterProps,
  HsmKeyStore, HsmKeyStoreProps, HsmOptions, HsmType,
} from '../../src';
import { CERTS, isolatedVpc, pemOf, testStack } from '../fixtures/stack';

process.env.CDK_CLOUDHSM_QUIET = '1';

const AZ_RULE = '^[a-z]{2}(-(gov))?-(east|west|north|south|central){1,2}-\\d[a-z]$';
const HSM_TYPE_RULE = '^(p|)hsm[0-9][a-z.]*\\.[a-zA-Z]+$';
const SOURCE_BACKUP_RULE = '^(arn:aws(-(us-gov))?:cloudhsm:([a-z]{2}(-(gov|isob|iso))?-(east|west|north|south|central){1,2}-[0-9]{1}):[0-9]{12}:backup\\/)?backup-[2-7a-zA-Z]{11,16}$';
const REGION_RULE = '^[a-z]{2}(-(gov))?-(east|west|north|south|central){1,2}-\\d$';
const BACKUP_ID_RULE = '^backup-[2-7a-zA-Z]{11,16}$';
const CLUSTER_ID_RULE = '^cluster-[2-7a-zA-Z]{11,16}$';
const TAG_CHARS = 'letters, digits, spaces and _ . : / + = - @ only';
const RETENTION_RULE = 'CloudHSM keeps backups for a whole number of days from 7 to 379';

interface Ctx { stack: Stack; vpc: ec2.Vpc }

function setup(): Ctx {
  const stack = testStack();
  return { stack, vpc: isolatedVpc(stack, { availabilityZones: ['us-east-1a', 'us-east-1b'], cidr: '10.0.0.0/16', cidrMask: 24 }) };
}

function thrown(act: () => unknown): string {
  try {
    act();
  } catch (e) {
    return (e as Error).message;
  }
  return '(nothing thrown)';
}

async function rejected(act: () => Promise<unknown>): Promise<string> {
  try {
    await act();
  } catch (e) {
    return (e as Error).message;
  }
  return '(nothing thrown)';
}

const clusterCase = (props: (c: Ctx) => Partial<HsmClusterProps>) => () => {
  const ctx = setup();
  return thrown(() => new HsmCluster(ctx.stack, 'Cluster', { vpc: ctx.vpc, ...props(ctx) }));
};

const clusterTagCase = (tags: Record<string, string>) => () => {
  const { stack, vpc } = setup();
  const cluster = new HsmCluster(stack, 'Cluster', { vpc });
  for (const [k, v] of Object.entries(tags)) cluster.tags.setTag(k, v);
  return thrown(() => App.of(stack)!.synth());
};

const hsmCase = (options: (c: Ctx) => HsmOptions) => () => {
  const ctx = setup();
  const cluster = new HsmCluster(ctx.stack, 'Cluster', { vpc: ctx.vpc });
  return thrown(() => cluster.addHsm('Hsm1', options(ctx)));
};

const copyCase = (props: (c: Ctx) => Partial<BackupCopyProps>) => () => {
  const ctx = setup();
  return thrown(() => new BackupCopy(ctx.stack, 'Copy', { destinationRegion: 'us-west-2', ...props(ctx) } as BackupCopyProps));
};


/** An initialized cluster with `activation` whose options come from `options`. */
const activationCase = (options: (c: Ctx) => ClusterActivationOptions, initialized = true) => () => {
  const ctx = setup();
  return thrown(() => new HsmCluster(ctx.stack, 'Cluster', {
    vpc: ctx.vpc,
    initialization: initialized ? ClusterInitialization.fromCertificates(CERTS) : undefined,
    activation: options(ctx),
  }));
};
const generated = (c: Ctx, options: secretsmanager.SecretStringGenerator) => new secretsmanager.Secret(c.stack, 'Admin', { generateSecretString: options });
const SECRET = 'activation.adminSecret (AdminSecretArn): the secret Stack/Admin';

/** A key store on an activated cluster with two HSMs in two zones, with `props`. */
const keyStoreCase = (props: (c: Ctx) => Partial<HsmKeyStoreProps>, activated = true) => () => {
  const ctx = setup();
  const cluster = new HsmCluster(ctx.stack, 'Cluster', {
    vpc: ctx.vpc,
    initialization: ClusterInitialization.fromCertificates(CERTS),
    activation: activated ? { host: HsmAdminHost.fromInstanceAttributes(ctx.stack, 'Host', { instanceId: 'i-0123456789abcdef0', vpc: ctx.vpc }) } : undefined,
  });
  cluster.addHsm('Hsm1', { availabilityZone: 'us-east-1a' });
  cluster.addHsm('Hsm2', { availabilityZone: 'us-east-1b' });
  return thrown(() => new HsmKeyStore(ctx.stack, 'KeyStore', { cluster, ...props(ctx) }));
};
const K = 'HsmKeyStore Stack/KeyStore: ';
const kmsUserSecret = (c: Ctx, options: secretsmanager.SecretStringGenerator) => new secretsmanager.Secret(c.stack, 'KmsUser', { generateSecretString: options });

const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

const C = 'HsmCluster Stack/Cluster: ';
const B = 'BackupCopy Stack/Copy: ';
const BOTH = 'backupId (BackupId) and cluster (ClusterId): both are given; give exactly one (a backup to copy, or a cluster whose newest READY backup is copied)';
const NEITHER = 'backupId (BackupId) and cluster (ClusterId): neither is given; give exactly one (a backup to copy, or a cluster whose newest READY backup is copied)';
const H = 'Hsm Stack/Cluster/Hsm1: ';

const SYNTH_CASES: [string, () => string, string][] = [
  ['cluster (ClusterId): retention 6 days', clusterCase(() => ({ backupRetention: Duration.days(6) })), `${C}backupRetention (BackupRetentionDays): 6 days is not valid; ${RETENTION_RULE}`],
  ['cluster (ClusterId): retention 380 days', clusterCase(() => ({ backupRetention: Duration.days(380) })), `${C}backupRetention (BackupRetentionDays): 380 days is not valid; ${RETENTION_RULE}`],
  ['cluster (ClusterId): retention 36 hours', clusterCase(() => ({ backupRetention: Duration.hours(36) })), `${C}backupRetention (BackupRetentionDays): 1.5 days is not valid; ${RETENTION_RULE}`],
  ['cluster (ClusterId): retention 0', clusterCase(() => ({ backupRetention: Duration.days(0) })), `${C}backupRetention (BackupRetentionDays): 0 days is not valid; ${RETENTION_RULE}`],
  ['cluster (ClusterId): HSM type without a dot', clusterCase(() => ({ hsmType: HsmType.of('hsm2mmedium') })),
    `${C}hsmType (HsmType): "hsm2mmedium" is not an HSM type (such as hsm1.medium or hsm2m.medium) (must match ${HSM_TYPE_RULE})`],
  ['cluster (ClusterId): HSM type upper case', clusterCase(() => ({ hsmType: HsmType.of('HSM1.medium') })),
    `${C}hsmType (HsmType): "HSM1.medium" is not an HSM type (such as hsm1.medium or hsm2m.medium) (must match ${HSM_TYPE_RULE})`],
  ['cluster (ClusterId): HSM type too long', clusterCase(() => ({ hsmType: HsmType.of(`hsm1.${'m'.repeat(30)}`) })),
    `${C}hsmType (HsmType): "hsm1.${'m'.repeat(30)}" is not an HSM type (at most 32 characters)`],
  ['cluster (ClusterId): source backup id too short', clusterCase(() => ({ sourceBackupId: 'backup-abc' })),
    `${C}sourceBackupId (SourceBackupId): "backup-abc" is not a CloudHSM backup id or backup ARN (must match ${SOURCE_BACKUP_RULE})`],
  ['cluster (ClusterId): source backup is a cluster id', clusterCase(() => ({ sourceBackupId: 'cluster-abcdefghijk' })),
    `${C}sourceBackupId (SourceBackupId): "cluster-abcdefghijk" is not a CloudHSM backup id or backup ARN (must match ${SOURCE_BACKUP_RULE})`],
  ['cluster (ClusterId): source backup id with digits 0/1/8/9', clusterCase(() => ({ sourceBackupId: 'backup-01890189018' })),
    `${C}sourceBackupId (SourceBackupId): "backup-01890189018" is not a CloudHSM backup id or backup ARN (must match ${SOURCE_BACKUP_RULE})`],
  ['cluster (ClusterId): source backup ARN of a cluster', clusterCase(() => ({ sourceBackupId: 'arn:aws:cloudhsm:us-east-1:123456789012:cluster/backup-abcdefghijk' })),
    `${C}sourceBackupId (SourceBackupId): "arn:aws:cloudhsm:us-east-1:123456789012:cluster/backup-abcdefghijk" is not a CloudHSM backup id or backup ARN (must match ${SOURCE_BACKUP_RULE})`],
  ['cluster (ClusterId): no subnets', clusterCase(({ vpc }) => ({ vpcSubnets: { subnets: [] }, vpc })),
    `${C}vpcSubnets (SubnetIds): 0 subnets selected (none); a CloudHSM cluster needs 1 to 10 subnets`],
  ['cluster (ClusterId): two subnets in one AZ', clusterCase(({ stack }) => ({
    vpcSubnets: {
      subnets: ['0', '1'].map((i) => ec2.Subnet.fromSubnetAttributes(stack, `S${i}`, { subnetId: `subnet-0000000${i}`, availabilityZone: 'us-east-1a' })),
    },
  })), `${C}vpcSubnets (SubnetIds): subnets subnet-00000000 and subnet-00000001 are both in us-east-1a; a CloudHSM cluster takes at most one subnet per Availability Zone`],
  ['cluster (ClusterId): 11 subnets', clusterCase(({ stack }) => ({
    vpcSubnets: {
      subnets: Array.from({ length: 11 }, (_, i) => ec2.Subnet.fromSubnetAttributes(stack, `S${i}`, {
        subnetId: `subnet-000000${String(i).padStart(2, '0')}`, availabilityZone: `us-east-1${String.fromCharCode(97 + i)}`,
      })),
    },
  })), `${C}vpcSubnets (SubnetIds): 11 subnets selected (${Array.from({ length: 11 }, (_, i) => `subnet-000000${String(i).padStart(2, '0')}`).join(', ')}); a CloudHSM cluster needs 1 to 10 subnets`],
  ['cluster (ClusterId): subnet of another VPC', clusterCase(({ stack, vpc }) => {
    const other = new ec2.Vpc(stack, 'Other', { maxAzs: 1, subnetConfiguration: [{ name: 'x', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    return { vpc, vpcSubnets: { subnets: [vpc.isolatedSubnets[0], other.isolatedSubnets[0]] } };
  }), `${C}vpcSubnets (SubnetIds): subnet Stack/Other/xSubnet1 belongs to VPC Stack/Other, not to the cluster's VPC Stack/Vpc; all subnets of a cluster must be in one VPC`],
  ['cluster (ClusterId): 50 tags', clusterTagCase(many(50)),
    'Validation failed with the following errors:\n  [Stack/Cluster] tags (Tags): 50 tags given; at most 49 are allowed (CloudHSM allows 50 and cdk-cloudhsm uses one to make retried creates idempotent)'],
  ['cluster (ClusterId): tag key of 129 characters', clusterTagCase({ ['k'.repeat(129)]: 'v' }),
    `Validation failed with the following errors:\n  [Stack/Cluster] tags (Tags): tag key "${'k'.repeat(129)}" is 129 characters long; tag keys must be 1 to 128 characters`],
  ['cluster (ClusterId): tag key with aws: prefix', clusterTagCase({ 'aws:team': 'v' }),
    'Validation failed with the following errors:\n  [Stack/Cluster] tags (Tags): tag key "aws:team" uses the reserved prefix "aws:"'],
  ['cluster (ClusterId): tag key with the library prefix', clusterTagCase({ 'cdk-cloudhsm:x': 'v' }),
    'Validation failed with the following errors:\n  [Stack/Cluster] tags (Tags): tag key "cdk-cloudhsm:x" uses the reserved prefix "cdk-cloudhsm:"'],
  ['cluster (ClusterId): tag key with a bad character', clusterTagCase({ 'team#1': 'v' }),
    `Validation failed with the following errors:\n  [Stack/Cluster] tags (Tags): tag key "team#1" has characters CloudHSM does not allow (${TAG_CHARS})`],
  ['cluster (ClusterId): tag value of 257 characters', clusterTagCase({ team: 'v'.repeat(257) }),
    'Validation failed with the following errors:\n  [Stack/Cluster] tags (Tags): the value of tag "team" is 257 characters long; tag values must be at most 256 characters'],
  ['cluster (ClusterId): tag value with a bad character', clusterTagCase({ team: 'a*b' }),
    `Validation failed with the following errors:\n  [Stack/Cluster] tags (Tags): the value of tag "team" ("a*b") has characters CloudHSM does not allow (${TAG_CHARS})`],
  ['hsm: AZ outside the cluster', hsmCase(() => ({ availabilityZone: 'us-east-1c' })),
    `${H}availabilityZone (AvailabilityZone): "us-east-1c" is not one of the cluster's Availability Zones (us-east-1a, us-east-1b)`],
  ['hsm: AZ that is a region', hsmCase(() => ({ availabilityZone: 'us-east-1' })),
    `${H}availabilityZone (AvailabilityZone): "us-east-1" is not an Availability Zone name (must match ${AZ_RULE})`],
  ['hsm: AZ id instead of name', hsmCase(() => ({ availabilityZone: 'use1-az1' })),
    `${H}availabilityZone (AvailabilityZone): "use1-az1" is not an Availability Zone name (must match ${AZ_RULE})`],
  ['hsm: subnet in another AZ', hsmCase(({ vpc }) => ({ availabilityZone: 'us-east-1a', subnet: vpc.isolatedSubnets[1] })),
    `${H}subnet: Stack/Vpc/hsmSubnet2 is in us-east-1b, not in availabilityZone (AvailabilityZone) "us-east-1a"`],
  ['hsm: IP with a part over 255', hsmCase(() => ({ ipAddress: '10.0.0.256' })), `${H}ipAddress (IpAddress): "10.0.0.256" is not an IPv4 address`],
  ['hsm: IPv6 address', hsmCase(() => ({ ipAddress: 'fd00::1' })), `${H}ipAddress (IpAddress): "fd00::1" is not an IPv4 address`],
  ['hsm: IP outside the subnet', hsmCase(() => ({ availabilityZone: 'us-east-1b', ipAddress: '10.0.0.9' })),
    `${H}ipAddress (IpAddress): "10.0.0.9" is not in 10.0.1.0/24, the CIDR block of subnet Stack/Vpc/hsmSubnet2 where the HSM is placed`],
  ['activation: without initialization on a new cluster', activationCase(() => ({}), false),
    `${C}activation: the cluster must be initialized first; add initialization (or set activation.initializedOutsideStack if it was initialized outside this stack)`],
  ['activation: a host in another VPC', activationCase(({ stack }) => {
    const other = new ec2.Vpc(stack, 'Other', { maxAzs: 1, natGateways: 1 });
    return { host: new HsmAdminHost(stack, 'Host', { vpc: other }) };
  }), `${C}activation.host (InstanceId): Stack/Host is in VPC Stack/Other, not in the cluster's VPC Stack/Vpc; the CloudHSM CLI must reach the HSMs from inside the cluster's VPC`],
  ['activation: an imported host in another VPC', activationCase(({ stack }) => ({
    host: HsmAdminHost.fromInstanceAttributes(stack, 'Host', {
      instanceId: 'i-0123456789abcdef0', vpc: ec2.Vpc.fromVpcAttributes(stack, 'Other', { vpcId: 'vpc-0aaaabbbbccccdddd', availabilityZones: ['us-east-1a'] }),
    }),
  })), `${C}activation.host (InstanceId): Stack/Host is in VPC "vpc-0aaaabbbbccccdddd", not in the cluster's VPC Stack/Vpc; the CloudHSM CLI must reach the HSMs from inside the cluster's VPC`],
  ['activation: an isolated host without endpoints or package', activationCase(() => ({})),
    'HsmAdminHost Stack/Cluster/AdminHost: vpcSubnets are isolated (no internet egress), so the host needs VPC endpoints for SSM, SSM messages, EC2 messages, '
    + 'Secrets Manager and S3 (set createVpcEndpoints: true, or vpcEndpointsExist: true if the VPC has them) and a CloudHSM CLI package it can reach '
    + '(cliPackage: CloudHsmCliPackage.fromAsset(rpmFile) or fromBucket(bucket, key))'],
  ['activation: a password secret whose value is in the template', activationCase((c) => ({
    adminSecret: new secretsmanager.Secret(c.stack, 'Admin', { secretStringValue: SecretValue.unsafePlainText('Passw0rdPassw0rd') }),
  })), `${C}${SECRET} has its value written into the template (secretStringValue); the admin password must not appear there: `
    + 'let Secrets Manager generate it (generateSecretString) or use a secret made outside the stack'],
  ['activation: a generated password too long for the CLI', activationCase((c) => ({ adminSecret: generated(c, { passwordLength: 40, excludePunctuation: true }) })),
    `${C}${SECRET} generates 40-character passwords; the CloudHSM CLI takes 8 to 32 (passwordLength)`],
  ['activation: a generated password with quotes', activationCase((c) => ({ adminSecret: generated(c, {}) })),
    `${C}${SECRET} may generate quotes or backslashes, which the activation cannot pass to the CloudHSM CLI; set excludePunctuation: true or add '"\\ to excludeCharacters`],
  ['activation: a generated password with spaces', activationCase((c) => ({ adminSecret: generated(c, { includeSpace: true, excludePunctuation: true }) })),
    `${C}${SECRET} may generate spaces (includeSpace), which the activation cannot pass to the CloudHSM CLI`],
  ['activation: a JSON secret without the field', activationCase((c) => ({
    adminSecret: generated(c, { excludePunctuation: true, secretStringTemplate: '{"username":"admin"}', generateStringKey: 'password' }),
  })), `${C}activation.adminSecretField (AdminSecretField): the secret Stack/Admin is JSON (generateStringKey "password"); name the password's field`],
  ['activation: a field of a plain secret', activationCase((c) => ({ adminSecret: generated(c, { excludePunctuation: true }), adminSecretField: 'password' })),
    `${C}activation.adminSecretField (AdminSecretField): "password" is given but the secret Stack/Admin is a plain string, not JSON`],
  ['copy: neither backupId nor cluster', copyCase(() => ({})), `${B}${NEITHER}`],
  ['copy: both backupId and cluster', copyCase(({ stack }) => ({
    backupId: 'backup-abcdefghijk', cluster: HsmCluster.fromClusterAttributes(stack, 'I', { clusterId: 'cluster-abcdefghijk' }),
  })), `${B}${BOTH}`],
  ['copy: destination is the stack region', copyCase(() => ({ backupId: 'backup-abcdefghijk', destinationRegion: 'us-east-1' })),
    `${B}destinationRegion (DestinationRegion): "us-east-1" is the region of the source backup (the stack's region); a backup copy must go to another region`],
  ['copy: destination is an AZ', copyCase(() => ({ backupId: 'backup-abcdefghijk', destinationRegion: 'us-west-2a' })),
    `${B}destinationRegion (DestinationRegion): "us-west-2a" is not an AWS region name (must match ${REGION_RULE})`],
  ['copy: destination upper case', copyCase(() => ({ backupId: 'backup-abcdefghijk', destinationRegion: 'US-WEST-2' })),
    `${B}destinationRegion (DestinationRegion): "US-WEST-2" is not an AWS region name (must match ${REGION_RULE})`],
  ['copy: backup id of a cluster', copyCase(() => ({ backupId: 'cluster-abcdefghijk' })),
    `${B}backupId (BackupId): "cluster-abcdefghijk" is not a CloudHSM backup id (must match ${BACKUP_ID_RULE})`],
  ['copy: backup ARN where an id is expected', copyCase(() => ({ backupId: 'arn:aws:cloudhsm:us-east-1:123456789012:backup/backup-abcdefghijk' })),
    `${B}backupId (BackupId): "arn:aws:cloudhsm:us-east-1:123456789012:backup/backup-abcdefghijk" is not a CloudHSM backup id (must match ${BACKUP_ID_RULE})`],
  ['key store: cluster not activated by the stack', keyStoreCase(() => ({}), false),
    `${K}cluster (ClusterId): Stack/Cluster has no admin host and admin secret here; a key store creates kmsuser through them: `
    + 'activate the cluster in this stack (activation; activation.initializedOutsideStack with trustAnchor and adminSecret for a '
    + 'cluster initialized or activated outside it), or import an existing ACTIVE cluster with HsmCluster.fromClusterAttributes '
    + 'and its adminSecret, trustAnchor, vpc and securityGroupId'],
  ['key store: name too long', keyStoreCase(() => ({ customKeyStoreName: 'k'.repeat(257) })),
    `${K}customKeyStoreName (CustomKeyStoreName): "${'k'.repeat(257)}" has 257 characters; a key store name has 1 to 256`],
  ['key store: empty name', keyStoreCase(() => ({ customKeyStoreName: '' })),
    `${K}customKeyStoreName (CustomKeyStoreName): "" has 0 characters; a key store name has 1 to 256`],
  ['key store: kmsuser password in the template', keyStoreCase((c) => ({
    kmsUserSecret: new secretsmanager.Secret(c.stack, 'KmsUser', { secretStringValue: SecretValue.unsafePlainText('Kms4User5Password6') }),
  })), `${K}kmsUserSecret (KmsUserSecretArn): the secret Stack/KmsUser has its value written into the template (secretStringValue); the kmsuser password must not appear there: let Secrets Manager generate it (generateSecretString) or use a secret made outside the stack`],
  ['key store: kmsuser password too long', keyStoreCase((c) => ({ kmsUserSecret: kmsUserSecret(c, { passwordLength: 40, excludePunctuation: true }) })),
    `${K}kmsUserSecret (KmsUserSecretArn): the secret Stack/KmsUser generates 40-character passwords; the CloudHSM CLI takes 8 to 32 (passwordLength)`],
  ['key store: kmsuser password with quotes', keyStoreCase((c) => ({ kmsUserSecret: kmsUserSecret(c, { passwordLength: 20 }) })),
    `${K}kmsUserSecret (KmsUserSecretArn): the secret Stack/KmsUser may generate quotes or backslashes, which the kmsuser script cannot pass to the CloudHSM CLI; set excludePunctuation: true or add '"\\ to excludeCharacters`],
  ['key store: kmsuser secret as JSON', keyStoreCase((c) => ({
    kmsUserSecret: kmsUserSecret(c, { passwordLength: 20, excludePunctuation: true, generateStringKey: 'password', secretStringTemplate: '{}' }),
  })), `${K}kmsUserSecret (KmsUserSecretArn): the secret Stack/KmsUser is JSON (generateStringKey); the kmsuser secret must be the password as a plain string`],
  ['key store: imported id that is not one', () => thrown(() => HsmKeyStore.fromCustomKeyStoreId(setup().stack, 'Store', 'cluster-abcdefghijk')),
    'HsmKeyStore Stack/Store: customKeyStoreId: "cluster-abcdefghijk" is not a custom key store id (cks- and 17 lowercase letters or digits)'],
];

const activationEvent = (props: Record<string, unknown>) => ({
  RequestType: 'Create' as const,
  RequestId: 'r',
  ResourceType: 'Custom::CloudHsmActivation',
  LogicalResourceId: 'ClusterActivation',
  StackId: 's',
  ResourceProperties: {
    ClusterId: 'cluster-abcdefghijk',
    InstanceId: 'i-0123456789abcdef0',
    AdminSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf',
    ...props,
  },
});
const keyStoreEvent = (props: Record<string, unknown>) => ({
  RequestType: 'Create' as const,
  RequestId: 'r',
  ResourceType: 'Custom::CloudHsmKeyStore',
  LogicalResourceId: 'KeyStore',
  StackId: 's',
  ResourceProperties: {
    ClusterId: 'cluster-abcdefghijk',
    InstanceId: 'i-0123456789abcdef0',
    AdminSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf',
    KmsUserSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kmsuser-AbCdEf',
    CustomKeyStoreName: 'keys',
    TrustAnchor: pemOf('MIIroot'),
    ...props,
  },
});
const clusterEvent = (props: Record<string, unknown>) => ({
  RequestType: 'Create' as const,
  RequestId: 'r',
  ResourceType: 'Custom::CloudHsmCluster',
  LogicalResourceId: 'Cluster',
  StackId: 's',
  ResourceProperties: { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-00000000'], ...props },
});
const hsmEvent = (props: Record<string, unknown>) => ({
  RequestType: 'Create' as const,
  RequestId: 'r',
  ResourceType: 'Custom::CloudHsmHsm',
  LogicalResourceId: 'Hsm1',
  StackId: 's',
  ResourceProperties: { ClusterId: 'cluster-abcdefghijk', ...props },
});

// Values that were tokens (parameters, imports) at synth time and resolve to bad values at deploy time.
const DEPLOY_CASES: [string, any, string][] = [
  ['cluster (ClusterId): HSM type from a parameter', clusterEvent({ HsmType: 'hsm-large' }),
    `hsmType (HsmType): "hsm-large" is not an HSM type (such as hsm1.medium or hsm2m.medium) (must match ${HSM_TYPE_RULE})`],
  ['cluster (ClusterId): retention from a parameter', clusterEvent({ BackupRetentionDays: '400' }), `backupRetention (BackupRetentionDays): 400 days is not valid; ${RETENTION_RULE}`],
  ['cluster (ClusterId): retention of part days from a parameter', clusterEvent({ BackupRetentionDays: '7.5' }), `backupRetention (BackupRetentionDays): 7.5 days is not valid; ${RETENTION_RULE}`],
  ['cluster (ClusterId): no subnets from an import', clusterEvent({ SubnetIds: [] }), 'vpcSubnets (SubnetIds): 0 subnets selected (none); a CloudHSM cluster needs 1 to 10 subnets'],
  ['cluster (ClusterId): mode', clusterEvent({ Mode: 'STRICT' }), 'mode (Mode): "STRICT" is not one of FIPS, NON_FIPS'],
  ['cluster (ClusterId): network type', clusterEvent({ NetworkType: 'IPV6' }), 'networkType (NetworkType): "IPV6" is not one of IPV4, DUALSTACK'],
  ['cluster (ClusterId): source backup', clusterEvent({ SourceBackupId: 'bkp-1' }),
    `sourceBackupId (SourceBackupId): "bkp-1" is not a CloudHSM backup id or backup ARN (must match ${SOURCE_BACKUP_RULE})`],
  ['cluster (ClusterId): tag with aws: prefix', clusterEvent({ Tags: [{ Key: 'aws:x', Value: 'y' }] }), 'tags (Tags): tag key "aws:x" uses the reserved prefix "aws:"'],
  ['hsm: cluster id from an import', hsmEvent({ ClusterId: 'cluster-1' }),
    `cluster (ClusterId): "cluster-1" is not a CloudHSM cluster id (must match ${CLUSTER_ID_RULE})`],
  ['hsm: AZ from a parameter', hsmEvent({ AvailabilityZone: 'us-east-1' }),
    `availabilityZone (AvailabilityZone): "us-east-1" is not an Availability Zone name (must match ${AZ_RULE})`],
  ['hsm: IP from a parameter', hsmEvent({ IpAddress: '10.0.0' }), 'ipAddress (IpAddress): "10.0.0" is not an IPv4 address'],
  ['activation: instance id from an import', activationEvent({ InstanceId: 'web-1' }),
    'host (InstanceId): "web-1" is not an EC2 instance id (must match ^(i-[0-9a-f]{8,17}|mi-[0-9a-f]{17})$)'],
  ['activation: secret name instead of ARN', activationEvent({ AdminSecretArn: 'cluster-admin' }),
    'adminSecret (AdminSecretArn): "cluster-admin" is not a Secrets Manager secret ARN'],
  ['key store: kmsuser secret name instead of ARN', keyStoreEvent({ KmsUserSecretArn: 'kmsuser' }),
    'kmsUserSecret (KmsUserSecretArn): "kmsuser" is not a Secrets Manager secret ARN'],
  ['key store: cluster id from an import', keyStoreEvent({ ClusterId: 'cluster-1' }),
    `cluster (ClusterId): "cluster-1" is not a CloudHSM cluster id (must match ${CLUSTER_ID_RULE})`],
  ['key store: name from a parameter, too long', keyStoreEvent({ CustomKeyStoreName: 'n'.repeat(300) }),
    `customKeyStoreName (CustomKeyStoreName): "${'n'.repeat(300)}" must have 1 to 256 characters`],
  ['key store: no trust anchor', keyStoreEvent({ TrustAnchor: undefined }),
    'trustAnchor (TrustAnchor): the cluster\'s trust anchor is needed (TrustAnchor or CertificateAuthorityArn)'],
];

describe('bad input at synth time: exact messages', () => {
  test.each(SYNTH_CASES)('%s', (_name, act, message) => {
    expect(act()).toBe(message);
  });
});

describe('bad input at deploy time: exact messages, before any API call', () => {
  test.each(DEPLOY_CASES)('%s', async (_name, event, message) => {
    const construct = { 'Custom::CloudHsmHsm': 'Hsm', 'Custom::CloudHsmActivation': 'HsmActivation', 'Custom::CloudHsmKeyStore': 'HsmKeyStore' }[event.ResourceType as string] ?? 'HsmCluster';
    expect(await rejected(() => onEvent(event))).toBe(`${construct} ${event.LogicalResourceId}: ${message}`);
  });
});

test('the suite covers at least 40 cases', () => {
  expect(SYNTH_CASES.length + DEPLOY_CASES.length).toBeGreaterThanOrEqual(45);
});
