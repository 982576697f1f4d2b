// What the KMS operations (kms-key-stores.ts, kms-keys.ts) share: their context, error makers,
// lookups of key stores and keys, the cluster check and Limit / Marker paging. The rules and their
// sources are listed in kms.ts.

import { SimError } from '../errors';
import { hasTwoActiveAzs, KeyStoreRecord, KmsKeyRecord, KmsState } from '../kms';
import { IdFactory } from '../random';
import { JsonObject } from '../types';
import { Validator } from '../validation';

export interface KmsContext {
  readonly kms: KmsState;
  readonly clock: { now(): number };
  readonly ids: IdFactory;
  readonly accountId: string;
}

export type KmsHandler = (ctx: KmsContext, region: string, input: JsonObject) => JsonObject;

export const err = (type: ConstructorParameters<typeof SimError>[0]) => (message: string) => new SimError(type, message);
export const validation = err('ValidationException');
export const invalidState = err('CustomKeyStoreInvalidStateException');
export const notFound = err('NotFoundException');
export const invalidConfiguration = err('CloudHsmClusterInvalidConfigurationException');

// ---- lookups ------------------------------------------------------------------------------

export function keyStore(ctx: KmsContext, region: string, id: string): KeyStoreRecord {
  const s = ctx.kms.keyStores.get(id);
  if (!s || s.region !== region) throw err('CustomKeyStoreNotFoundException')(`Custom key store '${id}' does not exist in ${region}`);
  return s;
}

/** A key by id, key ARN, alias name or alias ARN (aliases only where the operation takes them). */
export function key(ctx: KmsContext, region: string, keyId: string, aliases = true): KmsKeyRecord {
  let id = keyId;
  const arn = /^arn:aws[a-z-]*:kms:([^:]+):(\d{12}):(key|alias)\/(.+)$/.exec(keyId);
  if (arn) {
    if (arn[1] !== region || arn[2] !== ctx.accountId) throw notFound(`Invalid arn ${keyId}: not in ${region} / ${ctx.accountId}`);
    id = arn[3] === 'alias' ? `alias/${arn[4]}` : arn[4];
  }
  if (id.startsWith('alias/')) {
    if (!aliases) throw err('InvalidArnException')(`${keyId} is an alias; this operation takes a key id or key ARN`);
    const a = ctx.kms.aliases.get(`${region}/${id}`);
    if (!a) throw notFound(`Alias ${arn ? keyId : `arn:aws:kms:${region}:${ctx.accountId}:${id}`} is not found.`);
    id = a.targetKeyId;
  }
  const k = ctx.kms.keys.get(id);
  if (!k || k.region !== region) throw notFound(`Key '${arn ? keyId : `arn:aws:kms:${region}:${ctx.accountId}:key/${id}`}' does not exist`);
  return k;
}

export function notPendingDeletion(k: KmsKeyRecord): void {
  if (k.state === 'PendingDeletion') throw err('KMSInvalidStateException')(`${k.arn} is pending deletion.`);
}

/** The cluster a key store may use now: ACTIVE, subnets and active HSMs in two AZs. */
export function usableCluster(ctx: KmsContext, region: string, clusterId: string, operation: string) {
  const c = ctx.kms.liveCluster(region, clusterId);
  if (!c) throw err('CloudHsmClusterNotFoundException')(`${operation}: CloudHSM cluster '${clusterId}' was not found in ${region}`);
  if (c.state !== 'ACTIVE') throw err('CloudHsmClusterNotActiveException')(`${operation}: CloudHSM cluster '${clusterId}' is ${c.state}, not ACTIVE; initialize and activate it`);
  if (Object.keys(c.subnetMapping).length < 2) {
    throw invalidConfiguration(`${operation}: CloudHSM cluster '${clusterId}' has subnets in ${Object.keys(c.subnetMapping).length} Availability Zone(s); at least two are required`);
  }
  if (!hasTwoActiveAzs(c)) {
    throw invalidConfiguration(`${operation}: CloudHSM cluster '${clusterId}' must have at least two active HSMs, each in a different Availability Zone`);
  }
  return c;
}

/**
 * Limit's range and default of each listing, where its documentation narrows the model's 1..1000:
 * "If you include a value, it must be between 1 and N, inclusive. If you do not include a value, it
 * defaults to D." DescribeCustomKeyStores documents neither.
 */
const LIMITS: Record<string, { readonly max: number; readonly default: number }> = {
  DescribeCustomKeyStores: { max: 1000, default: 1000 },
  ListAliases: { max: 100, default: 50 },
  ListKeys: { max: 1000, default: 100 },
  ListResourceTags: { max: 50, default: 50 },
};

/** Limit / Marker paging: the marker names the operation, so it cannot be replayed elsewhere. */
export function page<T>(items: readonly T[], operation: keyof typeof LIMITS, input: JsonObject, v: Validator): { items: T[]; more: JsonObject } {
  const { max, default: byDefault } = LIMITS[operation];
  const limit = v.int('Limit') ?? byDefault;
  v.string('Marker');
  v.done(validation);
  if (limit > max) {
    throw validation(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must be between 1 and ${max}, inclusive`);
  }
  let start = 0;
  if (typeof input.Marker === 'string') {
    const m = /^(\w+):(\d+)$/.exec(Buffer.from(input.Marker, 'base64url').toString('utf8'));
    if (!m || m[1] !== operation) throw validation(`Invalid marker '${input.Marker.slice(0, 40)}'`);
    start = Number(m[2]);
  }
  const slice = items.slice(start, start + limit);
  const next = start + slice.length;
  const more: JsonObject = next < items.length
    ? { Truncated: true, NextMarker: Buffer.from(`${operation}:${next}`).toString('base64url') } : { Truncated: false };
  return { items: slice, more };
}
