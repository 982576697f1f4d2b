// The Custom::CloudHsmBackupCopy handler (its TypeScript source and the bundled asset) against the
// CloudHSM simulator over HTTP with the real SDK client, across three regions. Expected outcomes
// come from the API behaviour (copies appear in the destination region tagged as requested,
// DeleteBackup leaves PENDING_DELETION), not from the handler's output.

import * as path from 'path';
import { CloudHSMV2Client, CreateClusterCommand, DescribeBackupsCommand, Backup } from '@aws-sdk/client-cloudhsm-v2';
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '..';
import { setClientFactory } from '../../../lambda/aws';
import * as source from '../../../lambda/index';
import { IsCompleteResponse, OnEventResponse, ResourceEvent } from '../../../lambda/types';

const REQUEST_TAG = 'cdk-cloudhsm:create-request';
const POLL_MS = 10_000;

interface Handler {
  onEvent(event: ResourceEvent): Promise<OnEventResponse>;
  isComplete(event: ResourceEvent): Promise<IsCompleteResponse>;
}

let server: SimulatorServer;
let sim: CloudHsmSimulator;
const clients = new Map<string, CloudHSMV2Client>();

function client(region: string): CloudHSMV2Client {
  let c = clients.get(region);
  if (!c) {
    c = new CloudHSMV2Client({ region, endpoint: server.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 0 });
    clients.set(region, c);
  }
  return c;
}

async function backupsIn(region: string): Promise<Backup[]> {
  return (await client(region).send(new DescribeBackupsCommand({}))).Backups ?? [];
}

const tagsOf = (b: Backup) => Object.fromEntries((b.TagList ?? []).map((t) => [t.Key, t.Value]));

/** What the Provider framework does: onEvent, then isComplete every poll interval (virtual time) until done. */
async function run(handler: Handler, ev: ResourceEvent): Promise<{ physicalId: string; data: Record<string, string>; polls: number }> {
  const res = await handler.onEvent(ev);
  const physicalId = res.PhysicalResourceId ?? ev.PhysicalResourceId!;
  for (let polls = 1; polls <= 200; polls++) {
    sim.advance(POLL_MS);
    const done = await handler.isComplete({ ...ev, PhysicalResourceId: physicalId });
    if (done.IsComplete) return { physicalId, data: done.Data ?? {}, polls };
  }
  throw new Error('isComplete never completed');
}

function event(type: 'Create' | 'Update' | 'Delete', requestId: string, properties: Record<string, any>, extra: Partial<ResourceEvent> = {}): ResourceEvent {
  return {
    RequestType: type,
    RequestId: requestId,
    ResourceType: 'Custom::CloudHsmBackupCopy',
    LogicalResourceId: 'DrCopy',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/primary/1',
    ResourceProperties: { ServiceToken: 'x', ...properties },
    ...extra,
  };
}

/** A cluster in us-east-1 with one READY backup (the simulator's control API stands in for CloudHSM's daily backup). */
async function clusterWithBackup(): Promise<{ clusterId: string; backupId: string }> {
  const out = await client('us-east-1').send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: ['subnet-00000000', 'subnet-00000001'] }));
  const clusterId = out.Cluster!.ClusterId!;
  sim.advance(5 * 60_000);
  const backup = sim.createBackup('us-east-1', clusterId);
  return { clusterId, backupId: String(backup.BackupId) };
}

beforeAll(async () => {
  server = await startSimulatorServer(new CloudHsmSimulator({ seed: 11 }));
  sim = server.sim;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'x';
  process.env.AWS_SECRET_ACCESS_KEY = 'y';
  process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2 = server.url;
  process.env.CDK_CLOUDHSM_QUIET = '1';
  setClientFactory();
});

afterAll(async () => {
  for (const c of clients.values()) c.destroy();
  delete process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2;
  setClientFactory();
  await server.close();
});

beforeEach(() => sim.reset());

const handlers: [string, () => Handler][] = [
  ['lambda/ source', () => source],
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundled JavaScript file itself is under test
  ['bundled asset', () => require(path.join(__dirname, '..', '..', '..', 'assets', 'handler', 'index.js'))],
];

