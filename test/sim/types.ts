// Shared types of the simulator: the 18 operations, the timing options and the
// internal records the operations mutate. Wire shapes live in views.ts.

import type { HsmUser } from './hsm-users';

/** The 18 operations of the CloudHSM v2 API (API version 2017-04-28), the resource-policy ones included. */
export const OPERATIONS = [
  'CopyBackupToRegion',
  'CreateCluster',
  'CreateHsm',
  'DeleteBackup',
  'DeleteCluster',
  'DeleteHsm',
  'DeleteResourcePolicy',
  'DescribeBackups',
  'DescribeClusters',
  'GetResourcePolicy',
  'InitializeCluster',
  'ListTags',
  'ModifyBackupAttributes',
  'ModifyCluster',
  'PutResourcePolicy',
  'RestoreBackup',
  'TagResource',
  'UntagResource',
] as const;
export type Operation = typeof OPERATIONS[number];

/** The SSM operations the simulator serves (target prefix AmazonSSM.): Run Command, and GetParameter of Parameter Store. */
export const SSM_OPERATIONS = [
  'DescribeInstanceInformation',
  'GetCommandInvocation',
  'GetParameter',
  'ListCommandInvocations',
  'ListCommands',
  'SendCommand',
] as const;
export type SsmOperation = typeof SSM_OPERATIONS[number];

/** The Secrets Manager operations the simulator serves (target prefix secretsmanager.). */
export const SECRETS_OPERATIONS = ['DescribeSecret', 'GetSecretValue', 'PutSecretValue', 'RotateSecret', 'UpdateSecretVersionStage'] as const;
export type SecretsOperation = typeof SECRETS_OPERATIONS[number];

/** The KMS operations the simulator serves (target prefix TrentService.): custom key stores and their keys. */
export const KMS_OPERATIONS = [
  'ConnectCustomKeyStore',
  'CreateAlias',
  'CreateCustomKeyStore',
  'CreateKey',
  'DeleteAlias',
  'DeleteCustomKeyStore',
  'DescribeCustomKeyStores',
  'DescribeKey',
  'DisconnectCustomKeyStore',
  'GetKeyPolicy',
  'ListAliases',
  'ListKeys',
  'ListResourceTags',
  'PutKeyPolicy',
  'ScheduleKeyDeletion',
  'TagResource',
  'UntagResource',
  'UpdateCustomKeyStore',
  'UpdateKeyDescription',
] as const;
export type KmsOperation = typeof KMS_OPERATIONS[number];

/** An operation of any service the simulator serves (call log and faults). */
export type AnyOperation = Operation | SsmOperation | SecretsOperation | KmsOperation;

export function isOperation(name: string): name is Operation {
  return (OPERATIONS as readonly string[]).includes(name);
}

/** Virtual durations (ms) of the asynchronous transitions. */
export interface Timings {
  /** CREATE_IN_PROGRESS -> UNINITIALIZED (or ACTIVE when restored from a backup). */
  readonly clusterCreateMs: number;
  /** HSM CREATE_IN_PROGRESS -> ACTIVE. */
  readonly hsmCreateMs: number;
  /** HSM DELETE_IN_PROGRESS -> removed from the cluster. */
  readonly hsmDeleteMs: number;
  /** Cluster DELETE_IN_PROGRESS -> DELETED. */
  readonly clusterDeleteMs: number;
  /** UPDATE_IN_PROGRESS / MODIFY_IN_PROGRESS -> previous state. */
  readonly modifyMs: number;
  /** INITIALIZE_IN_PROGRESS -> INITIALIZED. */
  readonly initializeMs: number;
  /** Copied backup CREATE_IN_PROGRESS -> READY in the destination region. */
  readonly backupCopyMs: number;
  /** Backup made by DeleteHsm: CREATE_IN_PROGRESS -> READY. */
  readonly backupCreateMs: number;
  /** PENDING_DELETION -> DELETED (the service documents 7 days). */
  readonly backupPendingDeletionMs: number;
  /** How long a DELETED cluster is still described (when filtered by id) before it is gone. */
  readonly deletedClusterVisibleMs: number;
  /** How long a DELETED backup is still described before it is gone. */
  readonly deletedBackupVisibleMs: number;
  /** EC2 instance launch -> its SSM agent is registered and Online (its user data starts then). */
  readonly instanceBootMs: number;
  /** SendCommand -> the invocation is delivered (InProgress) and starts to run. */
  readonly commandDeliveryMs: number;
  /** SendCommand -> GetCommandInvocation finds the invocation (before: InvocationDoesNotExist). */
  readonly invocationVisibleMs: number;
  /** KMS ConnectCustomKeyStore -> CONNECTED or FAILED (the reference: "an extended amount of time", up to 20 minutes). */
  readonly keyStoreConnectMs: number;
  /** KMS DisconnectCustomKeyStore: DISCONNECTING -> DISCONNECTED. */
  readonly keyStoreDisconnectMs: number;
  /**
   * The first HSM of an emptied ACTIVE cluster: the restore of the latest backup onto it, after
   * hsmCreateMs. No published figure; a few minutes, as a backup takes to make.
   */
  readonly hsmRestoreMs: number;
}

