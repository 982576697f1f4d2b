// The CloudHSM v2 simulator's clusters and HSMs (ops/clusters.ts, ops/hsms.ts) on the virtual clock, through the real SDK client over HTTP.

import {
  CreateClusterCommand,
  CreateClusterCommandInput,
  CreateHsmCommand,
  DeleteClusterCommand,
  DeleteHsmCommand,
  DescribeBackupsCommand,
  DescribeClustersCommand,
  InitializeClusterCommand,
  ModifyClusterCommand,
  ModifyClusterCommandInput,
} from '@aws-sdk/client-cloudhsm-v2';
import { DEFAULT_START_MS } from '..';
import {
  MIN,
  REGION,
  S0,
  S1,
  S2,
  S3,
  CERT,
  ANCHOR,
  ID,
  sim,
  client,
  expectError,
  createCluster,
  describeOne,
  clusterWithCsr,
  activeCluster,
} from './cloudhsm-setup';
import { pemChain } from '../../fixtures/pem';

describe('CreateCluster', () => {
  test('creates a cluster in CREATE_IN_PROGRESS with the documented description', async () => {
    const out = await client().send(new CreateClusterCommand({
      HsmType: 'hsm1.medium', SubnetIds: [S0, S1, S2], TagList: [{ Key: 'team', Value: 'crypto' }],
    }));
    const c = out.Cluster!;
    expect(c.ClusterId).toMatch(ID.cluster);
    expect(c.State).toBe('CREATE_IN_PROGRESS');
    expect(c.HsmType).toBe('hsm1.medium');
    expect(c.BackupPolicy).toBe('DEFAULT');
    expect(c.BackupRetentionPolicy).toEqual({ Type: 'DAYS', Value: '90' });
    expect(c.SubnetMapping).toEqual({ 'us-east-1a': S0, 'us-east-1b': S1, 'us-east-1c': S2 });
    expect(c.VpcId).toBe('vpc-0a1b2c3d');
    expect(c.SecurityGroup).toMatch(ID.sg);
    expect(c.Hsms).toEqual([]);
    expect(c.TagList).toEqual([{ Key: 'team', Value: 'crypto' }]);
    expect(c.CreateTimestamp).toEqual(new Date(DEFAULT_START_MS));
    expect(c.PreCoPassword).toBeUndefined();
    expect(c.SourceBackupId).toBeUndefined();
  });

  test('required members, HsmType values, subnet list size and pattern', async () => {
    await expectError(client().send(new CreateClusterCommand({} as CreateClusterCommandInput)), 'CloudHsmInvalidRequestException',
      "2 validation errors detected: Value null at 'hsmType' failed to satisfy constraint: Member must not be null; Value null at 'subnetIds' failed to satisfy constraint: Member must not be null");
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'HSM3.large', SubnetIds: [S0] })),
      'CloudHsmInvalidRequestException', "Value 'HSM3.large' at 'hsmType' failed to satisfy constraint: Member must satisfy regular expression pattern: ((p|)hsm[0-9][a-z.]*\\.[a-zA-Z]+)");
    await expectError(client().send(new CreateClusterCommand({ HsmType: `hsm1.${'m'.repeat(28)}`, SubnetIds: [S0] })),
      'CloudHsmInvalidRequestException', "at 'hsmType' failed to satisfy constraint: Member must have length less than or equal to 32");
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [] })),
      'CloudHsmInvalidRequestException', 'Member must have length greater than or equal to 1');
    const eleven = Array.from({ length: 11 }, (_, i) => `subnet-0000000${i.toString(16)}`);
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: eleven })),
      'CloudHsmInvalidRequestException', "at 'subnetIds' failed to satisfy constraint: Member must have length less than or equal to 10");
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: ['subnet-1234567'] })),
      'CloudHsmInvalidRequestException', "Value 'subnet-1234567' at 'subnetIds.1.member'");
    expect(sim.listResources()).toEqual([]);
  });

  test('one subnet per Availability Zone, all subnets in one VPC', async () => {
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [S0, S3] })),
      'CloudHsmInvalidRequestException', `only one subnet per Availability Zone: '${S0}' and '${S3}' are both in us-east-1a`);
    sim.registerSubnet(REGION, 'subnet-0bbbbbbbbbbbbbbb1', { az: 'us-east-1b', vpcId: 'vpc-0ffff', cidr: '10.9.0.0/24' });
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [S0, 'subnet-0bbbbbbbbbbbbbbb1'] })),
      'CloudHsmInvalidRequestException', 'same virtual private cloud (VPC)');
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [S0, S0] })),
      'CloudHsmInvalidRequestException', `'${S0}' is listed more than once`);
  });

  test('backup retention: Type DAYS, Value of digits, 7-379 days', async () => {
    const make = (Type: string, Value: string) => client().send(new CreateClusterCommand({
      HsmType: 'hsm1.medium', SubnetIds: [S0], BackupRetentionPolicy: { Type, Value },
    }));
    await expectError(make('DAYS', '6'), 'CloudHsmInvalidRequestException', 'must be between 7 and 379 days');
    await expectError(make('DAYS', '380'), 'CloudHsmInvalidRequestException', 'must be between 7 and 379 days');
    await expectError(make('DAYS', '1000'), 'CloudHsmInvalidRequestException', "at 'backupRetentionPolicy.value' failed to satisfy constraint: Member must have length less than or equal to 3");
    await expectError(make('DAYS', 'ten'), 'CloudHsmInvalidRequestException', "Value 'ten' at 'backupRetentionPolicy.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+");
    await expectError(make('WEEKS', '10'), 'CloudHsmInvalidRequestException', "Value 'WEEKS' at 'backupRetentionPolicy.type'");
    const ok7 = await make('DAYS', '7');
    const ok379 = await make('DAYS', '379');
    expect([ok7.Cluster!.BackupRetentionPolicy!.Value, ok379.Cluster!.BackupRetentionPolicy!.Value]).toEqual(['7', '379']);
  });

  test('tag rules: reserved aws: prefix, 50 tags, key and value lengths and characters', async () => {
    const make = (TagList: { Key: string; Value: string }[]) => client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [S0], TagList }));
    await expectError(make([{ Key: 'aws:owner', Value: 'x' }]), 'CloudHsmTagException', "keys starting with 'aws:' are reserved");
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expectError(make(many), 'CloudHsmInvalidRequestException', "at 'tagList' failed to satisfy constraint: Member must have length less than or equal to 50");
    await expectError(make([{ Key: 'k'.repeat(129), Value: 'v' }]), 'CloudHsmInvalidRequestException', "at 'tagList.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128");
    await expectError(make([{ Key: 'k', Value: 'v'.repeat(257) }]), 'CloudHsmInvalidRequestException', "at 'tagList.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256");
    await expectError(make([{ Key: 'a', Value: '1' }, { Key: 'b#', Value: '2' }]), 'CloudHsmInvalidRequestException', "Value 'b#' at 'tagList.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern");
    await expectError(make([{ Key: '', Value: 'x' }]), 'CloudHsmInvalidRequestException', 'Member must have length greater than or equal to 1');
    // letters of any script, spaces, digits and _ . : / = + - @ are allowed; an empty value too
    const ok = await make([{ Key: 'Ünïcode name_1.2:3/4=5+6-7@8', Value: '' }, ...Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }))]);
    expect(ok.Cluster!.TagList).toHaveLength(50);
  });

  test('HsmType is checked against the model\'s pattern, not a list: a newer type passes', async () => {
    for (const type of ['hsm2m.large', 'phsm3.xlarge']) {
      const created = await client().send(new CreateClusterCommand({ HsmType: type, SubnetIds: [S0] }));
      expect(created.Cluster!.HsmType).toBe(type);
    }
  });

  test('SourceBackupId takes a backup ARN, as the model does', async () => {
    const { id } = await activeCluster();
    const backup = sim.createBackup(REGION, id);
    const arn = `arn:aws:cloudhsm:${REGION}:123456789012:backup/${backup.BackupId as string}`;
    const restored = await client().send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [S2], SourceBackupId: arn }));
    expect(restored.Cluster!.SourceBackupId).toBe(backup.BackupId);
    sim.advance(5 * MIN);
    expect((await describeOne(restored.Cluster!.ClusterId!)).State).toBe('ACTIVE');
    await expectError(client().send(new CreateClusterCommand({
      HsmType: 'hsm2m.medium', SubnetIds: [S2], SourceBackupId: `arn:aws:cloudhsm:${REGION}:210987654321:backup/${backup.BackupId as string}`,
    })), 'CloudHsmResourceNotFoundException', 'was not found');
    await expectError(client().send(new CreateClusterCommand({
      HsmType: 'hsm2m.medium', SubnetIds: [S2], SourceBackupId: `arn:aws:cloudhsm:${REGION}:123456789012:cluster/${backup.BackupId as string}`,
    })), 'CloudHsmInvalidRequestException', "at 'sourceBackupId' failed to satisfy constraint: Member must satisfy regular expression pattern");
  });

  test('SourceBackupId must name a READY backup of the region', async () => {
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [S0], SourceBackupId: 'backup-aaaaaaaaaaa' })),
      'CloudHsmResourceNotFoundException', "Backup 'backup-aaaaaaaaaaa' was not found");
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [S0], SourceBackupId: 'backup-1' })),
      'CloudHsmInvalidRequestException', "Value 'backup-1' at 'sourceBackupId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(arn:aws(-(us-gov))?:cloudhsm:");
  });
});

