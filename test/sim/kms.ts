// KMS state: CloudHSM key stores (custom key stores of type AWS_CLOUDHSM), the KMS keys in them
// and aliases, per region, with the connection lifecycle. Rules, from the KMS API reference (the
// model documentation shipped with @aws-sdk/client-kms 3.1161.0 is its text):
// - ConnectCustomKeyStore "starts the connection process, but it does not wait for it to
//   complete"; the connection "can take an extended amount of time" (keyStoreConnectMs). "KMS finds
//   the CloudHSM cluster ..., connects to the cluster, logs into the CloudHSM client as the kmsuser
//   CU, and rotates its password" (ConnectCustomKeyStore): on success kmsuser's password on the HSMs
//   becomes one only KMS knows (see `rotateKmsUserPassword`).
// - It fails (ConnectionState FAILED) with a ConnectionErrorCode (CustomKeyStoresListEntry):
//   CLUSTER_NOT_FOUND (no cluster with that id), INSUFFICIENT_CLOUDHSM_HSMS (no active HSM),
//   USER_NOT_FOUND (no kmsuser CU), USER_LOCKED_OUT, USER_LOGGED_IN (kmsuser is logged into the
//   cluster), INVALID_CREDENTIALS (KeyStorePassword is not kmsuser's current password); NETWORK_ERRORS,
//   INTERNAL_ERROR, SUBNET_NOT_FOUND, INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET only by injection here.
// - ConnectionState DISCONNECTED "only if the key store has never been connected or you use the
//   DisconnectCustomKeyStore operation"; DISCONNECTING while it disconnects (keyStoreDisconnectMs).
// - KMS keys in a key store that is not CONNECTED have KeyState Unavailable, except those pending
//   deletion (Developer Guide, "How to fix unavailable KMS keys"); once their waiting period ends
//   they are deleted, with their aliases (ScheduleKeyDeletion).

import { VirtualClock } from './clock';
import { HsmUsers } from './hsm-users';
import { IdFactory } from './random';
import { Store } from './store';
import { ClusterRecord, Timings } from './types';

export type ConnectionState = 'CONNECTED' | 'CONNECTING' | 'DISCONNECTED' | 'DISCONNECTING' | 'FAILED';
export const CONNECTION_ERROR_CODES = [
  'INVALID_CREDENTIALS', 'CLUSTER_NOT_FOUND', 'NETWORK_ERRORS', 'INTERNAL_ERROR', 'INSUFFICIENT_CLOUDHSM_HSMS',
  'USER_LOCKED_OUT', 'USER_NOT_FOUND', 'USER_LOGGED_IN', 'SUBNET_NOT_FOUND', 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET',
] as const;
export type ConnectionErrorCode = typeof CONNECTION_ERROR_CODES[number];

/** The crypto user KMS logs in as (KMS Developer Guide: the kmsuser CU). */
export const KMS_USER = 'kmsuser';

export interface KeyStoreRecord {
  readonly id: string;
  readonly region: string;
  readonly seq: number;
  name: string;
  clusterId: string;
  readonly trustAnchor: string;
  /** what KMS believes kmsuser's password is (KeyStorePassword, then the one it rotated to) */
  password: string;
  state: ConnectionState;
  errorCode?: ConnectionErrorCode;
  readonly createdMs: number;
  /** bumped by every connect / disconnect, so a stale timer does nothing */
  generation: number;
}

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'Unavailable';

export interface KmsKeyRecord {
  readonly id: string;
  readonly arn: string;
  readonly region: string;
  readonly seq: number;
  readonly createdMs: number;
  /** undefined: a key of KMS's own key store */
  readonly keyStoreId?: string;
  readonly clusterId?: string;
  readonly origin: 'AWS_KMS' | 'AWS_CLOUDHSM';
  description: string;
  policy: string;
  tags: Array<{ TagKey: string; TagValue: string }>;
  /** Enabled or PendingDeletion; Unavailable is derived from the key store's connection */
  state: 'Enabled' | 'PendingDeletion';
  deletionMs?: number;
  pendingWindowDays?: number;
}

export interface AliasRecord {
  readonly name: string;
  readonly region: string;
  targetKeyId: string;
  readonly createdMs: number;
}

/** A fault of the next connection attempts: they end FAILED with this code. */
export interface ConnectionFault {
  readonly errorCode: ConnectionErrorCode;
  /** how many attempts fail (default 1) */
  readonly times?: number;
  /** only this key store (default: any) */
  readonly keyStoreId?: string;
}