describe.each(handlers)('BackupCopy on the simulator (%s)', (_name, load) => {
  test('lifecycle: copy a cluster\'s backup to us-west-2, update in place, move to eu-west-1, delete', async () => {
    const handler = load();
    const { clusterId, backupId } = await clusterWithBackup();
    const props = { DestinationRegion: 'us-west-2', ClusterId: clusterId, NeverExpires: 'true', Tags: [{ Key: 'team', Value: 'payments' }] };

    // Create; a duplicate onEvent (Lambda retry) of the same request makes no second copy.
    const create = event('Create', 'req-create', props);
    const first = await handler.onEvent(create);
    expect(await handler.onEvent(create)).toEqual(first);
    const created = await run(handler, create);
    expect(created.physicalId).toBe(first.PhysicalResourceId);
    expect(created.polls).toBeGreaterThan(1); // the copy takes minutes to become READY

    const west = await backupsIn('us-west-2');
    expect(west).toHaveLength(1);
    const [copy] = west;
    expect(copy).toMatchObject({ BackupState: 'READY', SourceBackup: backupId, SourceRegion: 'us-east-1', NeverExpires: true });
    expect(tagsOf(copy)).toEqual({ team: 'payments', [REQUEST_TAG]: 'req-create' });
    expect(created.data).toEqual({
      DestinationBackupId: copy.BackupId, SourceBackupId: backupId, DestinationRegion: 'us-west-2', SourceRegion: 'us-east-1', State: 'READY',
    });
    expect(await backupsIn('us-east-1')).toHaveLength(1); // nothing new in the source region

    // Update tags and NeverExpires in place.
    const newProps = { ...props, NeverExpires: 'false', Tags: [{ Key: 'owner', Value: 'sec' }] };
    const update = event('Update', 'req-update', newProps, { PhysicalResourceId: created.physicalId, OldResourceProperties: props });
    const updated = await run(handler, update);
    expect(updated.physicalId).toBe(created.physicalId);
    const [afterUpdate] = await backupsIn('us-west-2');
    expect(afterUpdate.BackupId).toBe(copy.BackupId);
    expect(afterUpdate.NeverExpires).toBe(false);
    expect(tagsOf(afterUpdate)).toEqual({ owner: 'sec', [REQUEST_TAG]: 'req-create' });

    // A new destination region replaces the copy; CloudFormation then deletes the old one.
    const moved = { ...newProps, DestinationRegion: 'eu-west-1' };
    const replace = event('Update', 'req-move', moved, { PhysicalResourceId: created.physicalId, OldResourceProperties: newProps });
    const replaced = await run(handler, replace);
    expect(replaced.physicalId).not.toBe(created.physicalId);
    const eu = await backupsIn('eu-west-1');
    expect(eu).toHaveLength(1);
    expect(eu[0]).toMatchObject({ BackupState: 'READY', SourceBackup: backupId });
    expect(replaced.data.DestinationBackupId).toBe(eu[0].BackupId);

    await run(handler, event('Delete', 'req-cleanup', newProps, { PhysicalResourceId: created.physicalId }));
    expect((await backupsIn('us-west-2')).map((b) => b.BackupState)).toEqual(['PENDING_DELETION']);

    // Stack delete: the copy in eu-west-1 goes PENDING_DELETION (restorable for 7 days); a second delete is a no-op.
    const del = event('Delete', 'req-delete', moved, { PhysicalResourceId: replaced.physicalId });
    await run(handler, del);
    await run(handler, del);
    expect((await backupsIn('eu-west-1')).map((b) => b.BackupState)).toEqual(['PENDING_DELETION']);
    const live = sim.listResources().filter((r) => r.type === 'backup' && r.region !== 'us-east-1' && r.state !== 'PENDING_DELETION');
    expect(live).toEqual([]);
  });

  test('a CopyBackupToRegion whose response was lost and retried by the SDK leaves one copy', async () => {
    const handler = load();
    const { backupId } = await clusterWithBackup();
    // The first call copies, but the caller sees a 500 and the SDK sends it again: two copies with the same request tag.
    sim.injectFault({ kind: 'dropResponse', operation: 'CopyBackupToRegion', nthCall: 1 });
    const created = await run(handler, event('Create', 'req-drop', { DestinationRegion: 'us-west-2', BackupId: backupId }));
    const west = await backupsIn('us-west-2');
    expect(west).toHaveLength(2);
    const ready = west.filter((b) => b.BackupState === 'READY');
    expect(ready).toHaveLength(1);
    expect(ready[0].BackupId).toBe(created.data.DestinationBackupId);
    expect(west.filter((b) => b.BackupState === 'PENDING_DELETION')).toHaveLength(1);
  });

  test('a cluster without a READY backup: the copy waits for the first one, then copies it', async () => {
    const handler = load();
    const out = await client('us-east-1').send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: ['subnet-00000000'] }));
    const clusterId = out.Cluster!.ClusterId!;
    const ev = event('Create', 'req-none', { DestinationRegion: 'us-west-2', ClusterId: clusterId, FirstBackupWaitMinutes: '25' });
    const pendingId = (await handler.onEvent(ev)).PhysicalResourceId!;
    expect(pendingId).toMatch(new RegExp(`^cdk-cloudhsm:pending-copy:us-west-2:${clusterId}:req-none:\\d+$`));
    for (let i = 0; i < 3; i++) {
      sim.advance(POLL_MS);
      expect(await handler.isComplete({ ...ev, PhysicalResourceId: pendingId })).toEqual({ IsComplete: false });
    }
    expect(await backupsIn('us-west-2')).toHaveLength(0);
    // The simulator's control API stands in for the backup CloudHSM makes when the cluster is activated.
    const first = String(sim.createBackup('us-east-1', clusterId).BackupId);
    let done: IsCompleteResponse = { IsComplete: false };
    for (let polls = 0; !done.IsComplete && polls < 100; polls++) {
      sim.advance(POLL_MS);
      done = await handler.isComplete({ ...ev, PhysicalResourceId: pendingId });
    }
    expect(done.PhysicalResourceId).toBe(`us-west-2/${first}/req-none`);
    const west = await backupsIn('us-west-2');
    expect(west.map((b) => [b.BackupId, b.BackupState, b.SourceBackup])).toEqual([[done.Data!.DestinationBackupId, 'READY', first]]);
  });
});