describe('DescribeClusters', () => {
  test('pages 30 clusters with MaxResults and NextToken, in creation order', async () => {
    const created: string[] = [];
    for (let i = 0; i < 30; i++) created.push(await createCluster());
    const seen: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await client().send(new DescribeClustersCommand({ MaxResults: 7, NextToken: token }));
      sizes.push(page.Clusters!.length);
      seen.push(...page.Clusters!.map((c) => c.ClusterId!));
      token = page.NextToken;
    } while (token);
    expect(sizes).toEqual([7, 7, 7, 7, 2]);
    expect(seen).toEqual(created);
    // without MaxResults a page holds at most 25 (the documented maximum)
    const first = await client().send(new DescribeClustersCommand({}));
    expect(first.Clusters).toHaveLength(25);
    expect(first.NextToken).toBeDefined();
    const rest = await client().send(new DescribeClustersCommand({ NextToken: first.NextToken }));
    expect(rest.Clusters!.map((c) => c.ClusterId)).toEqual(created.slice(25));
    expect(rest.NextToken).toBeUndefined();
  });

  test('MaxResults range, NextToken length and binding, filter keys', async () => {
    await expectError(client().send(new DescribeClustersCommand({ MaxResults: 0 })), 'CloudHsmInvalidRequestException',
      "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1");
    await expectError(client().send(new DescribeClustersCommand({ MaxResults: 26 })), 'CloudHsmInvalidRequestException',
      'Member must have value less than or equal to 25');
    await expectError(client().send(new DescribeClustersCommand({ NextToken: 'x'.repeat(257) })), 'CloudHsmInvalidRequestException',
      "at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 256");
    await expectError(client().send(new DescribeClustersCommand({ NextToken: 'garbage' })), 'CloudHsmInvalidRequestException', 'NextToken');
    await expectError(client().send(new DescribeClustersCommand({ Filters: { names: ['x'] } })), 'CloudHsmInvalidRequestException',
      "Invalid filter key 'names'. Valid filter keys are: clusterIds, vpcIds, states");
    await createCluster();
    await createCluster();
    const page = await client().send(new DescribeClustersCommand({ MaxResults: 1 }));
    await expectError(client().send(new DescribeClustersCommand({ MaxResults: 1, NextToken: page.NextToken, Filters: { states: ['ACTIVE'] } })),
      'CloudHsmInvalidRequestException', 'NextToken is not valid for this request');
  });

  test('filters by vpcIds and states', async () => {
    sim.registerSubnet(REGION, 'subnet-0eeeeeee', { az: 'us-east-1a', vpcId: 'vpc-0eeeeeee', cidr: '172.16.0.0/20' });
    const other = await createCluster(REGION, { SubnetIds: ['subnet-0eeeeeee'] });
    const plain = await createCluster();
    sim.advance(5 * MIN);
    const third = await createCluster();
    const byVpc = await client().send(new DescribeClustersCommand({ Filters: { vpcIds: ['vpc-0eeeeeee'] } }));
    expect(byVpc.Clusters!.map((c) => c.ClusterId)).toEqual([other]);
    const creating = await client().send(new DescribeClustersCommand({ Filters: { states: ['CREATE_IN_PROGRESS'] } }));
    expect(creating.Clusters!.map((c) => c.ClusterId)).toEqual([third]);
    const uninit = await client().send(new DescribeClustersCommand({ Filters: { states: ['UNINITIALIZED'], vpcIds: ['vpc-0a1b2c3d'] } }));
    expect(uninit.Clusters!.map((c) => c.ClusterId)).toEqual([plain]);
  });

  test('regions are separate', async () => {
    const east = await createCluster('us-east-1');
    const west = await createCluster('eu-west-1');
    const inEast = await client('us-east-1').send(new DescribeClustersCommand({}));
    const inWest = await client('eu-west-1').send(new DescribeClustersCommand({}));
    expect(inEast.Clusters!.map((c) => c.ClusterId)).toEqual([east]);
    expect(inWest.Clusters!.map((c) => c.ClusterId)).toEqual([west]);
    expect(inWest.Clusters![0].SubnetMapping).toEqual({ 'eu-west-1a': S0, 'eu-west-1b': S1 });
    await expectError(client('eu-west-1').send(new DeleteClusterCommand({ ClusterId: east })),
      'CloudHsmResourceNotFoundException', `Cluster '${east}' was not found in eu-west-1`);
  });
});

