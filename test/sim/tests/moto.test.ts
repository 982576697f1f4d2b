// Contract suite: ONE table of cases for the operations moto's server implements for
// cloudhsmv2 (CreateCluster, DeleteCluster, DescribeClusters, DescribeBackups, TagResource,
// UntagResource, ListTags), run with the real SDK client against the simulator and against
// moto's server. Where the two legitimately differ, the case says so per backend with
// byBackend({ simulator, moto }) and test/sim/README.md ("moto vs simulator") says which
// one matches the API reference. The moto backend installs moto itself into <repo>/.sim-venv
// (pinned version; a no-op when it is already there; test/sim/models/venv.ts) and fails, never
// skips, if it cannot.

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  CloudHSMV2Client,
  Cluster,
  CreateClusterCommand,
  CreateClusterCommandInput,
  DeleteClusterCommand,
  DescribeBackupsCommand,
  DescribeClustersCommand,
  ListTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { CloudHsmSimulator, startSimulatorServer, SimulatorServer } from '..';
import { ensureVenv, pinned, run, VENV } from '../models/venv';

/** The moto version the requirements file pins; the README's "moto vs simulator" table is about it. */
const MOTO_VERSION = pinned('moto[server]');
const MIN = 60_000;
const REGION = 'us-east-1';
const S0 = 'subnet-00000000'; // simulator: us-east-1a
const S1 = 'subnet-00000001'; // simulator: us-east-1b
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type BackendName = 'simulator' | 'moto';
type PerBackend<T> = Readonly<Record<BackendName, T>>;

interface Target {
  readonly backend: BackendName;
  /** what the SDK's parser warned about during this case */
  readonly sdkWarnings: string[];
  client(region?: string): CloudHSMV2Client;
  /** lets asynchronous work finish: virtual time for the simulator, nothing for moto (it is synchronous) */
  settle(ms: number): void;
  /** the expectation of this backend */
  byBackend<T>(values: PerBackend<T>): T;
}

interface ContractCase {
  readonly name: string;
  readonly run: (t: Target) => Promise<void>;
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number } | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
}

async function create(t: Target, input: Partial<CreateClusterCommandInput> = {}, region = REGION): Promise<Cluster> {
  const out = await t.client(region).send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [S0, S1], ...input }));
  return out.Cluster!;
}

async function describeById(t: Target, id: string, region = REGION): Promise<Cluster[]> {
  return (await t.client(region).send(new DescribeClustersCommand({ Filters: { clusterIds: [id] } }))).Clusters ?? [];
}

async function tagsOf(t: Target, id: string): Promise<{ Key?: string; Value?: string }[]> {
  return (await t.client().send(new ListTagsCommand({ ResourceId: id }))).TagList ?? [];
}

// ---- the contract table --------------------------------------------------------------

