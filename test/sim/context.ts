// What every operation handler gets: the state, the clock, the id factory, the timings.
// Also the small lifecycle helpers several resource modules share.

import { VirtualClock } from './clock';
import type { ClusterContent } from './cluster-content';
import { invalidRequest, notFound } from './errors';
import { IdFactory, SeededRandom } from './random';
import { Store } from './store';
import {
  BackupRecord, ClusterRecord, ClusterState, HsmState, JsonObject, Timings, TRANSITIONAL_CLUSTER_STATES,
} from './types';

export interface SimContext {
  readonly store: Store;
  readonly clock: VirtualClock;
  readonly ids: IdFactory;
  readonly rng: SeededRandom;
  readonly timings: Timings;
  /** the account of the caller: whose clusters and backups `store` holds */
  readonly accountId: string;
  /** the store of another account the simulator serves (a cross-account SourceBackupId); undefined if it serves none */
  readonly storeOf?: (accountId: string) => Store | undefined;
  /** what the cluster's HSMs hold (users, key material): backed up and restored with the cluster */
  readonly content?: ClusterContent;
}

export type OperationHandler = (ctx: SimContext, region: string, input: JsonObject) => JsonObject;

const CLUSTER_MESSAGES: Record<ClusterState, string> = {
  CREATE_IN_PROGRESS: 'Cluster creation is in progress.',
  UNINITIALIZED: 'Cluster is uninitialized. Create an HSM, then sign the cluster CSR and initialize the cluster.',
  INITIALIZE_IN_PROGRESS: 'Cluster initialization is in progress.',
  INITIALIZED: 'Cluster is initialized. Activate it by setting the crypto officer password with the CloudHSM CLI.',
  ACTIVE: 'The cluster is ready for use.',
  UPDATE_IN_PROGRESS: 'Cluster update is in progress.',
  MODIFY_IN_PROGRESS: 'Cluster HSM type modification is in progress.',
  ROLLBACK_IN_PROGRESS: 'Cluster rollback is in progress.',
  DELETE_IN_PROGRESS: 'Cluster deletion is in progress.',
  DELETED: 'Cluster has been deleted.',
  DEGRADED: 'Cluster is degraded.',
};

const HSM_MESSAGES: Record<HsmState, string> = {
  CREATE_IN_PROGRESS: 'HSM creation is in progress.',
  ACTIVE: 'HSM is active.',
  DEGRADED: 'HSM is degraded.',
  DELETE_IN_PROGRESS: 'HSM deletion is in progress.',
  DELETED: 'HSM has been deleted.',
};

export function setClusterState(c: ClusterRecord, state: ClusterState, message?: string): void {
  c.state = state;
  c.stateMessage = message ?? CLUSTER_MESSAGES[state];
}

export function hsmMessage(state: HsmState): string {
  return HSM_MESSAGES[state];
}

/** A cluster of this region that is not DELETED, or CloudHsmResourceNotFoundException. */
export function findCluster(ctx: SimContext, region: string, clusterId: string): ClusterRecord {
  const c = ctx.store.region(region).clusters.get(clusterId);
  if (!c || c.state === 'DELETED') {
    throw notFound(`Cluster '${clusterId}' was not found in ${region}`);
  }
  return c;
}

/** A backup of this region that is not DELETED, or CloudHsmResourceNotFoundException. */
export function findBackup(ctx: SimContext, region: string, backupId: string): BackupRecord {
  const b = ctx.store.region(region).backups.get(backupId);
  if (!b || b.state === 'DELETED') {
    throw notFound(`Backup '${backupId}' was not found in ${region}`);
  }
  return b;
}

/** Clusters in a transitional state refuse changes; the message states the state. */
export function assertNotTransitional(c: ClusterRecord, operation: string): void {
  if (TRANSITIONAL_CLUSTER_STATES.includes(c.state)) {
    throw invalidRequest(`${operation} is not allowed while cluster '${c.id}' is in state ${c.state}; retry when the current operation has finished`);
  }
}

/** Bytes of DER in a CloudHSM cluster CSR or HSM certificate (RSA-2048 key): about 720. */
const DER_BYTES = 720;

/**
 * A PEM-looking block of the size of the service's; the body only has to match the Certificates
 * pattern of the reference. The size matters: the HSM resource returns the CSR to CloudFormation.
 */
export function pem(label: 'CERTIFICATE' | 'CERTIFICATE REQUEST', subject: string): string {
  const text = `cloudhsm-simulator ${label} ${subject} `;
  const body = Buffer.from(text.repeat(Math.ceil(DER_BYTES / text.length)).slice(0, DER_BYTES), 'utf8').toString('base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join('\n');
}

/**
 * A backup of a cluster in its region. CREATE_IN_PROGRESS turns READY after
 * backupCreateMs; 'READY' makes it ready at once (sim.createBackup()).
 */
export function makeClusterBackup(ctx: SimContext, region: string, c: ClusterRecord, state: 'CREATE_IN_PROGRESS' | 'READY'): BackupRecord {
  const b: BackupRecord = {
    id: ctx.ids.base32('backup'),
    region,
    seq: ctx.store.nextSeq(),
    clusterId: c.id,
    state,
    createdMs: ctx.clock.now(),
    neverExpires: false,
    tags: [],
    hsmType: c.hsmType,
    mode: c.mode,
    clusterCertificate: c.certificates.ClusterCertificate,
    trustAnchor: c.trustAnchor,
    content: ctx.content?.snapshot(region, c),
  };
  ctx.store.region(region).backups.set(b.id, b);
  if (state === 'CREATE_IN_PROGRESS') {
    ctx.clock.schedule(ctx.timings.backupCreateMs, `backup ${b.id} READY`, () => {
      if (b.state === 'CREATE_IN_PROGRESS') b.state = 'READY';
    });
  }
  return b;
}