describe('cluster and HSM lifecycle on the virtual clock', () => {
  test('CREATE_IN_PROGRESS -> UNINITIALIZED after clusterCreateMs, with a PreCoPassword', async () => {
    const id = await createCluster();
    sim.advance(5 * MIN - 1);
    expect((await describeOne(id)).State).toBe('CREATE_IN_PROGRESS');
    await expectError(client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1a' })),
      'CloudHsmInvalidRequestException', 'is in state CREATE_IN_PROGRESS');
    sim.advance(1);
    const c = await describeOne(id);
    expect(c.State).toBe('UNINITIALIZED');
    expect(c.PreCoPassword!.length).toBeGreaterThanOrEqual(7);
    expect(c.PreCoPassword!.length).toBeLessThanOrEqual(32);
    expect(c.Certificates?.ClusterCsr).toBeUndefined();
  });

  test('first HSM -> ACTIVE brings the CSR; one HSM until activated; initialize; activate; a second HSM', async () => {
    const id = await createCluster();
    sim.advance(5 * MIN);
    const { Hsm } = await client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1a' }));
    expect(Hsm!.HsmId).toMatch(ID.hsm);
    expect(Hsm!.EniId).toMatch(ID.eni);
    expect(Hsm!.EniIp).toMatch(/^10\.0\.0\.(\d+)$/);
    const lastOctet = Number(Hsm!.EniIp!.split('.')[3]);
    expect(lastOctet).toBeGreaterThanOrEqual(4); // AWS reserves .0-.3 and .255
    expect(lastOctet).toBeLessThanOrEqual(254);
    expect(Hsm).toMatchObject({ ClusterId: id, AvailabilityZone: 'us-east-1a', SubnetId: S0, State: 'CREATE_IN_PROGRESS' });

    // the one-HSM-until-activated rule, worded as the service (terraform-provider-aws #7437)
    await expectError(client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b' })),
      'CloudHsmInvalidRequestException', `Cluster '${id}' already contains an HSM but has not yet been fully activated`);

    sim.advance(12 * MIN - 1);
    expect((await describeOne(id)).Hsms![0].State).toBe('CREATE_IN_PROGRESS');
    await expectError(client().send(new InitializeClusterCommand({ ClusterId: id, SignedCert: CERT, TrustAnchor: ANCHOR })),
      'CloudHsmInvalidRequestException', 'has no certificate signing request yet');
    sim.advance(1);
    let c = await describeOne(id);
    expect(c.Hsms![0].State).toBe('ACTIVE');
    expect(c.Certificates!.ClusterCsr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE REQUEST-----$/);
    for (const k of ['HsmCertificate', 'AwsHardwareCertificate', 'ManufacturerHardwareCertificate'] as const) {
      expect(c.Certificates![k]).toContain('-----BEGIN CERTIFICATE-----');
    }

    const init = await client().send(new InitializeClusterCommand({ ClusterId: id, SignedCert: CERT, TrustAnchor: ANCHOR }));
    expect(init.State).toBe('INITIALIZE_IN_PROGRESS');
    await expectError(client().send(new ModifyClusterCommand({ ClusterId: id, BackupRetentionPolicy: { Type: 'DAYS', Value: '30' } })),
      'CloudHsmInvalidRequestException', 'is in state INITIALIZE_IN_PROGRESS');
    sim.advance(2 * MIN);
    c = await describeOne(id);
    expect(c.State).toBe('INITIALIZED');
    expect(c.Certificates!.ClusterCertificate).toBe(CERT);
    expect(c.Certificates!.ClusterCsr).toBeUndefined();
    expect(c.PreCoPassword).toBeUndefined();
    await expectError(client().send(new InitializeClusterCommand({ ClusterId: id, SignedCert: CERT, TrustAnchor: ANCHOR })),
      'CloudHsmInvalidRequestException', 'is in state INITIALIZED; only an UNINITIALIZED cluster can be initialized');
    await expectError(client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b' })),
      'CloudHsmInvalidRequestException', 'already contains an HSM but has not yet been fully activated');

    expect(() => sim.activateCluster(REGION, 'cluster-nonexistent')).toThrow();
    sim.activateCluster(REGION, id);
    expect((await describeOne(id)).State).toBe('ACTIVE');
    const second = await client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.1.10' }));
    expect(second.Hsm).toMatchObject({ SubnetId: S1, EniIp: '10.0.1.10', State: 'CREATE_IN_PROGRESS' });
    expect(() => sim.activateCluster(REGION, id)).toThrow(/not INITIALIZED/);
  });

  test('CreateHsm validation: patterns, AZ of the cluster, IP in subnet, free and not reserved', async () => {
    const { id } = await activeCluster();
    await expectError(client().send(new CreateHsmCommand({ ClusterId: 'cluster-1', AvailabilityZone: 'us-east-1' })),
      'CloudHsmInvalidRequestException',
      "2 validation errors detected: Value 'cluster-1' at 'clusterId' failed to satisfy constraint: Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}; Value 'us-east-1' at 'availabilityZone'");
    await expectError(client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1c' })),
      'CloudHsmInvalidRequestException', "Availability Zone 'us-east-1c' is not one of the Availability Zones of cluster");
    await expectError(client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.1' })),
      'CloudHsmInvalidRequestException', "Value '10.0.1' at 'ipAddress'");
    await expectError(client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.1.300' })),
      'CloudHsmInvalidRequestException', "IpAddress '10.0.1.300' is not a valid IPv4 address");
    await expectError(client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.2.10' })),
      'CloudHsmInvalidRequestException', `is not in the address range of subnet ${S1} (10.0.1.0/24)`);
    await expectError(client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.1.3' })),
      'CloudHsmInvalidRequestException', 'is reserved by AWS');
    await expectError(client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.1.255' })),
      'CloudHsmInvalidRequestException', 'is reserved by AWS');
    await client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.1.4' }));
    await expectError(client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.1.4' })),
      'CloudHsmInvalidRequestException', `IpAddress '10.0.1.4' is already in use in subnet ${S1}`);
    await expectError(client().send(new CreateHsmCommand({ ClusterId: 'cluster-aaaaaaaaaaa', AvailabilityZone: 'us-east-1a' })),
      'CloudHsmResourceNotFoundException', "Cluster 'cluster-aaaaaaaaaaa' was not found");
  });

  test('DeleteCluster is refused while HSMs exist; DeleteHsm makes a backup; the cluster goes DELETED, then away', async () => {
    const { id, hsmId } = await activeCluster();
    const second = await client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b' }));
    await expectError(client().send(new DeleteClusterCommand({ ClusterId: id })), 'CloudHsmInvalidRequestException',
      `Cluster '${id}' still has 2 HSM(s)`);
    await expectError(client().send(new DeleteHsmCommand({ ClusterId: id })), 'CloudHsmInvalidRequestException',
      'DeleteHsm needs one of HsmId, EniId or EniIp');
    await expectError(client().send(new DeleteHsmCommand({ ClusterId: id, EniId: 'eni-zz' })), 'CloudHsmInvalidRequestException',
      "Value 'eni-zz' at 'eniId' failed to satisfy constraint: Member must satisfy regular expression pattern: eni-[0-9a-fA-F]{8,17}");
    await expectError(client().send(new DeleteHsmCommand({ ClusterId: id, HsmId: 'hsm-aaaaaaaaaaa' })), 'CloudHsmResourceNotFoundException',
      'No HSM with HsmId hsm-aaaaaaaaaaa');

    const before = await describeOne(id);
    const first = before.Hsms!.find((h) => h.HsmId === hsmId)!;
    // by ENI IP: the ACTIVE HSM of an ACTIVE cluster -> a backup is made
    const del1 = await client().send(new DeleteHsmCommand({ ClusterId: id, EniIp: first.EniIp }));
    expect(del1.HsmId).toBe(hsmId);
    // by ENI id: an HSM still being created -> no backup
    const del2 = await client().send(new DeleteHsmCommand({ ClusterId: id, EniId: second.Hsm!.EniId }));
    expect(del2.HsmId).toBe(second.Hsm!.HsmId);
    expect((await describeOne(id)).Hsms!.map((h) => h.State)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_IN_PROGRESS']);
    const backups = await client().send(new DescribeBackupsCommand({ Filters: { clusterIds: [id] } }));
    // newest first: the one DeleteHsm made, the one the second HSM's creation made, the one activation made
    expect(backups.Backups!.map((b) => b.BackupState)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS']);
    expect(backups.Backups![0].BackupId).toMatch(ID.backup);
    await expectError(client().send(new DeleteClusterCommand({ ClusterId: id })), 'CloudHsmInvalidRequestException', 'still has 2 HSM(s)');

    sim.advance(2 * MIN);
    expect((await describeOne(id)).Hsms).toEqual([]);
    const ready = await client().send(new DescribeBackupsCommand({ Filters: { clusterIds: [id] } }));
    expect(ready.Backups![0].BackupState).toBe('READY');

    const deleting = await client().send(new DeleteClusterCommand({ ClusterId: id }));
    expect(deleting.Cluster!.State).toBe('DELETE_IN_PROGRESS');
    await expectError(client().send(new DeleteClusterCommand({ ClusterId: id })), 'CloudHsmInvalidRequestException', 'is in state DELETE_IN_PROGRESS');
    sim.advance(2 * MIN);
    expect((await describeOne(id)).State).toBe('DELETED');
    expect((await client().send(new DescribeClustersCommand({}))).Clusters).toEqual([]);
    await expectError(client().send(new DeleteClusterCommand({ ClusterId: id })), 'CloudHsmResourceNotFoundException', 'was not found');
    sim.advance(60 * MIN);
    const gone = await client().send(new DescribeClustersCommand({ Filters: { clusterIds: [id] } }));
    expect(gone.Clusters).toEqual([]);
    // the cluster's backups (of its activation, of the second HSM's creation and of the HSM's deletion) stay
    const kept = await client().send(new DescribeBackupsCommand({ Filters: { clusterIds: [id] } }));
    expect(kept.Backups!.map((b) => b.BackupState)).toEqual(['READY', 'READY', 'READY']);
  });

  test('ModifyCluster: UPDATE_IN_PROGRESS for retention, MODIFY_IN_PROGRESS for HsmType, then back', async () => {
    const { id } = await activeCluster();
    await expectError(client().send(new ModifyClusterCommand({ ClusterId: id } as ModifyClusterCommandInput)),
      'CloudHsmInvalidRequestException', 'ModifyCluster needs BackupRetentionPolicy, HsmType or both');
    await expectError(client().send(new ModifyClusterCommand({ ClusterId: id, BackupRetentionPolicy: { Type: 'DAYS', Value: '380' } })),
      'CloudHsmInvalidRequestException', 'must be between 7 and 379 days');
    await expectError(client().send(new ModifyClusterCommand({ ClusterId: 'cluster-x', BackupRetentionPolicy: { Type: 'DAYS', Value: '30' } })),
      'CloudHsmInvalidRequestException', "Value 'cluster-x' at 'clusterId'");
    const mod = await client().send(new ModifyClusterCommand({ ClusterId: id, BackupRetentionPolicy: { Type: 'DAYS', Value: '30' } }));
    expect(mod.Cluster!.State).toBe('UPDATE_IN_PROGRESS');
    expect(mod.Cluster!.BackupRetentionPolicy).toEqual({ Type: 'DAYS', Value: '30' });
    for (const call of [
      client().send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b' })),
      client().send(new DeleteClusterCommand({ ClusterId: id })),
      client().send(new ModifyClusterCommand({ ClusterId: id, BackupRetentionPolicy: { Type: 'DAYS', Value: '31' } })),
      client().send(new InitializeClusterCommand({ ClusterId: id, SignedCert: CERT, TrustAnchor: ANCHOR })),
    ]) {
      await expectError(call, 'CloudHsmInvalidRequestException', `cluster '${id}' is in state UPDATE_IN_PROGRESS`);
    }
    sim.advance(MIN);
    expect((await describeOne(id)).State).toBe('ACTIVE');

    const typeChange = { ClusterId: id, HsmType: 'hsm1.medium' } as unknown as ModifyClusterCommandInput;
    const mod2 = await client().send(new ModifyClusterCommand(typeChange));
    expect(mod2.Cluster!.State).toBe('MODIFY_IN_PROGRESS');
    expect(mod2.Cluster!.HsmType).toBe('hsm1.medium');
    await expectError(client().send(new ModifyClusterCommand({ ClusterId: id, HsmType: 'hsm9-huge' } as unknown as ModifyClusterCommandInput)),
      'CloudHsmInvalidRequestException', "Value 'hsm9-huge' at 'hsmType' failed to satisfy constraint: Member must satisfy regular expression pattern");
    sim.advance(MIN);
    expect((await describeOne(id)).State).toBe('ACTIVE');
  });

  test('InitializeCluster takes certificates of up to 20000 characters (current API model)', async () => {
    const { id } = await clusterWithCsr();
    await expectError(client().send(new InitializeClusterCommand({ ClusterId: id, SignedCert: pemChain(20001), TrustAnchor: ANCHOR })),
      'CloudHsmInvalidRequestException', "at 'signedCert' failed to satisfy constraint: Member must have length less than or equal to 20000");
    await client().send(new InitializeClusterCommand({ ClusterId: id, SignedCert: pemChain(20000), TrustAnchor: pemChain(20000) }));
    expect((await describeOne(id)).State).toBe('INITIALIZE_IN_PROGRESS');
  });

  test('InitializeCluster validation: required, length, certificate characters, PEM', async () => {
    const { id } = await clusterWithCsr();
    await expectError(client().send(new InitializeClusterCommand({ ClusterId: id } as never)), 'CloudHsmInvalidRequestException',
      "2 validation errors detected: Value null at 'signedCert' failed to satisfy constraint: Member must not be null; Value null at 'trustAnchor'");
    await expectError(client().send(new InitializeClusterCommand({ ClusterId: id, SignedCert: CERT, TrustAnchor: 'cert$with!bad#chars' })),
      'CloudHsmInvalidRequestException', "Value 'cert$with!bad#chars' at 'trustAnchor' failed to satisfy constraint: Member must satisfy regular expression pattern");
    await expectError(client().send(new InitializeClusterCommand({ ClusterId: id, SignedCert: 'not a pem', TrustAnchor: ANCHOR })),
      'CloudHsmInvalidRequestException', 'SignedCert must be a PEM-encoded certificate');
    expect((await describeOne(id)).State).toBe('UNINITIALIZED');
  });

  test('a cluster restored from a READY backup becomes ACTIVE', async () => {
    const { id } = await activeCluster();
    const backup = sim.createBackup(REGION, id);
    expect(backup.BackupState).toBe('READY');
    const restored = await client().send(new CreateClusterCommand({
      HsmType: 'hsm2m.medium', SubnetIds: [S2], SourceBackupId: backup.BackupId as string,
    }));
    expect(restored.Cluster).toMatchObject({ State: 'CREATE_IN_PROGRESS', SourceBackupId: backup.BackupId });
    sim.advance(5 * MIN);
    const c = await describeOne(restored.Cluster!.ClusterId!);
    expect(c.State).toBe('ACTIVE');
    expect(c.PreCoPassword).toBeUndefined();
    expect(c.Certificates!.ClusterCertificate).toBe(CERT);
    // an ACTIVE cluster takes more than one HSM
    await client().send(new CreateHsmCommand({ ClusterId: c.ClusterId!, AvailabilityZone: 'us-east-1c' }));
    await client().send(new CreateHsmCommand({ ClusterId: c.ClusterId!, AvailabilityZone: 'us-east-1c' }));
    expect((await describeOne(c.ClusterId!)).Hsms).toHaveLength(2);
  });

  test('DEGRADED and forced states come with their StateMessage and are not overwritten by pending transitions', async () => {
    const id = await createCluster();
    sim.degradeCluster(REGION, id, 'Cluster degraded: subnet unreachable');
    sim.advance(5 * MIN);
    const c = await describeOne(id);
    expect([c.State, c.StateMessage]).toEqual(['DEGRADED', 'Cluster degraded: subnet unreachable']);
    const { id: other, hsmId } = await clusterWithCsr();
    sim.degradeHsm(REGION, hsmId, 'HSM lost connectivity');
    expect((await describeOne(other)).Hsms![0]).toMatchObject({ State: 'DEGRADED', StateMessage: 'HSM lost connectivity' });
    sim.forceClusterState(REGION, other, 'ROLLBACK_IN_PROGRESS');
    await expectError(client().send(new DeleteClusterCommand({ ClusterId: other })), 'CloudHsmInvalidRequestException',
      `DeleteCluster is not allowed while cluster '${other}' is in state ROLLBACK_IN_PROGRESS`);
  });
});