const CONTRACT: ContractCase[] = [
  {
    name: 'CreateCluster returns the cluster with the requested HsmType and subnets',
    run: async (t) => {
      const before = Date.now();
      const c = await create(t, { HsmType: 'hsm1.medium', TagList: [{ Key: 'app', Value: 'pay' }] });
      expect(c.HsmType).toBe('hsm1.medium');
      expect(c.TagList).toEqual([{ Key: 'app', Value: 'pay' }]);
      expect(c.VpcId).toMatch(/^vpc-[0-9a-f]+$/);
      expect(c.Hsms).toEqual([]);
      expect(c.BackupPolicy).toBe('DEFAULT');
      // M1: the reference's pattern vs a UUID
      expect(c.ClusterId).toMatch(t.byBackend({ simulator: /^cluster-[2-7a-zA-Z]{11,16}$/, moto: UUID }));
      // M2: the service starts in CREATE_IN_PROGRESS; moto is ACTIVE at once
      expect(c.State).toBe(t.byBackend({ simulator: 'CREATE_IN_PROGRESS', moto: 'ACTIVE' }));
      // M3: SubnetMapping is AZ -> subnet; moto maps the region name to the last subnet
      expect(c.SubnetMapping).toEqual(t.byBackend<Record<string, string>>({
        simulator: { 'us-east-1a': S0, 'us-east-1b': S1 },
        moto: { 'us-east-1': S1 },
      }));
      // M4: the default retention policy is 90 days; moto returns an empty policy
      expect(c.BackupRetentionPolicy).toEqual(t.byBackend<object>({ simulator: { Type: 'DAYS', Value: '90' }, moto: {} }));
      // M5: timestamps are epoch seconds; moto sends an ISO string, which SDK 3.332 reads as
      // parseFloat('2026-...') = 2026 seconds after 1970 (the virtual clock starts at 2026-01-01)
      const created = c.CreateTimestamp!.getTime();
      if (t.backend === 'simulator') expect(created).toBe(Date.UTC(2026, 0, 1));
      else expect(created).toBe(new Date(before).getUTCFullYear() * 1000);
      expect(t.sdkWarnings.some((w) => w.includes('Expected number but observed string')))
        .toBe(t.byBackend({ simulator: false, moto: true }));
    },
  },
  {
    name: 'the cluster progresses to a usable state',
    run: async (t) => {
      const c = await create(t);
      t.settle(5 * MIN);
      const [d] = await describeById(t, c.ClusterId!);
      // M2 again: UNINITIALIZED is what a new cluster becomes; moto has no lifecycle
      expect(d.State).toBe(t.byBackend({ simulator: 'UNINITIALIZED', moto: 'ACTIVE' }));
    },
  },
  {
    name: 'DescribeClusters filters by clusterIds, vpcIds and states',
    run: async (t) => {
      const a = await create(t);
      const b = await create(t);
      const byId = await describeById(t, a.ClusterId!);
      expect(byId.map((c) => c.ClusterId)).toEqual([a.ClusterId]);
      const byVpc = await t.client().send(new DescribeClustersCommand({ Filters: { vpcIds: [b.VpcId!] } }));
      expect(byVpc.Clusters!.map((c) => c.ClusterId)).toContain(b.ClusterId);
      const state = t.byBackend({ simulator: 'CREATE_IN_PROGRESS', moto: 'ACTIVE' });
      const byState = await t.client().send(new DescribeClustersCommand({ Filters: { states: [state] } }));
      expect(byState.Clusters!.map((c) => c.ClusterId).sort()).toEqual([a.ClusterId, b.ClusterId].sort());
      const none = await t.client().send(new DescribeClustersCommand({ Filters: { states: ['DEGRADED'] } }));
      expect(none.Clusters).toEqual([]);
    },
  },
  {
    name: 'DescribeClusters pages with MaxResults and NextToken',
    run: async (t) => {
      const ids = [(await create(t)).ClusterId!, (await create(t)).ClusterId!, (await create(t)).ClusterId!];
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await t.client().send(new DescribeClustersCommand({ MaxResults: 2, NextToken: token }));
        seen.push(...page.Clusters!.map((c) => c.ClusterId!));
        token = page.NextToken;
        pages++;
      } while (token && pages < 10);
      expect(pages).toBe(2);
      expect(seen.sort()).toEqual([...ids].sort());
    },
  },
  {
    name: 'DescribeClusters MaxResults outside 1..25',
    run: async (t) => {
      await create(t);
      const err = await errorOf(t.client().send(new DescribeClustersCommand({ MaxResults: 0 })));
      // M8: moto does not validate the documented range
      expect(err?.name).toBe(t.byBackend<string | undefined>({ simulator: 'CloudHsmInvalidRequestException', moto: undefined }));
    },
  },
  {
    name: 'regions are separate',
    run: async (t) => {
      const east = await create(t);
      const west = await create(t, {}, 'eu-west-1');
      expect(await describeById(t, east.ClusterId!, 'eu-west-1')).toEqual([]);
      expect((await describeById(t, west.ClusterId!, 'eu-west-1')).map((c) => c.ClusterId)).toEqual([west.ClusterId]);
    },
  },
  {
    name: 'TagResource, ListTags and UntagResource on a cluster',
    run: async (t) => {
      const c = await create(t, { TagList: [{ Key: 'a', Value: '1' }] });
      const id = c.ClusterId!;
      // M6: tags given at creation are the cluster's tags; moto keeps ListTags in a separate store
      const created = t.byBackend({ simulator: [{ Key: 'a', Value: '1' }], moto: [] });
      expect(await tagsOf(t, id)).toEqual(created);
      await t.client().send(new TagResourceCommand({ ResourceId: id, TagList: [{ Key: 'b', Value: '2' }] }));
      await t.client().send(new TagResourceCommand({ ResourceId: id, TagList: [{ Key: 'b', Value: '3' }] }));
      expect(await tagsOf(t, id)).toEqual([...created, { Key: 'b', Value: '3' }]);
      // M6: ... and TagResource does not reach the cluster description in moto
      expect((await describeById(t, id))[0].TagList).toEqual(t.byBackend({
        simulator: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '3' }],
        moto: [{ Key: 'a', Value: '1' }],
      }));
      await t.client().send(new UntagResourceCommand({ ResourceId: id, TagKeyList: ['b'] }));
      expect(await tagsOf(t, id)).toEqual(created);
    },
  },
  {
    name: 'tag operations on a cluster that does not exist',
    run: async (t) => {
      const missing = 'cluster-aaaaaaaaaaa';
      const tagErr = await errorOf(t.client().send(new TagResourceCommand({ ResourceId: missing, TagList: [{ Key: 'k', Value: 'v' }] })));
      const listErr = await errorOf(t.client().send(new ListTagsCommand({ ResourceId: missing })));
      // M7: the reference documents CloudHsmResourceNotFoundException; moto accepts any id
      const expected = t.byBackend<string | undefined>({ simulator: 'CloudHsmResourceNotFoundException', moto: undefined });
      expect(tagErr?.name).toBe(expected);
      expect(listErr?.name).toBe(expected);
    },
  },
  {
    name: 'DeleteCluster of a cluster without HSMs',
    run: async (t) => {
      const c = await create(t);
      t.settle(5 * MIN);
      const out = await t.client().send(new DeleteClusterCommand({ ClusterId: c.ClusterId! }));
      expect(out.Cluster!.ClusterId).toBe(c.ClusterId);
      // M9: deletion is asynchronous in the service; moto deletes at once
      expect(out.Cluster!.State).toBe(t.byBackend({ simulator: 'DELETE_IN_PROGRESS', moto: 'DELETED' }));
      t.settle(2 * MIN);
      // M9: a deleted cluster is still described (DELETED) for a while; moto forgets it at once
      expect((await describeById(t, c.ClusterId!)).map((x) => x.State)).toEqual(t.byBackend({ simulator: ['DELETED'], moto: [] }));
      const all = await t.client().send(new DescribeClustersCommand({}));
      expect(all.Clusters!.map((x) => x.ClusterId)).not.toContain(c.ClusterId);
    },
  },
  {
    name: 'DeleteCluster of a cluster that does not exist',
    run: async (t) => {
      const err = await errorOf(t.client().send(new DeleteClusterCommand({ ClusterId: 'cluster-bbbbbbbbbbb' })));
      expect(err?.status).toBe(400);
      // M7: the reference's error is CloudHsmResourceNotFoundException; moto says ResourceNotFoundException
      expect(err?.name).toBe(t.byBackend({ simulator: 'CloudHsmResourceNotFoundException', moto: 'ResourceNotFoundException' }));
      expect(err?.message).toContain('cluster-bbbbbbbbbbb');
    },
  },
  {
    name: 'CreateCluster validates subnet ids and HsmType',
    run: async (t) => {
      const badSubnet = await errorOf(create(t, { SubnetIds: ['subnet-xyz'] }));
      // Not the pattern of the model's HsmType (a well-formed unknown type would pass, as in the model)
      const badType = await errorOf(create(t, { HsmType: 'hsm9-huge' }));
      // M8: moto validates neither (it creates the clusters)
      const expected = t.byBackend<string | undefined>({ simulator: 'CloudHsmInvalidRequestException', moto: undefined });
      expect(badSubnet?.name).toBe(expected);
      expect(badType?.name).toBe(expected);
      if (t.backend === 'simulator') {
        expect(badSubnet!.message).toContain("Value 'subnet-xyz' at 'subnetIds.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: subnet-[0-9a-fA-F]{8,17}");
      }
      const all = await t.client().send(new DescribeClustersCommand({}));
      expect(all.Clusters!.length).toBe(t.byBackend({ simulator: 0, moto: 2 }));
    },
  },
  {
    name: 'DescribeBackups of a new cluster',
    run: async (t) => {
      const c = await create(t, { TagList: [{ Key: 'a', Value: '1' }] });
      t.settle(5 * MIN);
      const out = await t.client().send(new DescribeBackupsCommand({ Filters: { clusterIds: [c.ClusterId!] } }));
      // M10: the service backs up when HSMs exist (e.g. when one is deleted); moto makes a READY backup with every new cluster
      expect(out.Backups!.map((b) => [b.BackupState, b.ClusterId])).toEqual(t.byBackend<unknown[]>({
        simulator: [],
        moto: [['READY', c.ClusterId]],
      }));
      const none = await t.client().send(new DescribeBackupsCommand({ Filters: { clusterIds: ['cluster-ccccccccccc'] } }));
      expect(none.Backups).toEqual([]);
    },
  },
];

