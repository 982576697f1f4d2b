// What a cluster's HSMs hold beyond what the CloudHSM API describes: the HSM users and the key
// material of the KMS keys in the cluster's key store. A backup holds a copy of it (a snapshot taken
// when the backup is made), and the first HSM of an emptied ACTIVE cluster gets it back from the
// backup the service restores onto it. Rules, from the CloudHSM user guide ("Cluster backups",
// "Restoring from a backup") and the KMS developer guide:
// - "When you don't need the HSM, delete it to trigger a backup. Later, create a new one in the same
//   cluster": the service restores the cluster's latest backup onto the first new HSM, with the users
//   and keys it holds. Nothing is left on a cluster without HSMs: its users and keys live in the
//   HSMs and in the backups only (the simulator forgets them when the last HSM is gone).
// - A backup is made when the cluster is activated, when an HSM is added to an active cluster, when
//   an HSM is deleted, and daily (the daily one is not modelled).
// - KMS: a cryptographic operation fails (KMSInvalidStateException) when "an HSM was created from a
//   backup that did not include the key material" of the KMS key: such keys are lost to the cluster.

import { HsmUser, HsmUsers } from './hsm-users';
import { KmsState } from './kms';
import { ClusterContentSnapshot, ClusterRecord } from './types';
export type { ClusterContentSnapshot } from './types';

/** Takes and restores snapshots of a cluster's HSM contents. */
export interface ClusterContent {
  snapshot(region: string, cluster: ClusterRecord): ClusterContentSnapshot;
  /** The cluster's HSMs now hold what the backup held (the first HSM of an emptied cluster). */
  restore(region: string, cluster: ClusterRecord, snapshot: ClusterContentSnapshot | undefined): void;
  /** The cluster's last HSM is gone: nothing of its users and keys is left outside the backups. */
  forget(region: string, cluster: ClusterRecord): void;
}

/** KMS keys of each cluster whose key material was not in the backup its HSMs were restored from. */
const lostMaterial = new WeakMap<ClusterRecord, Set<string>>();

/** Whether the cluster's HSMs hold the key material of a KMS key (false once restored from a backup without it). */
export function holdsKeyMaterial(cluster: ClusterRecord, keyId: string): boolean {
  return !(lostMaterial.get(cluster)?.has(keyId) ?? false);
}

/** A user as a backup keeps it: without the CLI sessions, which end with the HSMs. */
const copyUser = ({ sessions, ...u }: HsmUser): HsmUser => ({ ...u });

/** The contents of clusters, kept by the simulator's HSM users and KMS state. */
export function clusterContent(users: HsmUsers, kms: () => KmsState): ClusterContent {
  return {
    snapshot: (region, cluster) => ({
      users: users.of(region, cluster.id).map(copyUser),
      keyIds: kms().keysOf(region)
        .filter((k) => k.clusterId === cluster.id && holdsKeyMaterial(cluster, k.id)).map((k) => k.id),
    }),
    restore: (region, cluster, snapshot) => {
      if (!snapshot) return; // a backup made before contents were recorded: nothing known to restore
      users.replace(region, cluster.id, snapshot.users.map(copyUser));
      const kept = new Set(snapshot.keyIds);
      const lost = kms().keysOf(region).filter((k) => k.clusterId === cluster.id && !kept.has(k.id)).map((k) => k.id);
      lostMaterial.set(cluster, new Set(lost));
    },
    forget: (region, cluster) => users.replace(region, cluster.id, []),
  };
}
