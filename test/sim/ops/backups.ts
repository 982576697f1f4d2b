// Backup operations: DescribeBackups, CopyBackupToRegion, DeleteBackup, RestoreBackup,
// ModifyBackupAttributes.

import { findBackup, OperationHandler } from '../context';
import { invalidRequest } from '../errors';
import { paginate } from '../paging';
import { BackupRecord, JsonObject } from '../types';
import { checkTagSemantics, Validator } from '../validation';
import { backupView } from '../views';

export const describeBackups: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const filters = v.filters('Filters', ['backupIds', 'sourceBackupIds', 'clusterIds', 'states', 'neverExpires']) ?? {};
  const maxResults = v.int('MaxResults');
  const nextToken = v.string('NextToken');
  const sortAscending = v.bool('SortAscending');
  v.done();
  const { backupIds, sourceBackupIds, clusterIds, states, neverExpires } = filters;
  const never = neverExpires?.map((x) => {
    const lower = x.toLowerCase();
    if (lower !== 'true' && lower !== 'false') throw invalidRequest(`The neverExpires filter takes 'true' or 'false', got '${x}'`);
    return lower === 'true';
  });
  const matching = [...ctx.store.region(region).backups.values()].filter((b) =>
    (!backupIds || backupIds.includes(b.id))
    && (!sourceBackupIds || (b.sourceBackup !== undefined && sourceBackupIds.includes(b.sourceBackup)))
    && (!clusterIds || clusterIds.includes(b.clusterId))
    && (!states || states.includes(b.state))
    && (!never || never.includes(b.neverExpires)));
  const page = paginate(matching, {
    operation: 'DescribeBackups',
    fingerprint: { filters, sortAscending: sortAscending === true },
    key: (b) => [b.createdMs, b.seq],
    // "Designates whether or not to sort the return backups by ascending chronological order"
    direction: sortAscending ? 1 : -1,
    maxResults: maxResults ?? 50,
    nextToken,
  });
  const out: JsonObject = { Backups: page.items.map((b) => backupView(b, ctx.accountId)) };
  if (page.nextToken) out.NextToken = page.nextToken;
  return out;
};

export const copyBackupToRegion: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const backupId = v.string('BackupId');
  const destination = v.string('DestinationRegion');
  const tags = v.tagList('TagList');
  v.done();
  if (tags) checkTagSemantics(tags);
  const src = findBackup(ctx, region, backupId!);
  if (destination === region) {
    throw invalidRequest(`DestinationRegion '${destination}' is the region of backup '${src.id}'; copy it to a different region`);
  }
  if (src.state !== 'READY') {
    throw invalidRequest(`Backup '${src.id}' is in state ${src.state}; only a READY backup can be copied`);
  }
  const copy: BackupRecord = {
    id: ctx.ids.base32('backup'),
    region: destination!,
    seq: ctx.store.nextSeq(),
    clusterId: src.clusterId,
    state: 'CREATE_IN_PROGRESS',
    // "CreateTimestamp of the destination backup will be the same as that of the source backup."
    createdMs: src.createdMs,
    copiedMs: ctx.clock.now(),
    sourceBackup: src.id,
    sourceCluster: src.clusterId,
    sourceRegion: region,
    // copies get no retention policy: not exempt, and never expired either
    neverExpires: false,
    // "If you do not specify tags, the service copies tags from the source backup"
    tags: (tags ?? src.tags).map((t) => ({ ...t })),
    hsmType: src.hsmType,
    mode: src.mode,
    clusterCertificate: src.clusterCertificate,
    trustAnchor: src.trustAnchor,
    // a copy holds what its source holds: the users too
    users: src.users?.map((u) => ({ ...u })),
  };
  ctx.store.region(copy.region).backups.set(copy.id, copy);
  ctx.clock.schedule(ctx.timings.backupCopyMs, `backup copy ${copy.id} READY`, () => {
    if (copy.state === 'CREATE_IN_PROGRESS') copy.state = 'READY';
  });
  return {
    DestinationBackup: {
      CreateTimestamp: src.createdMs / 1000,
      SourceBackup: src.id,
      SourceCluster: src.clusterId,
      SourceRegion: region,
    },
  };
};

export const deleteBackup: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const backupId = v.string('BackupId');
  v.done();
  const b = findBackup(ctx, region, backupId!);
  if (b.state !== 'READY') {
    throw invalidRequest(`Backup '${b.id}' is in state ${b.state}; only a READY backup can be deleted`);
  }
  b.state = 'PENDING_DELETION';
  const deleteMs = ctx.clock.now() + ctx.timings.backupPendingDeletionMs;
  b.deleteMs = deleteMs;
  ctx.clock.schedule(ctx.timings.backupPendingDeletionMs, `backup ${b.id} DELETED`, () => {
    // a RestoreBackup (and maybe a second DeleteBackup) since then makes this timer stale
    if (b.state !== 'PENDING_DELETION' || b.deleteMs !== deleteMs) return;
    b.state = 'DELETED';
    b.deletedMs = ctx.clock.now();
    ctx.clock.schedule(ctx.timings.deletedBackupVisibleMs, `backup ${b.id} forgotten`, () => {
      ctx.store.region(region).backups.delete(b.id);
    });
  });
  return { Backup: backupView(b, ctx.accountId) };
};

export const restoreBackup: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const backupId = v.string('BackupId');
  v.done();
  const b = findBackup(ctx, region, backupId!);
  if (b.state !== 'PENDING_DELETION') {
    throw invalidRequest(`Backup '${b.id}' is in state ${b.state}; only a backup in PENDING_DELETION can be restored`);
  }
  b.state = 'READY';
  b.deleteMs = undefined;
  return { Backup: backupView(b, ctx.accountId) };
};

export const modifyBackupAttributes: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const backupId = v.string('BackupId');
  const neverExpires = v.bool('NeverExpires');
  v.done();
  const b = findBackup(ctx, region, backupId!);
  b.neverExpires = neverExpires!;
  return { Backup: backupView(b, ctx.accountId) };
};
