import {
  Backup,
  CopyBackupToRegionCommand,
  DeleteBackupCommand,
  DescribeBackupsCommand,
  ModifyBackupAttributesCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { cloudHsm, isInvalidRequest, isNotFound, messageOf } from './aws';
import { isShared, parseShareWith, syncSharing, unshare } from './backup-sharing';
import { log } from './log';
import { CREATE_REQUEST_TAG, fromTagList, hasTagChanges, parseTagsProperty, tagChanges, TagChanges, toTagList } from './tags';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import { P } from '../src/private/property-names';
import {
  BACKUP_ID_PATTERN,
  checkBackupId,
  checkClusterId,
  checkDestinationRegion,
  checkOneBackupSource,
  checkRegion,
  checkTags,
} from '../src/private/rules';

/** The `Custom::CloudHsmBackupCopy` properties, parsed from CloudFormation's strings. */
export interface BackupCopyProperties {
  readonly destinationRegion: string;
  readonly backupId?: string;
  readonly clusterId?: string;
  readonly neverExpires: boolean;
  readonly tags: Record<string, string>;
  /** With `clusterId`: how long to wait for the cluster's first READY backup. */
  readonly firstBackupWaitMinutes: number;
  /** Accounts the copy is shared with (its resource policy); undefined when sharing is not managed. */
  readonly shareWith?: string[];
}

/** Half of the provider's default total time-out, leaving the other half for the copy itself. */
export const DEFAULT_FIRST_BACKUP_WAIT_MINUTES = 25;

/** The region the handler runs in: the stack's region, where the source backups live. */
function sourceRegion(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '';
}

const positiveOr = (n: number, fallback: number): number => (Number.isFinite(n) && n > 0 ? n : fallback);

/** Parses and checks the properties; values that were tokens at synth time are first seen here. */
export function parseBackupCopyProperties(raw: Record<string, any>): BackupCopyProperties {
  const props: BackupCopyProperties = {
    destinationRegion: String(raw.DestinationRegion ?? ''),
    backupId: raw.BackupId || undefined,
    clusterId: raw.ClusterId || undefined,
    neverExpires: String(raw.NeverExpires) === 'true',
    tags: parseTagsProperty(raw.Tags),
    firstBackupWaitMinutes: positiveOr(Number(raw.FirstBackupWaitMinutes), DEFAULT_FIRST_BACKUP_WAIT_MINUTES),
    shareWith: parseShareWith(raw.ShareWith),
  };
  const source = sourceRegion();
  const errors = [
    checkRegion(P.destinationRegion, props.destinationRegion),
    source ? checkDestinationRegion(P.destinationRegion, props.destinationRegion, source) : undefined,
    checkOneBackupSource(props.backupId !== undefined, props.clusterId !== undefined),
    props.backupId === undefined ? undefined : checkBackupId(P.backupId, props.backupId),
    props.clusterId === undefined ? undefined : checkClusterId(P.cluster, props.clusterId),
    ...checkTags(P.tags, props.tags),
  ].filter((e): e is string => e !== undefined);
  if (errors.length > 0) throw new Error(errors.join('; '));
  return props;
}

/**
 * What the physical id encodes: CopyBackupToRegion does not return the new backup's id, so the
 * copy is identified by where it went, what it copies and the request that made it (its tag).
 */
export interface CopyRef {
  readonly destinationRegion: string;
  readonly sourceBackupId: string;
  readonly requestId: string;
}

export function physicalIdOf(ref: CopyRef): string {
  return `${ref.destinationRegion}/${ref.sourceBackupId}/${ref.requestId}`;
}

/** The reference in a physical id, or undefined for one this handler did not make (a create that failed early). */
export function parsePhysicalId(id: string | undefined): CopyRef | undefined {
  const parts = (id ?? '').split('/');
  if (parts.length !== 3 || checkRegion('', parts[0]) || !BACKUP_ID_PATTERN.test(parts[1]) || !parts[2]) return undefined;
  return { destinationRegion: parts[0], sourceBackupId: parts[1], requestId: parts[2] };
}

/**
 * A copy of a cluster that has no READY backup yet: the physical id while the handler waits for the
 * first one, with the time the wait began (the bound is checked against it).
 */
export interface PendingCopy {
  readonly destinationRegion: string;
  readonly clusterId: string;
  readonly requestId: string;
  readonly sinceMs: number;
}

const PENDING_PREFIX = 'cdk-cloudhsm:pending-copy:';

export function pendingCopyIdOf(p: PendingCopy): string {
  return `${PENDING_PREFIX}${p.destinationRegion}:${p.clusterId}:${p.requestId}:${Math.floor(p.sinceMs / 1000)}`;
}

export function parsePendingCopyId(id: string | undefined): PendingCopy | undefined {
  if (!id?.startsWith(PENDING_PREFIX)) return undefined;
  const [destinationRegion, clusterId, requestId, since] = id.slice(PENDING_PREFIX.length).split(':');
  if (checkRegion('', destinationRegion ?? '') || checkClusterId('', clusterId ?? '') || !requestId || !/^\d+$/.test(since ?? '')) return undefined;
  return { destinationRegion, clusterId, requestId, sinceMs: Number(since) * 1000 };
}

function label(event: ResourceEvent): string {
  return `BackupCopy ${event.LogicalResourceId}`;
}

/** Every backup matching the filters in a region, across pages. */
async function describeBackups(region: string | undefined, filters: Record<string, string[]>): Promise<Backup[]> {
  const out: Backup[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudHsm(region).send(new DescribeBackupsCommand({ Filters: filters, NextToken }));
    out.push(...(page.Backups ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

const GONE = new Set(['PENDING_DELETION', 'DELETED']);

const createdAt = (b: Backup): number => (b.CreateTimestamp ? new Date(b.CreateTimestamp).getTime() : 0);
const copiedAt = (b: Backup): number => (b.CopyTimestamp ? new Date(b.CopyTimestamp).getTime() : 0);

/** The cluster's READY backups in the source region, newest first (sorted here: the API's default order is not documented). */
async function readyBackupsOf(clusterId: string): Promise<Backup[]> {
  const backups = await describeBackups(undefined, { clusterIds: [clusterId], states: ['READY'] });
  return backups
    .filter((b) => b.BackupState === 'READY' && b.ClusterId === clusterId && b.BackupId)
    .sort((a, b) => createdAt(b) - createdAt(a) || (b.BackupId! < a.BackupId! ? -1 : 1));
}

/** Copies in the destination region of any of the sources that carry the request's tag, oldest first. */
async function copiesMadeBy(destinationRegion: string, sourceBackupIds: string[], requestId: string): Promise<Backup[]> {
  if (sourceBackupIds.length === 0) return [];
  const backups = await describeBackups(destinationRegion, { sourceBackupIds });
  return backups
    .filter((b) => b.BackupId && fromTagList(b.TagList)[CREATE_REQUEST_TAG] === requestId)
    .sort((a, b) => copiedAt(a) - copiedAt(b) || (a.BackupId! < b.BackupId! ? -1 : 1));
}

async function createCopy(event: ResourceEvent, props: BackupCopyProperties): Promise<OnEventResponse> {
  let sources: string[];
  if (props.backupId !== undefined) {
    sources = [props.backupId];
  } else {
    sources = (await readyBackupsOf(props.clusterId!)).map((b) => b.BackupId!);
    if (sources.length === 0) {
      // A cluster created in the same deployment has no backup until it is activated: wait for it.
      log(event, 'waiting for the cluster\'s first READY backup', { clusterId: props.clusterId, waitMinutes: props.firstBackupWaitMinutes });
      return {
        PhysicalResourceId: pendingCopyIdOf({
          destinationRegion: props.destinationRegion, clusterId: props.clusterId!, requestId: event.RequestId, sinceMs: Date.now(),
        }),
      };
    }
  }
  return { PhysicalResourceId: physicalIdOf(await copyOnce(event, props, sources)) };
}

/**
 * The copy this request made of one of `sources` (a retried onEvent or a later poll finds it by its
 * request tag; the cluster form may have a newer backup by now), or a new copy of the first source.
 */
async function copyOnce(event: ResourceEvent, props: BackupCopyProperties, sources: string[]): Promise<CopyRef> {
  const existing = (await copiesMadeBy(props.destinationRegion, sources, event.RequestId))
    .find((b) => !GONE.has(b.BackupState ?? ''));
  if (existing) {
    log(event, 'found the copy an earlier attempt of this request made', { backupId: existing.BackupId });
    return { destinationRegion: props.destinationRegion, sourceBackupId: existing.SourceBackup ?? sources[0], requestId: event.RequestId };
  }
  const sourceBackupId = sources[0];
  try {
    await cloudHsm().send(new CopyBackupToRegionCommand({
      BackupId: sourceBackupId,
      DestinationRegion: props.destinationRegion,
      TagList: toTagList({ ...props.tags, [CREATE_REQUEST_TAG]: event.RequestId }),
    }));
  } catch (err) {
    throw new Error(`${label(event)}: CopyBackupToRegion of ${sourceBackupId} from ${sourceRegion()} to ${props.destinationRegion} failed: ${messageOf(err)}`);
  }
  log(event, 'CopyBackupToRegion', { sourceBackupId, destinationRegion: props.destinationRegion });
  return { destinationRegion: props.destinationRegion, sourceBackupId, requestId: event.RequestId };
}

/**
 * One poll of a copy that waits for the cluster's first READY backup: fails once the wait is over,
 * otherwise copies the backup as soon as there is one and then follows the copy like any other.
 * A copy not yet visible in the destination at the next poll is made again; `converge` keeps the
 * oldest and deletes the other once READY.
 */
async function awaitFirstBackup(event: ResourceEvent, pending: PendingCopy): Promise<IsCompleteResponse> {
  const props = parseBackupCopyProperties(event.ResourceProperties);
  const sources = (await readyBackupsOf(pending.clusterId)).map((b) => b.BackupId!);
  if (sources.length === 0) {
    const waitedMinutes = (Date.now() - pending.sinceMs) / 60_000;
    if (waitedMinutes >= props.firstBackupWaitMinutes) {
      throw new Error(`${label(event)}: cluster ${pending.clusterId} has no READY backup in ${sourceRegion()} after `
        + `${props.firstBackupWaitMinutes} minutes, so there is nothing to copy. CloudHSM makes a cluster's first backup when the `
        + 'cluster is activated (then when HSMs are added or removed, and at least daily). Activate the cluster with the CloudHSM CLI '
        + '(docs/initialization.md), set activated: true and deploy again, or copy a given backup with backupId.');
    }
    log(event, 'waiting for the cluster\'s first READY backup', { clusterId: pending.clusterId, waitedSeconds: Math.round(waitedMinutes * 60) });
    return NOT_COMPLETE;
  }
  const ref = await copyOnce(event, props, sources);
  const step = await converge(event, ref);
  return step.IsComplete ? { ...step, PhysicalResourceId: physicalIdOf(ref) } : step;
}

/** Properties whose change needs a new copy. */
export function replacementReasons(oldProps: BackupCopyProperties, props: BackupCopyProperties): string[] {
  const reasons: string[] = [];
  const changed = (name: string, a?: string, b?: string) => {
    if ((a ?? '') !== (b ?? '')) reasons.push(`${name} (${JSON.stringify(a ?? '')} -> ${JSON.stringify(b ?? '')})`);
  };
  changed(P.destinationRegion, oldProps.destinationRegion, props.destinationRegion);
  changed(P.backupId, oldProps.backupId, props.backupId);
  changed(P.cluster, oldProps.clusterId, props.clusterId);
  return reasons;
}

async function applyTags(region: string, backupId: string, changes: TagChanges): Promise<void> {
  if (Object.keys(changes.set).length > 0) {
    await cloudHsm(region).send(new TagResourceCommand({ ResourceId: backupId, TagList: toTagList(changes.set) }));
  }
  if (changes.remove.length > 0) {
    await cloudHsm(region).send(new UntagResourceCommand({ ResourceId: backupId, TagKeyList: changes.remove }));
  }
}

/** Deletes copies a duplicated create made beside the one kept; they can only be deleted once READY. */
async function discardExtras(event: ResourceEvent, region: string, extras: Backup[]): Promise<boolean> {
  let settled = true;
  for (const b of extras) {
    if (GONE.has(b.BackupState ?? '')) continue;
    if (b.BackupState !== 'READY') {
      settled = false;
      continue;
    }
    await deleteBackup(event, region, b.BackupId!);
  }
  return settled;
}

/**
 * One step towards the desired copy: waits for the copy to appear and become READY, then applies
 * tags and NeverExpires in the destination region. Every step is idempotent.
 */
async function converge(event: ResourceEvent, ref: CopyRef): Promise<IsCompleteResponse> {
  const props = parseBackupCopyProperties(event.ResourceProperties);
  const madeNow = ref.requestId === event.RequestId;
  const copies = (await copiesMadeBy(ref.destinationRegion, [ref.sourceBackupId], ref.requestId))
    .filter((b) => b.BackupState !== 'DELETED');
  const [copy, ...extras] = copies;
  if (!copy) {
    // The copy may take a moment to show in the destination region; an existing one must be there.
    if (madeNow) {
      log(event, 'waiting for the copy to appear', { destinationRegion: ref.destinationRegion, sourceBackupId: ref.sourceBackupId });
      return NOT_COMPLETE;
    }
    throw new Error(`${label(event)}: the copy of ${ref.sourceBackupId} in ${ref.destinationRegion} no longer exists (deleted outside this stack?)`);
  }
  const backupId = copy.BackupId!;
  const state = copy.BackupState ?? '';
  if (state === 'PENDING_DELETION') {
    throw new Error(`${label(event)}: the copy ${backupId} in ${ref.destinationRegion} is PENDING_DELETION (deleted outside this stack); `
      + 'restore it with RestoreBackup within 7 days of its deletion, or remove the BackupCopy and declare a new one');
  }
  if (state === 'CREATE_IN_PROGRESS') {
    log(event, 'waiting', { backupId, state });
    return NOT_COMPLETE;
  }
  if (state !== 'READY') {
    throw new Error(`${label(event)}: the copy ${backupId} in ${ref.destinationRegion} is in the unexpected state ${state}`);
  }
  if (!(await discardExtras(event, ref.destinationRegion, extras))) return NOT_COMPLETE;

  const previousTags = event.RequestType === 'Update' && !madeNow && event.OldResourceProperties
    ? parseTagsProperty(event.OldResourceProperties.Tags) : {};
  const tags = tagChanges(fromTagList(copy.TagList), props.tags, previousTags);
  if (hasTagChanges(tags)) {
    await applyTags(ref.destinationRegion, backupId, tags);
    log(event, 'tags updated', { backupId, set: Object.keys(tags.set), removed: tags.remove });
  }
  if ((copy.NeverExpires ?? false) !== props.neverExpires) {
    // Copies get no retention policy of their own; NeverExpires exempts the copy from the destination cluster's.
    await cloudHsm(ref.destinationRegion).send(new ModifyBackupAttributesCommand({ BackupId: backupId, NeverExpires: props.neverExpires }));
    log(event, 'ModifyBackupAttributes', { backupId, neverExpires: props.neverExpires });
  }
  // Shared once READY: PutResourcePolicy takes READY backups only.
  if (props.shareWith !== undefined) await syncSharing(event, ref.destinationRegion, backupId, props.shareWith);
  log(event, 'ready', { backupId, destinationRegion: ref.destinationRegion });
  return {
    IsComplete: true,
    Data: {
      DestinationBackupId: backupId,
      SourceBackupId: ref.sourceBackupId,
      DestinationRegion: ref.destinationRegion,
      SourceRegion: copy.SourceRegion ?? sourceRegion(),
      State: state,
    },
  };
}

/** DeleteBackup; true when the backup is gone or going (not found, or a refusal because it is no longer READY). */
async function deleteBackup(event: ResourceEvent, region: string, backupId: string): Promise<boolean> {
  try {
    await cloudHsm(region).send(new DeleteBackupCommand({ BackupId: backupId }));
    log(event, 'DeleteBackup', { backupId, destinationRegion: region });
    return true;
  } catch (err) {
    if (isNotFound(err)) return true;
    if (isInvalidRequest(err)) {
      const [now] = await describeBackups(region, { backupIds: [backupId] }).catch(() => [] as Backup[]);
      if (!now || GONE.has(now.BackupState ?? '')) return true;
    }
    throw new Error(`${label(event)}: DeleteBackup of ${backupId} in ${region} failed: ${messageOf(err)}`);
  }
}

/**
 * Deletes the copies the resource's create request made; true when none is left to wait for.
 * A copy still being created is deleted once READY (the service refuses earlier).
 */
async function deleteStep(event: ResourceEvent, ref: CopyRef): Promise<boolean> {
  return deleteCopies(event, ref.destinationRegion, await copiesMadeBy(ref.destinationRegion, [ref.sourceBackupId], ref.requestId));
}

/** The Delete of a copy that was still waiting for a first backup: any copy its request made of any of the cluster's backups. */
async function deletePending(event: ResourceEvent, pending: PendingCopy): Promise<boolean> {
  const backups = (await describeBackups(undefined, { clusterIds: [pending.clusterId] })).map((b) => b.BackupId!).filter(Boolean);
  return deleteCopies(event, pending.destinationRegion, await copiesMadeBy(pending.destinationRegion, backups, pending.requestId));
}

async function deleteCopies(event: ResourceEvent, region: string, copies: Backup[]): Promise<boolean> {
  let done = true;
  for (const b of copies) {
    const state = b.BackupState ?? '';
    if (GONE.has(state)) continue;
    if (state === 'READY') {
      // The copy's sharing goes with it (RestoreBackup would otherwise bring a shared copy back).
      if (isShared(event.ResourceProperties)) await unshare(event, region, b.BackupId!);
      await deleteBackup(event, region, b.BackupId!);
    } else {
      done = false;
    }
  }
  return done;
}

export const backupCopyHandler: ResourceHandler = {
  async onEvent(event) {
    switch (event.RequestType) {
      case 'Create':
        return createCopy(event, parseBackupCopyProperties(event.ResourceProperties));
      case 'Update': {
        const props = parseBackupCopyProperties(event.ResourceProperties);
        const oldProps = parseBackupCopyProperties(event.OldResourceProperties ?? {});
        const reasons = replacementReasons(oldProps, props);
        if (reasons.length > 0) {
          // A new physical id: CloudFormation then deletes (or retains) the old copy.
          log(event, 'replacing the copy', { changed: reasons });
          return createCopy(event, props);
        }
        return { PhysicalResourceId: event.PhysicalResourceId };
      }
      case 'Delete': {
        const ref = parsePhysicalId(event.PhysicalResourceId);
        const pending = parsePendingCopyId(event.PhysicalResourceId);
        if (ref) await deleteStep(event, ref);
        else if (pending) await deletePending(event, pending);
        return { PhysicalResourceId: event.PhysicalResourceId };
      }
    }
  },

  async isComplete(event) {
    const ref = parsePhysicalId(event.PhysicalResourceId);
    const pending = parsePendingCopyId(event.PhysicalResourceId);
    if (event.RequestType === 'Delete') {
      if (pending) return { IsComplete: await deletePending(event, pending) };
      return { IsComplete: ref === undefined ? true : await deleteStep(event, ref) };
    }
    if (pending) return awaitFirstBackup(event, pending);
    if (!ref) throw new Error(`${label(event)}: ${JSON.stringify(event.PhysicalResourceId)} is not a backup copy id of cdk-cloudhsm`);
    return converge(event, ref);
  },
};
