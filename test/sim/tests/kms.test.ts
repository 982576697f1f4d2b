// The simulator's KMS (CloudHSM key stores and their keys) over HTTP with the real
// @aws-sdk/client-kms, and the CloudHSM CLI user commands kmsuser needs. Each rule here is one of
// the KMS API reference (see test/sim/ops/kms.ts and test/sim/kms.ts for the sources).

import {
  ConnectCustomKeyStoreCommand, CreateAliasCommand, CreateCustomKeyStoreCommand, CreateKeyCommand, DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand, DescribeKeyCommand, DisconnectCustomKeyStoreCommand, GetKeyPolicyCommand, KMSClient,
  ListKeysCommand, ListResourceTagsCommand, PutKeyPolicyCommand, ScheduleKeyDeletionCommand, TagResourceCommand,
  UntagResourceCommand, UpdateCustomKeyStoreCommand, UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '..';

const REGION = 'us-east-1';
const TRUST_ANCHOR = '-----BEGIN CERTIFICATE-----\nVFJVU1QtQU5DSE9S\n-----END CERTIFICATE-----\n';
const CLUSTER_CERT = '-----BEGIN CERTIFICATE-----\nQ0xVU1RFUi1DRVJU\n-----END CERTIFICATE-----\n';
const ADMIN_PW = 'Admin-Pass-1';
const KMSUSER_PW = 'Kms-User-Pass-1';
const DAY = 24 * 60 * 60_000;

let server: SimulatorServer;
let sim: CloudHsmSimulator;
let kms: KMSClient;
beforeAll(async () => {
  sim = new CloudHsmSimulator({ seed: 17 });
  server = await startSimulatorServer(sim);
  kms = new KMSClient({ region: REGION, endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 3 });
});
afterAll(() => server.close());
beforeEach(() => sim.reset());

type Api = { handle(region: string, op: string, input: unknown): any };
const api = () => sim as unknown as Api;

/** One CLI command in a session (what the host's cloudhsm-cli does). */
function cli(ip: string, line: string, session?: string) {
  const words = line.split(' ');
  const p = words.indexOf('--password');
  return sim.hsmCli(REGION, [ip], p < 0 ? words : words.filter((_, n) => n !== p && n !== p + 1), p < 0 ? undefined : words[p + 1], session);
}

/**
 * An ACTIVE cluster with ACTIVE HSMs in us-east-1a and (unless `hsms` is 1) us-east-1b, admin
 * activated, and (unless `kmsuser` is false) the crypto user kmsuser.
 */
function activeCluster(opts: { hsms?: 1 | 2; kmsuser?: boolean; subnets?: string[] } = {}): { clusterId: string; ip: string } {
  const subnets = opts.subnets ?? ['subnet-0a000000', 'subnet-0b000000'];
  subnets.forEach((id, i) => sim.registerSubnet(REGION, id, { az: `${REGION}${'ab'[i]}`, vpcId: 'vpc-0a0a0a0a', cidr: `10.0.${i + 1}.0/24` }));
  const clusterId = api().handle(REGION, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: subnets }).Cluster.ClusterId;
  sim.advance(sim.timings.clusterCreateMs);
  const ip = api().handle(REGION, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${REGION}a` }).Hsm.EniIp;
  sim.advance(sim.timings.hsmCreateMs);
  api().handle(REGION, 'InitializeCluster', { ClusterId: clusterId, SignedCert: CLUSTER_CERT, TrustAnchor: TRUST_ANCHOR });
  sim.advance(sim.timings.initializeMs);
  expect(cli(ip, `cluster activate --password ${ADMIN_PW}`).exitCode).toBe(0);
  if (opts.kmsuser !== false) {
    expect(cli(ip, `login --username admin --role admin --password ${ADMIN_PW}`, 'setup').exitCode).toBe(0);
    expect(cli(ip, `user create --username kmsuser --role crypto-user --password ${KMSUSER_PW}`, 'setup').exitCode).toBe(0);
    expect(cli(ip, 'logout', 'setup').exitCode).toBe(0);
  }
  if (opts.hsms !== 1 && subnets.length > 1) {
    api().handle(REGION, 'CreateHsm', { ClusterId: clusterId, AvailabilityZone: `${REGION}b` });
    sim.advance(sim.timings.hsmCreateMs);
  }
  return { clusterId, ip };
}

async function createStore(clusterId: string, name = 'store-1', password = KMSUSER_PW): Promise<string> {
  const out = await kms.send(new CreateCustomKeyStoreCommand({
    CustomKeyStoreName: name, CloudHsmClusterId: clusterId, TrustAnchorCertificate: TRUST_ANCHOR, KeyStorePassword: password, CustomKeyStoreType: 'AWS_CLOUDHSM',
  }));
  return out.CustomKeyStoreId!;
}

async function describeStore(id: string) {
  return (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores![0];
}

async function connected(clusterId: string): Promise<string> {
  const id = await createStore(clusterId);
  await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  sim.advance(sim.timings.keyStoreConnectMs);
  expect((await describeStore(id)).ConnectionState).toBe('CONNECTED');
  return id;
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error) => ({ name: e.name, message: e.message }));

describe('custom key stores', () => {
  test('create -> DISCONNECTED; connect -> CONNECTING for keyStoreConnectMs -> CONNECTED; KMS rotates kmsuser password', async () => {
    const { clusterId, ip } = activeCluster();
    const id = await createStore(clusterId);
    expect(id).toMatch(/^cks-[0-9a-f]{17}$/);
    const created = await describeStore(id);
    expect(created).toMatchObject({
      CustomKeyStoreName: 'store-1', CloudHsmClusterId: clusterId, TrustAnchorCertificate: TRUST_ANCHOR, ConnectionState: 'DISCONNECTED', CustomKeyStoreType: 'AWS_CLOUDHSM',
    });
    expect(created.CreationDate).toEqual(new Date(sim.clock.now()));
    expect(JSON.stringify(created)).not.toContain(KMSUSER_PW);
    // by name as well
    const byName = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'store-1' }));
    expect(byName.CustomKeyStores!.map((s) => s.CustomKeyStoreId)).toEqual([id]);

    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    expect((await describeStore(id)).ConnectionState).toBe('CONNECTING');
    sim.advance(sim.timings.keyStoreConnectMs - 1);
    expect((await describeStore(id)).ConnectionState).toBe('CONNECTING');
    // connecting again while connecting is valid and changes nothing
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    sim.advance(1);
    expect((await describeStore(id)).ConnectionState).toBe('CONNECTED');
    expect(cli(ip, `login --username kmsuser --role crypto-user --password ${KMSUSER_PW}`).output.data).toContain('invalid');
    expect(sim.hsmUsers.find(REGION, clusterId, 'kmsuser')!.password).not.toBe(KMSUSER_PW);
  });

  test('CreateCustomKeyStore refusals: unknown, inactive, one HSM, one AZ, wrong trust anchor, cluster in use (or sharing its backup history), name in use, short password (never echoed)', async () => {
    const create = (clusterId: string, over: Record<string, string> = {}) => failure(kms.send(new CreateCustomKeyStoreCommand({
      CustomKeyStoreName: 'x', CloudHsmClusterId: clusterId, TrustAnchorCertificate: TRUST_ANCHOR, KeyStorePassword: KMSUSER_PW, ...over,
    })));
    expect((await create('cluster-aaaaaaaaaaa')).name).toBe('CloudHsmClusterNotFoundException');

    const one = activeCluster({ hsms: 1 });
    expect(await create(one.clusterId)).toMatchObject({ name: 'CloudHsmClusterInvalidConfigurationException', message: expect.stringContaining('two active HSMs') });
    sim.forceClusterState(REGION, one.clusterId, 'DEGRADED');
    expect((await create(one.clusterId)).name).toBe('CloudHsmClusterNotActiveException');

    sim.reset();
    const oneAz = activeCluster({ subnets: ['subnet-0c000000'] });
    expect(await create(oneAz.clusterId)).toMatchObject({ name: 'CloudHsmClusterInvalidConfigurationException', message: expect.stringContaining('Availability Zone') });

    sim.reset();
    const { clusterId } = activeCluster();
    expect((await create(clusterId, { TrustAnchorCertificate: CLUSTER_CERT })).name).toBe('IncorrectTrustAnchorException');
    const short = await create(clusterId, { KeyStorePassword: 'abc12' });
    expect(short.name).toBe('ValidationException');
    expect(short.message).not.toContain('abc12');
    await createStore(clusterId, 'first');
    expect((await create(clusterId, { CustomKeyStoreName: 'other' })).name).toBe('CloudHsmClusterInUseException');
    expect((await create('cluster-bbbbbbbbbbb', { CustomKeyStoreName: 'first' })).name).toBe('CustomKeyStoreNameInUseException');
    // a cluster restored from this one's backup shares its certificate: in use too
    const backup = sim.createBackup(REGION, clusterId) as { BackupId: string };
    const restored = api().handle(REGION, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0a000000', 'subnet-0b000000'], SourceBackupId: backup.BackupId }).Cluster.ClusterId;
    sim.advance(sim.timings.clusterCreateMs);
    expect((await create(restored, { CustomKeyStoreName: 'restored' })).name).toBe('CloudHsmClusterInUseException');
  });

  describe('each ConnectionErrorCode', () => {
    async function failsWith(code: string, arrange: (c: { clusterId: string; ip: string; id: string }) => void, opts: { kmsuser?: boolean } = {}) {
      const c = activeCluster(opts);
      const id = await createStore(c.clusterId);
      arrange({ ...c, id });
      await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
      sim.advance(sim.timings.keyStoreConnectMs);
      const s = await describeStore(id);
      expect({ state: s.ConnectionState, code: s.ConnectionErrorCode }).toEqual({ state: 'FAILED', code });
      return { ...c, id };
    }

    test('USER_NOT_FOUND: no kmsuser', () => failsWith('USER_NOT_FOUND', () => undefined, { kmsuser: false }));
    test('INVALID_CREDENTIALS: kmsuser has another password', () => failsWith('INVALID_CREDENTIALS', ({ ip }) => {
      cli(ip, `login --username admin --role admin --password ${ADMIN_PW}`, 's');
      expect(cli(ip, 'user change-password --username kmsuser --role crypto-user --password Another-Pass-2', 's').exitCode).toBe(0);
      cli(ip, 'logout', 's');
    }));
    test('USER_LOCKED_OUT', () => failsWith('USER_LOCKED_OUT', ({ clusterId }) => { sim.hsmUsers.find(REGION, clusterId, 'kmsuser')!.locked = true; }));
    test('USER_LOGGED_IN: a CLI session is logged in as kmsuser; after logout it connects', async () => {
      const { ip, id } = await failsWith('USER_LOGGED_IN', ({ ip: addr }) => {
        expect(cli(addr, `login --username kmsuser --role crypto-user --password ${KMSUSER_PW}`, 'open').exitCode).toBe(0);
      });
      expect(cli(ip, 'logout', 'open').output).toEqual({ error_code: 0, data: 'Logout successful' });
      await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
      sim.advance(sim.timings.keyStoreDisconnectMs);
      await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
      sim.advance(sim.timings.keyStoreConnectMs);
      expect((await describeStore(id)).ConnectionState).toBe('CONNECTED');
    });
    test('INSUFFICIENT_CLOUDHSM_HSMS: no active HSM', () => failsWith('INSUFFICIENT_CLOUDHSM_HSMS', ({ clusterId }) => {
      for (const h of (sim.peekCluster(REGION, clusterId) as any).Hsms) sim.degradeHsm(REGION, h.HsmId);
    }));
    test('CLUSTER_NOT_FOUND: the cluster was deleted', () => failsWith('CLUSTER_NOT_FOUND', ({ clusterId }) => {
      for (const h of (sim.peekCluster(REGION, clusterId) as any).Hsms) api().handle(REGION, 'DeleteHsm', { ClusterId: clusterId, HsmId: h.HsmId });
      sim.advance(sim.timings.hsmDeleteMs);
      api().handle(REGION, 'DeleteCluster', { ClusterId: clusterId });
      sim.advance(sim.timings.clusterDeleteMs);
    }));
    for (const code of ['NETWORK_ERRORS', 'INTERNAL_ERROR', 'SUBNET_NOT_FOUND', 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET'] as const) {
      test(`${code} (injected once): FAILED refuses Connect; disconnect, connect again -> CONNECTED`, async () => {
        const { id } = await failsWith(code, ({ id: storeId }) => sim.injectConnectionFault({ errorCode: code, keyStoreId: storeId }));
        expect(await failure(kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toMatchObject({ name: 'CustomKeyStoreInvalidStateException' });
        await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
        expect((await describeStore(id)).ConnectionState).toBe('DISCONNECTING');
        sim.advance(sim.timings.keyStoreDisconnectMs);
        expect((await describeStore(id))).toMatchObject({ ConnectionState: 'DISCONNECTED' });
        expect((await describeStore(id)).ConnectionErrorCode).toBeUndefined();
        await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
        sim.advance(sim.timings.keyStoreConnectMs);
        expect((await describeStore(id)).ConnectionState).toBe('CONNECTED');
      });
    }
  });

  test('Connect on an inactive cluster: CloudHsmClusterNotActiveException; Disconnect on DISCONNECTED: CustomKeyStoreInvalidStateException', async () => {
    const { clusterId } = activeCluster();
    const id = await createStore(clusterId);
    expect((await failure(kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id })))).name).toBe('CustomKeyStoreInvalidStateException');
    sim.degradeCluster(REGION, clusterId);
    expect((await failure(kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })))).name).toBe('CloudHsmClusterNotActiveException');
    expect((await failure(kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: 'cks-00000000000000000' })))).name).toBe('CustomKeyStoreNotFoundException');
  });

  test('UpdateCustomKeyStore: a name while CONNECTED; the password only while DISCONNECTED; an unrelated cluster is refused', async () => {
    const { clusterId } = activeCluster();
    const id = await connected(clusterId);
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'renamed' }));
    expect((await describeStore(id)).CustomKeyStoreName).toBe('renamed');
    const pw = await failure(kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, KeyStorePassword: 'New-Pass-123' })));
    expect(pw).toMatchObject({ name: 'CustomKeyStoreInvalidStateException', message: expect.stringContaining('DISCONNECTED') });
    expect(pw.message).not.toContain('New-Pass-123');
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    sim.advance(sim.timings.keyStoreDisconnectMs);
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, KeyStorePassword: 'New-Pass-123' }));
    expect(sim.kms.keyStores.get(id)!.password).toBe('New-Pass-123');
    // the new password is not kmsuser's (KMS rotated it): connecting fails with INVALID_CREDENTIALS
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    sim.advance(sim.timings.keyStoreConnectMs);
    expect((await describeStore(id)).ConnectionErrorCode).toBe('INVALID_CREDENTIALS');
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    sim.advance(sim.timings.keyStoreDisconnectMs);
    const other = await failure(kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, CloudHsmClusterId: 'cluster-ccccccccccc' })));
    expect(other.name).toBe('CloudHsmClusterNotFoundException');
  });

  test('DeleteCustomKeyStore: refused unless DISCONNECTED, refused while it holds keys (pending deletion too), then gone', async () => {
    const { clusterId } = activeCluster();
    const id = await connected(clusterId);
    const key = (await kms.send(new CreateKeyCommand({ CustomKeyStoreId: id, Origin: 'AWS_CLOUDHSM' }))).KeyMetadata!;
    expect((await failure(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })))).name).toBe('CustomKeyStoreInvalidStateException');
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    sim.advance(sim.timings.keyStoreDisconnectMs);
    expect((await failure(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })))).name).toBe('CustomKeyStoreHasCMKsException');
    // a key of a disconnected store is Unavailable; its deletion can still be scheduled
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState).toBe('Unavailable');
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
    expect(scheduled).toMatchObject({ KeyState: 'PendingDeletion', PendingWindowInDays: 7, KeyId: key.Arn });
    expect((await failure(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })))).name).toBe('CustomKeyStoreHasCMKsException');
    sim.advance(7 * DAY - 1);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState).toBe('PendingDeletion');
    sim.advance(1);
    expect((await failure(kms.send(new DescribeKeyCommand({ KeyId: key.KeyId })))).name).toBe('NotFoundException');
    await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    expect((await failure(describeStore(id))).name).toBe('CustomKeyStoreNotFoundException');
    expect(sim.listResources().filter((r) => r.type === 'key-store' || r.type === 'kms-key')).toEqual([]);
  });

  test('DescribeCustomKeyStores pages with Limit / NextMarker and refuses both filters at once', async () => {
    const a = activeCluster();
    await createStore(a.clusterId, 'a');
    sim.kms.keyStores.forEach((s) => { s.clusterId = 'cluster-zzzzzzzzzzz'; }); // free the cluster for a second store
    await createStore(a.clusterId, 'b');
    const first = await kms.send(new DescribeCustomKeyStoresCommand({ Limit: 1 }));
    expect(first).toMatchObject({ Truncated: true });
    const second = await kms.send(new DescribeCustomKeyStoresCommand({ Limit: 1, Marker: first.NextMarker }));
    expect([...first.CustomKeyStores!, ...second.CustomKeyStores!].map((s) => s.CustomKeyStoreName)).toEqual(['a', 'b']);
    expect(second.Truncated).toBe(false);
    expect((await failure(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: 'cks-1', CustomKeyStoreName: 'a' })))).name).toBe('ValidationException');
  });
});

describe('keys in a key store', () => {
  test('CreateKey needs the store CONNECTED and two active HSMs in two AZs; the key carries store and cluster', async () => {
    const { clusterId } = activeCluster();
    const id = await createStore(clusterId);
    const create = () => kms.send(new CreateKeyCommand({ CustomKeyStoreId: id, Origin: 'AWS_CLOUDHSM', Description: 'd', Tags: [{ TagKey: 'k', TagValue: 'v' }] }));
    expect((await failure(create())).name).toBe('CustomKeyStoreInvalidStateException');
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    sim.advance(sim.timings.keyStoreConnectMs);
    const meta = (await create()).KeyMetadata!;
    expect(meta).toMatchObject({
      Origin: 'AWS_CLOUDHSM',
      CustomKeyStoreId: id,
      CloudHsmClusterId: clusterId,
      KeyState: 'Enabled',
      Enabled: true,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyManager: 'CUSTOMER',
      Description: 'd',
    });
    expect(meta.Arn).toBe(`arn:aws:kms:${REGION}:123456789012:key/${meta.KeyId}`);
    expect((await failure(kms.send(new CreateKeyCommand({ CustomKeyStoreId: id, Origin: 'AWS_KMS' })))).name).toBe('UnsupportedOperationException');
    expect((await failure(kms.send(new CreateKeyCommand({ CustomKeyStoreId: id, Origin: 'AWS_CLOUDHSM', KeySpec: 'RSA_2048' })))).name).toBe('UnsupportedOperationException');
    // one HSM left: the store stays CONNECTED, but CreateKey is refused
    const hsmB = (sim.peekCluster(REGION, clusterId) as any).Hsms.find((h: any) => h.AvailabilityZone === `${REGION}b`).HsmId;
    sim.degradeHsm(REGION, hsmB);
    expect((await failure(create())).name).toBe('CloudHsmClusterInvalidConfigurationException');
  });

  test('tags, description, policy, aliases, ListKeys paging; refusals by the reference', async () => {
    const { clusterId } = activeCluster();
    const id = await connected(clusterId);
    const k = (await kms.send(new CreateKeyCommand({ CustomKeyStoreId: id, Origin: 'AWS_CLOUDHSM', Tags: [{ TagKey: 'a', TagValue: '1' }] }))).KeyMetadata!;
    const k2 = (await kms.send(new CreateKeyCommand({ CustomKeyStoreId: id, Origin: 'AWS_CLOUDHSM' }))).KeyMetadata!;
    await kms.send(new TagResourceCommand({ KeyId: k.Arn, Tags: [{ TagKey: 'a', TagValue: '2' }, { TagKey: 'b', TagValue: '3' }] }));
    await kms.send(new UntagResourceCommand({ KeyId: k.KeyId, TagKeys: ['b', 'absent'] }));
    expect((await kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId }))).Tags).toEqual([{ TagKey: 'a', TagValue: '2' }]);
    expect((await failure(kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'aws:x', TagValue: '' }] })))).name).toBe('TagException');
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: k.KeyId, Description: 'new' }));
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }] });
    await kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default', Policy: policy }));
    expect((await kms.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default' }))).Policy).toBe(policy);
    expect((await failure(kms.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: '{not json' })))).name).toBe('MalformedPolicyDocumentException');
    // the default policy: the account root may use the key
    expect(JSON.parse((await kms.send(new GetKeyPolicyCommand({ KeyId: k2.KeyId }))).Policy!).Statement[0].Principal.AWS).toBe('arn:aws:iam::123456789012:root');
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: k.KeyId }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/app' }))).KeyMetadata).toMatchObject({ KeyId: k.KeyId, Description: 'new' });
    expect((await failure(kms.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: k2.KeyId })))).name).toBe('AlreadyExistsException');
    expect((await failure(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: k2.KeyId })))).name).toBe('InvalidAliasNameException');
    const first = await kms.send(new ListKeysCommand({ Limit: 1 }));
    const second = await kms.send(new ListKeysCommand({ Limit: 1, Marker: first.NextMarker }));
    expect([first.Truncated, second.Truncated]).toEqual([true, false]);
    expect([...first.Keys!, ...second.Keys!].map((x) => x.KeyId)).toEqual([k.KeyId, k2.KeyId]);
    // deletion: window 7..30, not twice; a key pending deletion takes no tags; it goes with its alias
    expect((await failure(kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 6 })))).name).toBe('ValidationException');
    const s = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId }));
    expect(s.PendingWindowInDays).toBe(30);
    expect((await failure(kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId })))).name).toBe('KMSInvalidStateException');
    expect((await failure(kms.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'c', TagValue: '' }] })))).name).toBe('KMSInvalidStateException');
    sim.advance(30 * DAY);
    expect((await failure(kms.send(new DescribeKeyCommand({ KeyId: 'alias/app' })))).name).toBe('NotFoundException');
    expect((await failure(kms.send(new DescribeKeyCommand({ KeyId: 'not-a-key' })))).name).toBe('NotFoundException');
  });
});

describe('faults', () => {
  test('throttled KMS calls are retried by the SDK; a dropped CreateKey response leaves the key made', async () => {
    const { clusterId } = activeCluster();
    const id = await connected(clusterId);
    sim.injectFault({ kind: 'throttle', operation: 'DescribeCustomKeyStores', nextCalls: 2 });
    expect((await describeStore(id)).ConnectionState).toBe('CONNECTED');
    expect(sim.calls.list().filter((c) => c.operation === 'DescribeCustomKeyStores' && c.outcome === 'fault')).toHaveLength(2);
    sim.injectFault({ kind: 'dropResponse', operation: 'CreateKey', nthCall: 1 });
    const once = new KMSClient({ region: REGION, endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    expect((await failure(once.send(new CreateKeyCommand({ CustomKeyStoreId: id, Origin: 'AWS_CLOUDHSM' })))).name).toBe('KMSInternalException');
    expect((await kms.send(new ListKeysCommand({}))).Keys).toHaveLength(1);
  });

  test('a connection that FAILs once (injected), then connects after disconnect + connect', async () => {
    const { clusterId } = activeCluster();
    const id = await createStore(clusterId);
    sim.injectConnectionFault({ errorCode: 'NETWORK_ERRORS' });
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    sim.advance(sim.timings.keyStoreConnectMs);
    expect(await describeStore(id)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'NETWORK_ERRORS' });
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    sim.advance(sim.timings.keyStoreDisconnectMs);
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    sim.advance(sim.timings.keyStoreConnectMs);
    expect((await describeStore(id)).ConnectionState).toBe('CONNECTED');
  });
});

describe('CloudHSM CLI: kmsuser', () => {
  test('user create needs an admin logged in in the session; change-password: admin for anyone, a crypto user for itself; logout ends the login', () => {
    const { clusterId, ip } = activeCluster({ kmsuser: false });
    expect(cli(ip, 'user create --username kmsuser --role crypto-user --password Kms-User-Pass-1').output.data).toBe('No user is logged in: log in first');
    expect(cli(ip, `login --username admin --role admin --password ${ADMIN_PW}`, 'a').output).toEqual({ error_code: 0, data: { username: 'admin', role: 'admin' } });
    expect(cli(ip, 'user create --username kmsuser --role crypto-user --password short', 'a').output.data).toContain('8 to 32');
    expect(cli(ip, 'user create --username KmsUser --role crypto-user --password Kms-User-Pass-1', 'a').output).toEqual({ error_code: 0, data: { username: 'kmsuser', role: 'crypto-user' } });
    expect(cli(ip, 'user create --username kmsuser --role crypto-user --password Kms-User-Pass-1', 'a').output.data).toContain('already exists');
    expect(cli(ip, 'user list').output.data).toEqual({ users: expect.arrayContaining([expect.objectContaining({ username: 'kmsuser', role: 'crypto-user' })]) });
    expect(JSON.stringify(cli(ip, 'user list').output)).not.toContain('Kms-User-Pass-1');
    expect(cli(ip, 'user change-password --username kmsuser --role crypto-user --password Kms-User-Pass-2', 'a').exitCode).toBe(0);
    expect(cli(ip, 'logout', 'a').output).toEqual({ error_code: 0, data: 'Logout successful' });
    expect(cli(ip, 'logout', 'a').exitCode).toBe(1);
    // the crypto user: own password yes, admin's no, no user management
    expect(cli(ip, 'login --username kmsuser --role crypto-user --password Kms-User-Pass-1', 'k').exitCode).toBe(1);
    expect(cli(ip, 'login --username kmsuser --role crypto-user --password Kms-User-Pass-2', 'k').exitCode).toBe(0);
    expect(sim.hsmUsers.find(REGION, clusterId, 'kmsuser')!.sessions!.has('k')).toBe(true);
    expect(cli(ip, 'user change-password --username admin --role admin --password Whatever-1', 'k').output.data).toContain('only its own');
    expect(cli(ip, 'user create --username other --role crypto-user --password Whatever-1', 'k').output.data).toContain('may not manage users');
    expect(cli(ip, 'user change-password --username kmsuser --role crypto-user --password Kms-User-Pass-3', 'k').exitCode).toBe(0);
    sim.endHsmCliSession('k');
    expect(sim.hsmUsers.find(REGION, clusterId, 'kmsuser')).toMatchObject({ password: 'Kms-User-Pass-3' });
    expect(sim.hsmUsers.find(REGION, clusterId, 'kmsuser')!.sessions!.size).toBe(0);
  });
});
