// Tests of the CloudHSM v2 simulator in test/sim/, through the real SDK client over HTTP.
// Expected values come from the API reference (shared/seeds/003_*: patterns, limits,
// error types), from the simulator's documented rules (test/sim/README.md: derived subnets,
// timings) and from the service behaviour the design lists; not from the simulator's output.

import {
  CloudHSMV2Client,
  CopyBackupToRegionCommand,
  CreateClusterCommand,
  CreateClusterCommandInput,
  CreateHsmCommand,
  DeleteBackupCommand,
  DeleteClusterCommand,
  DeleteHsmCommand,
  DescribeBackupsCommand,
  DescribeClustersCommand,
  InitializeClusterCommand,
  ListTagsCommand,
  ModifyBackupAttributesCommand,
  ModifyBackupAttributesCommandInput,
  ModifyClusterCommand,
  ModifyClusterCommandInput,
  RestoreBackupCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { pemChain } from './fixtures/pem';
import { CloudHsmSimulator, DEFAULT_START_MS, startSimulatorServer, SimulatorServer, VirtualClock } from './sim';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const REGION = 'us-east-1';
// derived subnets (README): AZ letter = hex value mod 3, CIDR 10.0.(value mod 256).0/24
const S0 = 'subnet-00000000'; // us-east-1a, 10.0.0.0/24
const S1 = 'subnet-00000001'; // us-east-1b, 10.0.1.0/24
const S2 = 'subnet-00000002'; // us-east-1c, 10.0.2.0/24
const S3 = 'subnet-00000003'; // us-east-1a again
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUSimulatorTestCertificate0123456789=\n-----END CERTIFICATE-----\n';
const ANCHOR = '-----BEGIN CERTIFICATE-----\nMIIBrootCAcertificateForTheSimulatorTests+/9876543210==\n-----END CERTIFICATE-----\n';
const ID = {
  cluster: /^cluster-[2-7a-zA-Z]{11,16}$/,
  hsm: /^hsm-[2-7a-zA-Z]{11,16}$/,
  backup: /^backup-[2-7a-zA-Z]{11,16}$/,
  eni: /^eni-[0-9a-fA-F]{8,17}$/,
  sg: /^sg-[0-9a-fA-F]{8,17}$/,
};

let server: SimulatorServer;
let sim: CloudHsmSimulator;
const clients = new Map<string, CloudHSMV2Client>();

/**
 * A client that makes exactly one attempt. SDK 3.332's StandardRetryStrategy makes
 * maxAttempts + 1 attempts (off by one, fixed later in aws/aws-sdk-js-v3 PR #4891), so
 * maxAttempts: 1 would still retry once; 0 means one attempt in 3.332 and after the fix.
 */
function client(region = REGION, maxAttempts = 0): CloudHSMV2Client {
  const key = `${region}/${maxAttempts}`;
  let c = clients.get(key);
  if (!c) {
    c = new CloudHSMV2Client({
      region,
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIDSIMULATOR', secretAccessKey: 'secret' },
      maxAttempts,
    });
    clients.set(key, c);
  }
  return c;
}

beforeAll(async () => {
  server = await startSimulatorServer(new CloudHsmSimulator({ seed: 42 }));
  sim = server.sim;
});

afterAll(async () => {
  for (const c of clients.values()) c.destroy();
  await server.close();
});

beforeEach(() => sim.reset());

interface ApiError extends Error {
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

async function expectError(p: Promise<unknown>, name: string, message: string | RegExp): Promise<ApiError> {
  let error: ApiError | undefined;
  try {
    await p;
  } catch (e) {
    error = e as ApiError;
  }
  expect(error).toBeDefined();
  expect(error!.name).toBe(name);
  if (typeof message === 'string') expect(error!.message).toContain(message);
  else expect(error!.message).toMatch(message);
  return error!;
}

/** A raw awsJson1_1 call, to see the wire format and fields SDK 3.332 does not model. */
async function raw(op: string, body: unknown, region = REGION, headers: Record<string, string> = {}):
Promise<{ status: number; errorType: string | null; json: any }> {
  const res = await fetch(`${server.url}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `BaldrApiService.${op}`,
      'authorization': `AWS4-HMAC-SHA256 Credential=AKID/20260101/${region}/cloudhsm/aws4_request, SignedHeaders=host, Signature=00`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, errorType: res.headers.get('x-amzn-errortype'), json: await res.json() };
}

async function control(command: string, body: unknown = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}/_sim/${command}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

async function createCluster(region = REGION, input: Partial<CreateClusterCommandInput> = {}): Promise<string> {
  const out = await client(region).send(new CreateClusterCommand({
    HsmType: 'hsm2m.medium', SubnetIds: [S0, S1], ...input,
  }));
  return out.Cluster!.ClusterId!;
}

async function describeOne(id: string, region = REGION) {
  const out = await client(region).send(new DescribeClustersCommand({ Filters: { clusterIds: [id] } }));
  expect(out.Clusters).toHaveLength(1);
  return out.Clusters![0];
}

/** UNINITIALIZED with one ACTIVE HSM (so a CSR) in AZ a. */
async function clusterWithCsr(region = REGION): Promise<{ id: string; hsmId: string }> {
  const id = await createCluster(region);
  sim.advance(5 * MIN);
  const hsm = await client(region).send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: `${region}a` }));
  sim.advance(12 * MIN);
  return { id, hsmId: hsm.Hsm!.HsmId! };
}

async function initializedCluster(region = REGION): Promise<{ id: string; hsmId: string }> {
  const ids = await clusterWithCsr(region);
  await client(region).send(new InitializeClusterCommand({ ClusterId: ids.id, SignedCert: CERT, TrustAnchor: ANCHOR }));
  sim.advance(2 * MIN);
  return ids;
}

async function activeCluster(region = REGION): Promise<{ id: string; hsmId: string }> {
  const ids = await initializedCluster(region);
  sim.activateCluster(region, ids.id);
  return ids;
}

describe('protocol', () => {
  test('errors carry x-amzn-errortype and __type; the SDK surfaces the error name', async () => {
    const wire = await raw('CreateCluster', { HsmType: 'hsm1.medium', SubnetIds: ['subnet-xyz'] });
    expect(wire.status).toBe(400);
    expect(wire.errorType).toBe('CloudHsmInvalidRequestException');
    expect(wire.json.__type).toBe('CloudHsmInvalidRequestException');
    expect(wire.json.Message).toContain("Value 'subnet-xyz' at 'subnetIds.1.member' failed to satisfy constraint");

    const err = await expectError(
      client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: ['subnet-xyz'] })),
      'CloudHsmInvalidRequestException', 'Member must satisfy regular expression pattern: subnet-[0-9a-fA-F]{8,17}');
    expect(err.$fault).toBe('client');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  test('unknown operation, bad target and malformed JSON', async () => {
    const unknown = await raw('LaunchRocket', {});
    expect([unknown.status, unknown.errorType]).toEqual([400, 'UnknownOperationException']);
    const badJson = await raw('DescribeClusters', '{"Filters":');
    expect([badJson.status, badJson.errorType]).toEqual([400, 'SerializationException']);
    const wrongType = await raw('DescribeClusters', { MaxResults: 'ten' });
    expect(wrongType.errorType).toBe('SerializationException');
    const res = await fetch(`${server.url}/`, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' }, body: '{}' });
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });

  test('the region comes from the SigV4 credential scope', async () => {
    const created = await raw('CreateCluster', { HsmType: 'hsm1.medium', SubnetIds: ['subnet-0abc0001'] }, 'ap-southeast-2');
    expect(created.status).toBe(200);
    // derived AZ: 0xabc0001 mod 3 = 1 -> letter b of the request's region
    expect(created.json.Cluster.SubnetMapping).toEqual({ 'ap-southeast-2b': 'subnet-0abc0001' });
    expect(sim.listResources()).toEqual([
      { region: 'ap-southeast-2', type: 'cluster', id: created.json.Cluster.ClusterId, state: 'CREATE_IN_PROGRESS' },
    ]);
  });

  test('newer fields: Mode and NetworkType accepted and echoed, defaults FIPS and IPV4', async () => {
    const plain = await raw('CreateCluster', { HsmType: 'hsm1.medium', SubnetIds: [S0] });
    expect(plain.json.Cluster.Mode).toBe('FIPS');
    expect(plain.json.Cluster.NetworkType).toBe('IPV4');
    expect(plain.json.Cluster.HsmTypeRollbackExpiration).toBeUndefined();
    const custom = await raw('CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: [S0], Mode: 'NON_FIPS', NetworkType: 'DUALSTACK' });
    expect(custom.json.Cluster.Mode).toBe('NON_FIPS');
    expect(custom.json.Cluster.NetworkType).toBe('DUALSTACK');
    // through the SDK too (3.332 does not model them, but sends them)
    const input = { HsmType: 'hsm2m.medium', SubnetIds: [S0], Mode: 'FIPS_ONLY' } as CreateClusterCommandInput;
    await expectError(client().send(new CreateClusterCommand(input)), 'CloudHsmInvalidRequestException',
      "Value 'FIPS_ONLY' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [FIPS, NON_FIPS]");
    const net = { HsmType: 'hsm2m.medium', SubnetIds: [S0], NetworkType: 'IPV6' } as CreateClusterCommandInput;
    await expectError(client().send(new CreateClusterCommand(net)), 'CloudHsmInvalidRequestException', "Value 'IPV6' at 'networkType'");
  });
});

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
      'CloudHsmInvalidRequestException', "Value 'backup-1' at 'sourceBackupId' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:aws(-(us-gov))?:cloudhsm:");
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
    // newest first: the one DeleteHsm made, then the one activation made
    expect(backups.Backups!.map((b) => b.BackupState)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS']);
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
    // the cluster's backups (of its activation and of the HSM's deletion) stay
    const kept = await client().send(new DescribeBackupsCommand({ Filters: { clusterIds: [id] } }));
    expect(kept.Backups!.map((b) => b.BackupState)).toEqual(['READY', 'READY']);
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

describe('backups', () => {
  test('DescribeBackups filters, sort order and paging', async () => {
    const { id } = await initializedCluster();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(sim.createBackup(REGION, id, { neverExpires: i === 2 }).BackupId as string);
      sim.advance(MIN);
    }
    const desc = await client().send(new DescribeBackupsCommand({}));
    expect(desc.Backups!.map((b) => b.BackupId)).toEqual([...made].reverse());
    const asc = await client().send(new DescribeBackupsCommand({ SortAscending: true }));
    expect(asc.Backups!.map((b) => b.BackupId)).toEqual(made);
    expect(asc.Backups![1].CreateTimestamp!.getTime() - asc.Backups![0].CreateTimestamp!.getTime()).toBe(MIN);

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await client().send(new DescribeBackupsCommand({ SortAscending: true, MaxResults: 2, NextToken: token }));
      pages.push(page.Backups!.map((b) => b.BackupId!));
      token = page.NextToken;
    } while (token);
    expect(pages).toEqual([made.slice(0, 2), made.slice(2, 4), made.slice(4)]);

    const never = await client().send(new DescribeBackupsCommand({ Filters: { neverExpires: ['true'] } }));
    expect(never.Backups!.map((b) => b.BackupId)).toEqual([made[2]]);
    const byId = await client().send(new DescribeBackupsCommand({ Filters: { backupIds: [made[0], made[4]], states: ['READY'] } }));
    expect(byId.Backups!.map((b) => b.BackupId)).toEqual([made[4], made[0]]);
    const none = await client().send(new DescribeBackupsCommand({ Filters: { clusterIds: ['cluster-aaaaaaaaaaa'] } }));
    expect(none.Backups).toEqual([]);

    await expectError(client().send(new DescribeBackupsCommand({ MaxResults: 51 })), 'CloudHsmInvalidRequestException',
      "Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50");
    await expectError(client().send(new DescribeBackupsCommand({ Filters: { neverExpires: ['maybe'] } })),
      'CloudHsmInvalidRequestException', "takes 'true' or 'false'");
    await expectError(client().send(new DescribeBackupsCommand({ Filters: { 'bad key!': ['x'] } })),
      'CloudHsmInvalidRequestException', 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+]');

    const wire = await raw('DescribeBackups', { Filters: { backupIds: [made[0]] } });
    expect(wire.json.Backups[0]).toMatchObject({
      BackupArn: `arn:aws:cloudhsm:us-east-1:123456789012:backup/${made[0]}`,
      HsmType: 'hsm2m.medium',
      Mode: 'FIPS',
      CreateTimestamp: DEFAULT_START_MS / 1000 + 19 * 60, // 5 + 12 + 2 minutes of setup
      NeverExpires: false,
    });
  });

  test('CopyBackupToRegion: READY copy in the destination region, no retention, tags', async () => {
    const { id } = await initializedCluster();
    const src = sim.createBackup(REGION, id, { tags: [{ Key: 'src', Value: '1' }] });
    const srcId = src.BackupId as string;
    await expectError(client().send(new CopyBackupToRegionCommand({ BackupId: srcId, DestinationRegion: 'us-east-1' })),
      'CloudHsmInvalidRequestException', "DestinationRegion 'us-east-1' is the region of backup");
    await expectError(client().send(new CopyBackupToRegionCommand({ BackupId: srcId, DestinationRegion: 'mars-north-1' })),
      'CloudHsmInvalidRequestException', "Value 'mars-north-1' at 'destinationRegion' failed to satisfy constraint: Member must satisfy regular expression pattern");
    await expectError(client().send(new CopyBackupToRegionCommand({ BackupId: 'backup-aaaaaaaaaaa', DestinationRegion: 'eu-central-1' })),
      'CloudHsmResourceNotFoundException', "Backup 'backup-aaaaaaaaaaa' was not found");
    await expectError(client().send(new CopyBackupToRegionCommand({ BackupId: srcId, DestinationRegion: 'eu-central-1', TagList: [{ Key: 'aws:x', Value: '' }] })),
      'CloudHsmTagException', "'aws:' are reserved");

    sim.advance(10 * MIN);
    const out = await client().send(new CopyBackupToRegionCommand({ BackupId: srcId, DestinationRegion: 'eu-central-1', TagList: [{ Key: 'dr', Value: 'yes' }] }));
    expect(out.DestinationBackup).toEqual({
      CreateTimestamp: new Date(DEFAULT_START_MS + 19 * MIN), // same as the source backup's
      SourceBackup: srcId,
      SourceCluster: id,
      SourceRegion: 'us-east-1',
    });
    const dest = client('eu-central-1');
    let copies = await dest.send(new DescribeBackupsCommand({ Filters: { sourceBackupIds: [srcId] } }));
    expect(copies.Backups).toHaveLength(1);
    expect(copies.Backups![0]).toMatchObject({ BackupState: 'CREATE_IN_PROGRESS', SourceBackup: srcId, SourceRegion: 'us-east-1', SourceCluster: id, NeverExpires: false });
    expect(copies.Backups![0].BackupId).not.toBe(srcId);
    expect(copies.Backups![0].CopyTimestamp).toEqual(new Date(DEFAULT_START_MS + 29 * MIN));
    expect(copies.Backups![0].TagList).toEqual([{ Key: 'dr', Value: 'yes' }]);
    sim.advance(3 * MIN);
    copies = await dest.send(new DescribeBackupsCommand({ Filters: { sourceBackupIds: [srcId] } }));
    expect(copies.Backups![0].BackupState).toBe('READY');
    // copied without a TagList: the source's tags
    await client().send(new CopyBackupToRegionCommand({ BackupId: srcId, DestinationRegion: 'eu-west-2' }));
    const copy2 = await client('eu-west-2').send(new DescribeBackupsCommand({}));
    expect(copy2.Backups![0].TagList).toEqual([{ Key: 'src', Value: '1' }]);
    // the source region is unchanged
    expect((await client().send(new DescribeBackupsCommand({}))).Backups!.map((b) => b.BackupId)).toEqual([srcId]);
  });

  test('activating a cluster backs it up (User Guide, cluster backups)', async () => {
    const { id } = await initializedCluster();
    const list = async () => (await client().send(new DescribeBackupsCommand({ Filters: { clusterIds: [id] } }))).Backups!;
    expect(await list()).toEqual([]);
    sim.activateCluster(REGION, id);
    expect((await list()).map((b) => b.BackupState)).toEqual(['CREATE_IN_PROGRESS']);
    sim.advance(2 * MIN);
    expect((await list()).map((b) => b.BackupState)).toEqual(['READY']);
  });

  test('DeleteBackup -> PENDING_DELETION for 7 days; RestoreBackup -> READY; then DELETED', async () => {
    const { id } = await activeCluster();
    const b = sim.createBackup(REGION, id).BackupId as string;
    await expectError(client().send(new RestoreBackupCommand({ BackupId: b })), 'CloudHsmInvalidRequestException',
      'is in state READY; only a backup in PENDING_DELETION can be restored');
    const now = sim.clock.now();
    const deleted = await client().send(new DeleteBackupCommand({ BackupId: b }));
    expect(deleted.Backup!.BackupState).toBe('PENDING_DELETION');
    expect(deleted.Backup!.DeleteTimestamp).toEqual(new Date(now + 7 * DAY));
    await expectError(client().send(new DeleteBackupCommand({ BackupId: b })), 'CloudHsmInvalidRequestException', 'is in state PENDING_DELETION');
    const restored = await client().send(new RestoreBackupCommand({ BackupId: b }));
    expect(restored.Backup!.BackupState).toBe('READY');
    expect(restored.Backup!.DeleteTimestamp).toBeUndefined();
    sim.advance(8 * DAY);
    expect((await client().send(new DescribeBackupsCommand({ Filters: { backupIds: [b] } }))).Backups![0].BackupState).toBe('READY');

    await client().send(new DeleteBackupCommand({ BackupId: b }));
    sim.advance(7 * DAY - 1);
    expect((await client().send(new DescribeBackupsCommand({ Filters: { backupIds: [b] } }))).Backups![0].BackupState).toBe('PENDING_DELETION');
    sim.advance(1);
    expect((await client().send(new DescribeBackupsCommand({ Filters: { backupIds: [b] } }))).Backups![0].BackupState).toBe('DELETED');
    await expectError(client().send(new RestoreBackupCommand({ BackupId: b })), 'CloudHsmResourceNotFoundException', 'was not found');
    await expectError(client().send(new DeleteBackupCommand({ BackupId: 'backup-!' })), 'CloudHsmInvalidRequestException', "Value 'backup-!' at 'backupId'");
  });

  test('ModifyBackupAttributes sets NeverExpires', async () => {
    const { id } = await activeCluster();
    const b = sim.createBackup(REGION, id).BackupId as string;
    const out = await client().send(new ModifyBackupAttributesCommand({ BackupId: b, NeverExpires: true }));
    expect(out.Backup).toMatchObject({ BackupId: b, NeverExpires: true, BackupState: 'READY', ClusterId: id });
    const listed = await client().send(new DescribeBackupsCommand({ Filters: { neverExpires: ['TRUE'] } }));
    expect(listed.Backups!.map((x) => x.BackupId)).toEqual([b]);
    await expectError(client().send(new ModifyBackupAttributesCommand({ BackupId: b } as ModifyBackupAttributesCommandInput)),
      'CloudHsmInvalidRequestException', "Value null at 'neverExpires' failed to satisfy constraint: Member must not be null");
    await expectError(client().send(new ModifyBackupAttributesCommand({ BackupId: 'backup-aaaaaaaaaaa', NeverExpires: false })),
      'CloudHsmResourceNotFoundException', 'was not found');
  });
});

describe('tags', () => {
  test('TagResource, ListTags (paged) and UntagResource on a cluster and a backup', async () => {
    const id = await createCluster(REGION, { TagList: [{ Key: 'a', Value: '1' }] });
    await client().send(new TagResourceCommand({ ResourceId: id, TagList: [{ Key: 'a', Value: 'one' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }] }));
    const all = await client().send(new ListTagsCommand({ ResourceId: id }));
    expect(all.TagList).toEqual([{ Key: 'a', Value: 'one' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }]);
    expect(all.NextToken).toBeUndefined();
    const page1 = await client().send(new ListTagsCommand({ ResourceId: id, MaxResults: 2 }));
    const page2 = await client().send(new ListTagsCommand({ ResourceId: id, MaxResults: 2, NextToken: page1.NextToken }));
    expect([page1.TagList!.length, page2.TagList]).toEqual([2, [{ Key: 'c', Value: '3' }]]);
    expect(page2.NextToken).toBeUndefined();
    await client().send(new UntagResourceCommand({ ResourceId: id, TagKeyList: ['a', 'not-there'] }));
    expect((await describeOne(id)).TagList).toEqual([{ Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }]);

    sim.advance(5 * MIN);
    const backup = sim.createBackup(REGION, id).BackupId as string;
    await client().send(new TagResourceCommand({ ResourceId: backup, TagList: [{ Key: 'keep', Value: 'forever' }] }));
    expect((await client().send(new ListTagsCommand({ ResourceId: backup }))).TagList).toEqual([{ Key: 'keep', Value: 'forever' }]);
    await client().send(new UntagResourceCommand({ ResourceId: backup, TagKeyList: ['keep'] }));
    expect((await client().send(new ListTagsCommand({ ResourceId: backup }))).TagList).toEqual([]);
  });

  test('tag errors: ids, limits, reserved keys, not found', async () => {
    const id = await createCluster(REGION, { TagList: Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) });
    await expectError(client().send(new TagResourceCommand({ ResourceId: id, TagList: [{ Key: 'x', Value: '1' }, { Key: 'y', Value: '2' }] })),
      'CloudHsmTagException', 'would have 51 tags; a resource can have at most 50 tags');
    await client().send(new TagResourceCommand({ ResourceId: id, TagList: [{ Key: 'k0', Value: 'changed' }, { Key: 'x', Value: '1' }] }));
    expect((await client().send(new ListTagsCommand({ ResourceId: id }))).TagList).toHaveLength(50);
    await expectError(client().send(new TagResourceCommand({ ResourceId: 'hsm-aaaaaaaaaaa', TagList: [{ Key: 'x', Value: '1' }] })),
      'CloudHsmInvalidRequestException', "Value 'hsm-aaaaaaaaaaa' at 'resourceId' failed to satisfy constraint: Member must satisfy regular expression pattern: (?:cluster|backup)-[2-7a-zA-Z]{11,16}");
    await expectError(client().send(new TagResourceCommand({ ResourceId: id, TagList: [] })),
      'CloudHsmInvalidRequestException', "at 'tagList' failed to satisfy constraint: Member must have length greater than or equal to 1");
    await expectError(client().send(new TagResourceCommand({ ResourceId: 'backup-aaaaaaaaaaa', TagList: [{ Key: 'x', Value: '1' }] })),
      'CloudHsmResourceNotFoundException', "Backup 'backup-aaaaaaaaaaa' was not found");
    await expectError(client().send(new ListTagsCommand({ ResourceId: 'cluster-aaaaaaaaaaa' })), 'CloudHsmResourceNotFoundException', 'was not found');
    await expectError(client().send(new ListTagsCommand({ ResourceId: id, MaxResults: 101 })), 'CloudHsmInvalidRequestException',
      'Member must have value less than or equal to 100');
    await expectError(client().send(new UntagResourceCommand({ ResourceId: id, TagKeyList: [] })), 'CloudHsmInvalidRequestException',
      "at 'tagKeyList' failed to satisfy constraint: Member must have length greater than or equal to 1");
    await expectError(client().send(new UntagResourceCommand({ ResourceId: id, TagKeyList: ['aws:cloudformation:stack-name'] })),
      'CloudHsmTagException', "keys starting with 'aws:' are reserved");
    await expectError(client().send(new UntagResourceCommand({ ResourceId: id, TagKeyList: ['x'.repeat(129)] })), 'CloudHsmInvalidRequestException',
      "at 'tagKeyList.1.member' failed to satisfy constraint: Member must have length less than or equal to 128");
  });
});

describe('faults and call counts', () => {
  test('throttling is retried by the SDK with its default maxAttempts, and the call succeeds', async () => {
    const id = await createCluster();
    sim.resetCallCounts();
    sim.injectFault({ kind: 'throttle', operation: 'DescribeClusters', nextCalls: 2 });
    const retrying = new CloudHSMV2Client({ region: REGION, endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    try {
      const out = await retrying.send(new DescribeClustersCommand({ Filters: { clusterIds: [id] } }));
      expect(out.Clusters![0].ClusterId).toBe(id);
      expect(out.$metadata.attempts).toBe(3);
    } finally {
      retrying.destroy();
    }
    expect(sim.callCounts()).toEqual({ DescribeClusters: 3 });
    expect(sim.calls.list().map((c) => c.outcome)).toEqual(['fault', 'fault', 'ok']);
    expect(sim.faults.list()[0]).toMatchObject({ seen: 3, fired: 2 });
  });

  test('a throttled call changes nothing', async () => {
    sim.injectFault({ kind: 'throttle', operation: 'CreateCluster', nextCalls: 1 });
    const err = await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [S0] })), 'ThrottlingException', 'Rate exceeded');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(sim.listResources()).toEqual([]);
    await createCluster();
    expect(sim.listResources()).toHaveLength(1);
  });

  test('a 500 CloudHsmInternalFailureException on the Nth call', async () => {
    sim.injectFault({ kind: 'internalError', operation: 'DescribeClusters', nthCall: 2 });
    await client().send(new DescribeClustersCommand({}));
    const err = await expectError(client().send(new DescribeClustersCommand({})), 'CloudHsmInternalFailureException', 'internal failure');
    expect(err.$metadata?.httpStatusCode).toBe(500);
    expect(err.$fault).toBe('server');
    await client().send(new DescribeClustersCommand({}));
    expect(sim.callCounts().DescribeClusters).toBe(3);
  });

  test('dropResponse: the operation happens, the caller gets a 500', async () => {
    sim.injectFault({ kind: 'dropResponse', operation: 'CreateCluster', nthCall: 1 });
    await expectError(client().send(new CreateClusterCommand({ HsmType: 'hsm1.medium', SubnetIds: [S0] })), 'CloudHsmInternalFailureException', 'internal failure');
    const clusters = sim.listResources().filter((r) => r.type === 'cluster');
    expect(clusters).toHaveLength(1);
    expect(sim.calls.list().map((c) => c.outcome)).toEqual(['dropped']);
  });

  test('rate-based faults are reproducible from the seed', async () => {
    const outcomes = (seed: number): string[] => {
      const s = new CloudHsmSimulator({ seed });
      s.injectFault({ kind: 'throttle', rate: 0.5 });
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        try {
          s.handle(REGION, 'DescribeClusters', {});
          out.push('ok');
        } catch (e) {
          out.push((e as Error).name);
        }
      }
      return out;
    };
    const a = outcomes(7);
    expect(outcomes(7)).toEqual(a);
    const throttled = a.filter((x) => x === 'ThrottlingException').length;
    expect(throttled).toBeGreaterThan(8);
    expect(throttled).toBeLessThan(32);
    expect(outcomes(8)).not.toEqual(a);
  });

  test('added latency delays the HTTP response in real time', async () => {
    sim.injectFault({ kind: 'latency', operation: 'DescribeClusters', latencyMs: 150, nextCalls: 1 });
    const t0 = Date.now();
    await client().send(new DescribeClustersCommand({}));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const t1 = Date.now();
    await client().send(new DescribeClustersCommand({}));
    expect(Date.now() - t1).toBeLessThan(140);
  });

  test('call counts per operation and per region', async () => {
    await createCluster('us-east-1');
    await createCluster('eu-west-1');
    await client('eu-west-1').send(new DescribeClustersCommand({}));
    await expectError(client('eu-west-1').send(new DescribeBackupsCommand({ MaxResults: 0 })), 'CloudHsmInvalidRequestException', 'maxResults');
    expect(sim.callCounts()).toEqual({ CreateCluster: 2, DescribeClusters: 1, DescribeBackups: 1 });
    expect(sim.callCounts('eu-west-1')).toEqual({ CreateCluster: 1, DescribeClusters: 1, DescribeBackups: 1 });
    expect(sim.calls.list().map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok', 'error']);
  });

  test('fault specs are checked', () => {
    expect(() => sim.injectFault({ kind: 'throttle', rate: 2 })).toThrow(/rate/);
    expect(() => sim.injectFault({ kind: 'throttle', rate: 0.5, nthCall: 1 })).toThrow(/at most one/);
    expect(() => sim.injectFault({ kind: 'latency' })).toThrow(/latencyMs/);
  });
});

describe('HTTP control endpoints', () => {
  test('advance, resources, faults, calls, register-subnet, reset', async () => {
    const id = await createCluster();
    expect((await control('advance', { ms: 5 * MIN })).json).toEqual({ fired: 1, nowMs: DEFAULT_START_MS + 5 * MIN });
    expect((await control('resources')).json.resources).toEqual([{ region: REGION, type: 'cluster', id, state: 'UNINITIALIZED' }]);
    expect((await control('register-subnet', { region: REGION, subnetId: 'subnet-0fff0fff', az: 'us-east-1c', vpcId: 'vpc-0a1b2c3d', cidr: '10.1.0.0/24' })).status).toBe(200);
    expect(sim.subnetInfo(REGION, 'subnet-0fff0fff')).toEqual({ subnetId: 'subnet-0fff0fff', az: 'us-east-1c', vpcId: 'vpc-0a1b2c3d', cidr: '10.1.0.0/24' });
    const fault = await control('add-fault', { kind: 'internalError', operation: 'ListTags', nextCalls: 1 });
    expect(fault.json.id).toBeGreaterThan(0);
    await expectError(client().send(new ListTagsCommand({ ResourceId: id })), 'CloudHsmInternalFailureException', 'internal failure');
    expect((await control('calls')).json.counts).toEqual({ CreateCluster: 1, ListTags: 1 });
    expect((await control('degrade-cluster', { clusterId: id, message: 'broken' })).json.State).toBe('DEGRADED');
    expect((await control('activate-cluster', { clusterId: id })).json.error).toMatch(/not INITIALIZED/);
    expect((await control('nope')).status).toBe(404);
    expect((await control('advance', {})).status).toBe(400);
    await control('reset');
    expect(sim.listResources()).toEqual([]);
    expect(sim.clock.now()).toBe(DEFAULT_START_MS);
  });
});

describe('virtual clock', () => {
  test('fires timers in due order, at their due time, including timers they schedule', () => {
    const clock = new VirtualClock(1000);
    const log: string[] = [];
    clock.schedule(300, 'c', () => log.push(`c@${clock.now()}`));
    clock.schedule(100, 'a', () => {
      log.push(`a@${clock.now()}`);
      clock.schedule(50, 'b', () => log.push(`b@${clock.now()}`));
    });
    const cancelled = clock.schedule(200, 'x', () => log.push('x'));
    clock.cancel(cancelled);
    expect(clock.advance(99)).toBe(0);
    expect(clock.advance(1000)).toBe(3);
    expect(log).toEqual(['a@1100', 'b@1150', 'c@1300']);
    expect(clock.now()).toBe(2099);
    expect(() => clock.advance(-1)).toThrow();
  });
});