const MINUTE = 60_000;
export const DEFAULT_TIMINGS: Timings = {
  clusterCreateMs: 5 * MINUTE,
  hsmCreateMs: 12 * MINUTE,
  hsmDeleteMs: 2 * MINUTE,
  clusterDeleteMs: 2 * MINUTE,
  modifyMs: 1 * MINUTE,
  initializeMs: 2 * MINUTE,
  backupCopyMs: 3 * MINUTE,
  backupCreateMs: 2 * MINUTE,
  backupPendingDeletionMs: 7 * 24 * 60 * MINUTE,
  deletedClusterVisibleMs: 60 * MINUTE,
  deletedBackupVisibleMs: 60 * MINUTE,
  instanceBootMs: 3 * MINUTE,
  commandDeliveryMs: 2_000,
  invocationVisibleMs: 1_000,
  keyStoreConnectMs: 10 * MINUTE,
  keyStoreDisconnectMs: 30_000,
  hsmRestoreMs: 3 * MINUTE,
};

export type ClusterState =
  | 'CREATE_IN_PROGRESS' | 'UNINITIALIZED' | 'INITIALIZE_IN_PROGRESS' | 'INITIALIZED' | 'ACTIVE'
  | 'UPDATE_IN_PROGRESS' | 'MODIFY_IN_PROGRESS' | 'ROLLBACK_IN_PROGRESS' | 'DELETE_IN_PROGRESS'
  | 'DELETED' | 'DEGRADED';
export type HsmState = 'CREATE_IN_PROGRESS' | 'ACTIVE' | 'DEGRADED' | 'DELETE_IN_PROGRESS' | 'DELETED';
export type BackupState = 'CREATE_IN_PROGRESS' | 'READY' | 'DELETED' | 'PENDING_DELETION';

/** States in which a cluster refuses ModifyCluster, CreateHsm, DeleteCluster and InitializeCluster. */
export const TRANSITIONAL_CLUSTER_STATES: readonly ClusterState[] = [
  'CREATE_IN_PROGRESS', 'INITIALIZE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'MODIFY_IN_PROGRESS',
  'DELETE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS',
];

export const CLUSTER_MODES = ['FIPS', 'NON_FIPS'] as const;
export const NETWORK_TYPES = ['IPV4', 'DUALSTACK'] as const;

export interface Tag { Key: string; Value: string }

export interface Certificates {
  ClusterCsr?: string;
  HsmCertificate?: string;
  AwsHardwareCertificate?: string;
  ManufacturerHardwareCertificate?: string;
  ClusterCertificate?: string;
}

export interface SubnetInfo {
  readonly subnetId: string;
  readonly az: string;
  readonly vpcId: string;
  /** IPv4 CIDR, e.g. 10.0.7.0/24 */
  readonly cidr: string;
}

export interface HsmRecord {
  id: string;
  clusterId: string;
  az: string;
  subnetId: string;
  eniId: string;
  eniIp: string;
  /** DUALSTACK clusters only */
  eniIpV6?: string;
  /** the cluster's HSM type when the HSM was created */
  hsmType: string;
  state: HsmState;
  stateMessage: string;
  createdMs: number;
}

export interface ClusterRecord {
  id: string;
  region: string;
  /** creation order; tie-breaker for sorting and the paging cursor */
  seq: number;
  state: ClusterState;
  stateMessage: string;
  /** the state to return to when an UPDATE/MODIFY finishes */
  stateBeforeChange?: ClusterState;
  createdMs: number;
  deletedMs?: number;
  hsmType: string;
  mode: string;
  networkType: string;
  subnetMapping: Record<string, string>;
  vpcId: string;
  securityGroup: string;
  retention: { Type: string; Value: string };
  tags: Tag[];
  hsms: HsmRecord[];
  certificates: Certificates;
  preCoPassword: string;
  sourceBackupId?: string;
  /** what the backup it was created from held: its first HSM gets it while it has no backup of its own */
  sourceContent?: ClusterContentSnapshot;
  /** the TrustAnchor given to InitializeCluster (never described; KMS checks CreateCustomKeyStore against it) */
  trustAnchor?: string;
}

/** A backup's copy of what its cluster's HSMs held (cluster-content.ts). */
export interface ClusterContentSnapshot {
  /** the users as they were (passwords, roles, lockout counters; never sessions) */
  readonly users: readonly HsmUser[];
  /** the KMS keys whose key material was in the cluster */
  readonly keyIds: readonly string[];
}

export interface BackupRecord {
  id: string;
  region: string;
  seq: number;
  clusterId: string;
  state: BackupState;
  createdMs: number;
  copiedMs?: number;
  deleteMs?: number;
  deletedMs?: number;
  sourceBackup?: string;
  sourceCluster?: string;
  sourceRegion?: string;
  neverExpires: boolean;
  tags: Tag[];
  hsmType: string;
  mode: string;
  /** the cluster certificate at backup time, so a restored cluster carries it */
  clusterCertificate?: string;
  /** the cluster's trust anchor at backup time, carried to a restored cluster like the certificate */
  trustAnchor?: string;
  /** what the cluster's HSMs held at backup time: users and KMS key material (cluster-content.ts) */
  content?: ClusterContentSnapshot;
  /** the resource policy (PutResourcePolicy), a JSON document; none until one is put */
  policy?: string;
}

/** JSON value as received on the wire. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