export class KmsState {
  public readonly keyStores = new Map<string, KeyStoreRecord>();
  public readonly keys = new Map<string, KmsKeyRecord>();
  public readonly aliases = new Map<string, AliasRecord>();
  private connectionFaults: Array<{ spec: ConnectionFault; left: number }> = [];
  private seq = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly ids: IdFactory,
    private readonly timings: Timings,
    private readonly store: Store,
    private readonly users: HsmUsers,
    /** KMS rotates kmsuser's password when it connects (ConnectCustomKeyStore); off: it keeps the given one */
    public rotateKmsUserPassword = true,
  ) {}

  public nextSeq(): number {
    return ++this.seq;
  }

  public storesOf(region: string): KeyStoreRecord[] {
    return [...this.keyStores.values()].filter((s) => s.region === region).sort((a, b) => a.seq - b.seq);
  }

  public keysOf(region: string): KmsKeyRecord[] {
    return [...this.keys.values()].filter((k) => k.region === region).sort((a, b) => a.seq - b.seq);
  }

  public keysInStore(storeId: string): KmsKeyRecord[] {
    return [...this.keys.values()].filter((k) => k.keyStoreId === storeId);
  }

  /** The key state DescribeKey shows: Unavailable while its key store is not CONNECTED. */
  public keyState(k: KmsKeyRecord): KeyState {
    if (k.state === 'PendingDeletion' || k.keyStoreId === undefined) return k.state;
    return this.keyStores.get(k.keyStoreId)?.state === 'CONNECTED' ? k.state : 'Unavailable';
  }

  /** The cluster a key store names, unless it is gone. */
  public liveCluster(region: string, clusterId: string): ClusterRecord | undefined {
    const c = this.store.region(region).clusters.get(clusterId);
    return c && c.state !== 'DELETED' ? c : undefined;
  }

  public addConnectionFault(spec: ConnectionFault): void {
    this.connectionFaults.push({ spec, left: spec.times ?? 1 });
  }

  /** Starts connecting: CONNECTING now, CONNECTED or FAILED after keyStoreConnectMs. */
  public startConnect(s: KeyStoreRecord): void {
    s.state = 'CONNECTING';
    delete s.errorCode;
    const generation = ++s.generation;
    this.clock.schedule(this.timings.keyStoreConnectMs, `key store ${s.id} connects`, () => {
      if (s.generation !== generation || s.state !== 'CONNECTING' || !this.keyStores.has(s.id)) return;
      const code = this.connectionError(s);
      if (code) {
        s.state = 'FAILED';
        s.errorCode = code;
        return;
      }
      s.state = 'CONNECTED';
      if (this.rotateKmsUserPassword) {
        const user = this.users.find(s.region, s.clusterId, KMS_USER)!;
        user.password = `kms-${this.ids.password()}`;
        s.password = user.password;
      }
    });
  }

  /** Disconnects: DISCONNECTING now, DISCONNECTED after keyStoreDisconnectMs. */
  public startDisconnect(s: KeyStoreRecord): void {
    s.state = 'DISCONNECTING';
    delete s.errorCode;
    const generation = ++s.generation;
    this.clock.schedule(this.timings.keyStoreDisconnectMs, `key store ${s.id} disconnects`, () => {
      if (s.generation === generation && s.state === 'DISCONNECTING') s.state = 'DISCONNECTED';
    });
  }

  /** Schedules a key's deletion at the end of its waiting period; its aliases go with it. */
  public scheduleDeletion(k: KmsKeyRecord, days: number): void {
    k.state = 'PendingDeletion';
    k.pendingWindowDays = days;
    k.deletionMs = this.clock.now() + days * 24 * 60 * 60_000;
    this.clock.schedule(k.deletionMs - this.clock.now(), `KMS key ${k.id} deleted`, () => {
      if (this.keys.get(k.id) !== k || k.state !== 'PendingDeletion') return;
      this.keys.delete(k.id);
      for (const [name, a] of this.aliases) if (a.targetKeyId === k.id) this.aliases.delete(name);
    });
  }

  public clear(): void {
    this.keyStores.clear();
    this.keys.clear();
    this.aliases.clear();
    this.connectionFaults = [];
    this.seq = 0;
  }

  /** Why a connection attempt fails now, in the order KMS meets the causes; undefined: it connects. */
  private connectionError(s: KeyStoreRecord): ConnectionErrorCode | undefined {
    const cluster = this.liveCluster(s.region, s.clusterId);
    if (!cluster) return 'CLUSTER_NOT_FOUND';
    if (!cluster.hsms.some((h) => h.state === 'ACTIVE')) return 'INSUFFICIENT_CLOUDHSM_HSMS';
    const injected = this.connectionFaults.find((f) => f.left > 0 && (f.spec.keyStoreId === undefined || f.spec.keyStoreId === s.id));
    if (injected) {
      injected.left--;
      return injected.spec.errorCode;
    }
    const user = this.users.find(s.region, s.clusterId, KMS_USER);
    if (!user || user.role !== 'crypto-user') return 'USER_NOT_FOUND';
    if (user.locked) return 'USER_LOCKED_OUT';
    if (HsmUsers.loggedIn(user)) return 'USER_LOGGED_IN';
    if (user.password !== s.password) return 'INVALID_CREDENTIALS';
    return undefined;
  }
}

/** Active HSMs in at least two Availability Zones: what CreateCustomKeyStore, UpdateCustomKeyStore and CreateKey need. */
export function hasTwoActiveAzs(c: ClusterRecord): boolean {
  return new Set(c.hsms.filter((h) => h.state === 'ACTIVE').map((h) => h.az)).size >= 2;
}
