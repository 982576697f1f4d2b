// The first HSM of an emptied cluster. An ACTIVE cluster whose HSMs were all deleted keeps its
// backups; CloudHSM restores the cluster's latest backup onto the first HSM created in it, with the
// users and keys that backup holds ("When you don't need the HSM, delete it to trigger a backup.
// Later, create a new one in the same cluster", CloudHSM user guide). So before the first CreateHsm:
// - the latest backup still being made (the last HSM's deletion makes one) is waited for: an older
//   READY backup would bring older users and keys;
// - no backup, or a latest backup that is PENDING_DELETION, fails before anything is created, naming
//   the backups and RestoreBackup (which makes a PENDING_DELETION backup READY again).
// The construct creates the other HSMs of such a cluster after the first (src/private/hsm-chain.ts),
// so they join a cluster that has its users and keys again.

import { Backup, Cluster, DescribeBackupsCommand } from '@aws-sdk/client-cloudhsm-v2';
import { cloudHsm } from './aws';

/** Whether the cluster is ACTIVE with no HSM at all: its next HSM is made from a backup. */
export const isEmptied = (cluster: Cluster): boolean => cluster.State === 'ACTIVE' && (cluster.Hsms?.length ?? 0) === 0;

/** The cluster's backups that still exist, newest first. */
export async function backupsOf(clusterId: string): Promise<Backup[]> {
  const backups: Backup[] = [];
  let NextToken: string | undefined;
  do {
    const out = await cloudHsm().send(new DescribeBackupsCommand({ Filters: { clusterIds: [clusterId] }, NextToken }));
    backups.push(...(out.Backups ?? []));
    NextToken = out.NextToken;
  } while (NextToken);
  const time = (b: Backup) => b.CreateTimestamp?.getTime() ?? 0;
  return backups.filter((b) => b.BackupState !== 'DELETED').sort((a, b) => time(b) - time(a));
}

const describe = (b: Backup) => `${b.BackupId} (${b.BackupState}, ${b.CreateTimestamp?.toISOString() ?? 'no time'})`;

/**
 * 'ready' when the cluster's latest backup is READY (the service restores it onto the next HSM),
 * 'wait' while it is being made; otherwise an error that says why no HSM can be made and what to do.
 */
export function restoreReadiness(who: string, cluster: Cluster, backups: readonly Backup[]): 'ready' | 'wait' {
  const clusterId = cluster.ClusterId ?? '';
  const [latest] = backups;
  // A cluster created from a backup, with no backup of its own yet: its first HSM gets that backup.
  if (!latest && cluster.SourceBackupId) return 'ready';
  if (!latest) {
    throw new Error(`${who}: cluster ${clusterId} is ACTIVE with no HSM and has no backup: the first new HSM of an emptied cluster is `
      + 'made from its latest backup (with its users and keys), and there is none to restore. Restore a backup of this cluster '
      + 'copied to another Region into a new cluster (sourceBackupId), or create a new cluster');
  }
  if (latest.BackupState === 'READY') return 'ready';
  if (latest.BackupState === 'CREATE_IN_PROGRESS') return 'wait';
  const listed = backups.slice(0, 5).map(describe).join(', ');
  throw new Error(`${who}: cluster ${clusterId} is ACTIVE with no HSM, and its latest backup ${latest.BackupId} is ${latest.BackupState}: `
    + 'the first new HSM of an emptied cluster is made from the latest backup, which must be READY. No HSM was created. '
    + `Backups, newest first: ${listed}. Make the latest READY again with RestoreBackup `
    + `(aws cloudhsmv2 restore-backup --backup-id ${latest.BackupId}; possible for 7 days after DeleteBackup), then deploy again`);
}