// ---- backends ------------------------------------------------------------------------

/** moto's server from the shared venv, checked to be the pinned version. */
function ensureMoto(): string {
  const python = ensureVenv();
  const server = path.join(VENV, 'bin', 'moto_server');
  const installed = run(python, ['-c', 'import moto; print(moto.__version__)'], 60_000).out.trim();
  if (installed !== MOTO_VERSION || !fs.existsSync(server)) throw new Error(`moto ${MOTO_VERSION} not usable in ${VENV} (found '${installed}')`);
  return server;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startMoto(server: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(server, ['-p', String(port), '-H', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`moto_server exited (${proc.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/moto-api/data.json`);
      if (res.ok) return { url, proc };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill();
      throw new Error(`moto_server did not answer on ${url} within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function makeClients(url: string): { client: (region?: string) => CloudHSMV2Client; destroy: () => void } {
  const clients = new Map<string, CloudHSMV2Client>();
  return {
    client: (region = REGION) => {
      let c = clients.get(region);
      if (!c) {
        // fake credentials; maxAttempts 0 = exactly one attempt in SDK 3.332 (see sim.test.ts)
        c = new CloudHSMV2Client({ region, endpoint: url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 0 });
        clients.set(region, c);
      }
      return c;
    },
    destroy: () => clients.forEach((c) => c.destroy()),
  };
}

// SDK 3.332 logs parse warnings through the smithy-client logger (bound to console.warn
// when it loads); capture them so the moto run stays readable and M5 can assert on them.
const sdkWarnings: string[] = [];
let restoreSdkLogger: () => void = () => undefined;
beforeAll(() => {
  const smithy = jest.requireActual<{ logger: { warn: (message: unknown) => void } }>('@aws-sdk/smithy-client');
  const original = smithy.logger.warn;
  smithy.logger.warn = (message) => { sdkWarnings.push(String(message)); };
  restoreSdkLogger = () => { smithy.logger.warn = original; };
});
afterAll(() => restoreSdkLogger());
beforeEach(() => { sdkWarnings.length = 0; });

const byBackendOf = (backend: BackendName) => <T>(values: PerBackend<T>): T => values[backend];

describe('contract: simulator', () => {
  let server: SimulatorServer;
  let clients: ReturnType<typeof makeClients>;
  let target: Target;

  beforeAll(async () => {
    server = await startSimulatorServer(new CloudHsmSimulator());
    clients = makeClients(server.url);
    target = {
      backend: 'simulator', sdkWarnings, client: clients.client, settle: (ms) => { server.sim.advance(ms); }, byBackend: byBackendOf('simulator'),
    };
  });
  afterAll(async () => {
    clients.destroy();
    await server.close();
  });
  beforeEach(() => server.sim.reset());

  test.each(CONTRACT)('$name', async (c) => c.run(target));
});

describe('contract: moto', () => {
  let moto: { url: string; proc: ChildProcess };
  let clients: ReturnType<typeof makeClients>;
  let target: Target;

  beforeAll(async () => {
    moto = await startMoto(ensureMoto());
    clients = makeClients(moto.url);
    target = { backend: 'moto', sdkWarnings, client: clients.client, settle: () => undefined, byBackend: byBackendOf('moto') };
  }, 600_000);
  afterAll(async () => {
    clients?.destroy();
    if (moto && moto.proc.exitCode === null) {
      const exited = new Promise((r) => moto.proc.once('exit', r));
      moto.proc.kill('SIGTERM');
      await exited;
    }
  });
  beforeEach(async () => {
    const res = await fetch(`${moto.url}/moto-api/reset`, { method: 'POST' });
    expect(res.ok).toBe(true);
  });

  test.each(CONTRACT)('$name', async (c) => c.run(target));
});
