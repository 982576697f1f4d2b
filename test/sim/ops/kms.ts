// KMS operations (API version 2014-11-01, target prefix TrentService.) for CloudHSM key stores and
// their keys. Members, limits and error types are those of the KMS API reference (the model
// documentation of @aws-sdk/client-kms 3.1161.0 carries its text); each rule names its source:
// - CreateCustomKeyStore: CustomKeyStoreName 1..256, CloudHsmClusterId 19..24, TrustAnchorCertificate
//   1..5000, KeyStorePassword 7..32 (sensitive: never echoed). Errors: CustomKeyStoreNameInUseException
//   ("name is already assigned to another custom key store in the account"), CloudHsmClusterNotFoundException,
//   CloudHsmClusterInUseException ("already associated with a custom key store or it shares a backup
//   history with a cluster that is" - the same cluster certificate), CloudHsmClusterNotActiveException,
//   CloudHsmClusterInvalidConfigurationException ("For the CreateCustomKeyStore, UpdateCustomKeyStore,
//   and CreateKey operations, the CloudHSM cluster must have at least two active HSMs, each in a
//   different Availability Zone"; subnets in two AZs), IncorrectTrustAnchorException ("not the trust
//   anchor certificate for the specified CloudHSM cluster").
// - CustomKeyStoreInvalidStateException: Connect on DISCONNECTING or FAILED ("To reconnect a custom
//   key store in a FAILED state, disconnect it, then connect it"); Disconnect on DISCONNECTING or
//   DISCONNECTED; CreateKey unless CONNECTED; DeleteCustomKeyStore unless DISCONNECTED;
//   UpdateCustomKeyStore unless DISCONNECTED, except that a CloudHSM key store's name may be changed
//   while CONNECTED too (UpdateCustomKeyStore).
// - DeleteCustomKeyStore: "The custom key store that you delete cannot contain any KMS keys"
//   (CustomKeyStoreHasCMKsException); keys pending deletion are still keys until deleted.
// - UpdateCustomKeyStore CloudHsmClusterId: "a different, but related" cluster (same cluster
//   certificate), else CloudHsmClusterNotRelatedException.
// - CreateKey in a key store: Origin AWS_CLOUDHSM, KeySpec SYMMETRIC_DEFAULT and KeyUsage
//   ENCRYPT_DECRYPT only ("No other key type is supported in a custom key store"), no multi-Region keys.
// - ScheduleKeyDeletion: PendingWindowInDays 7..30, default 30; KeyState PendingDeletion.
// - Tags: TagKey 1..128, TagValue 0..256, at most 50 per key; keys starting with aws: -> TagException.
// - Input shapes (lengths, patterns, enums, required members) are the KMS model's, checked before any
//   handler runs (test/sim/models/kms.json); what follows are the rules the model cannot state.
// - Policies: JSON (MalformedPolicyDocumentException otherwise); PolicyName 'default'. The key policy
//   size quota is 32 KB (KMS Developer Guide, Quotas: "Key policy document size: 32 KB (32,768
//   bytes)"); "If the key policy exceeds the length constraint, KMS returns a LimitExceededException"
//   (PutKeyPolicy/CreateKey Policy).
// - Aliases: AliasName must begin with alias/ and "cannot begin with alias/aws/" (CreateAlias
//   AliasName): InvalidAliasNameException; its characters are the model's pattern.

import { SimError } from '../errors';
import { AliasRecord, hasTwoActiveAzs, KeyStoreRecord, KmsKeyRecord, KmsState } from '../kms';
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

const err = (type: ConstructorParameters<typeof SimError>[0]) => (message: string) => new SimError(type, message);
const validation = err('ValidationException');
const invalidState = err('CustomKeyStoreInvalidStateException');
const notFound = err('NotFoundException');
const invalidConfiguration = err('CloudHsmClusterInvalidConfigurationException');

const POLICY_QUOTA_BYTES = 32768;
const TAGS_MAX = 50;

// ---- lookups ------------------------------------------------------------------------------

function keyStore(ctx: KmsContext, region: string, id: string): KeyStoreRecord {
  const s = ctx.kms.keyStores.get(id);
  if (!s || s.region !== region) throw err('CustomKeyStoreNotFoundException')(`Custom key store '${id}' does not exist in ${region}`);
  return s;
}

/** A key by id, key ARN, alias name or alias ARN (aliases only where the operation takes them). */
function key(ctx: KmsContext, region: string, keyId: string, aliases = true): KmsKeyRecord {
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

function notPendingDeletion(k: KmsKeyRecord): void {
  if (k.state === 'PendingDeletion') throw err('KMSInvalidStateException')(`${k.arn} is pending deletion.`);
}

/** The cluster a key store may use now: ACTIVE, subnets and active HSMs in two AZs. */
function usableCluster(ctx: KmsContext, region: string, clusterId: string, operation: string) {
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

/** Not already used by another key store, nor sharing its backup history (the same cluster certificate). */
function assertClusterFree(ctx: KmsContext, region: string, clusterId: string, except?: string): void {
  const cert = ctx.kms.liveCluster(region, clusterId)?.certificates.ClusterCertificate;
  for (const s of ctx.kms.storesOf(region)) {
    if (s.id === except) continue;
    const other = ctx.kms.liveCluster(region, s.clusterId)?.certificates.ClusterCertificate;
    if (s.clusterId === clusterId || (cert !== undefined && other === cert)) {
      throw err('CloudHsmClusterInUseException')(`CloudHSM cluster '${clusterId}' is already associated with custom key store ${s.id}, or shares its backup history`);
    }
  }
}

function assertNameFree(ctx: KmsContext, region: string, name: string, except?: string): void {
  if (ctx.kms.storesOf(region).some((s) => s.name === name && s.id !== except)) {
    throw err('CustomKeyStoreNameInUseException')(`Custom key store name '${name}' is already in use in this account and Region`);
  }
}

/** KeyStorePassword: 7..32 characters; the message never shows the value. */
function checkPassword(v: Validator, input: JsonObject, required: boolean): string | undefined {
  const pw = input.KeyStorePassword;
  if (pw === undefined || pw === null) {
    if (required) throw validation('1 validation error detected: Value null at \'keyStorePassword\' failed to satisfy constraint: Member must not be null');
    return undefined;
  }
  v.string('KeyStorePassword');
  if (typeof pw === 'string' && (pw.length < 7 || pw.length > 32)) {
    throw validation('1 validation error detected: Value \'***\' at \'keyStorePassword\' failed to satisfy constraint: Member must have length between 7 and 32');
  }
  return pw as string;
}

const samePem = (a: string, b: string) => a.replace(/\s+/g, '') === b.replace(/\s+/g, '');

// ---- views --------------------------------------------------------------------------------

function storeView(s: KeyStoreRecord): JsonObject {
  return {
    CustomKeyStoreId: s.id,
    CustomKeyStoreName: s.name,
    CustomKeyStoreType: 'AWS_CLOUDHSM',
    CloudHsmClusterId: s.clusterId,
    TrustAnchorCertificate: s.trustAnchor,
    ConnectionState: s.state,
    ...(s.state === 'FAILED' && s.errorCode ? { ConnectionErrorCode: s.errorCode } : {}),
    CreationDate: s.createdMs / 1000,
  };
}

function keyMetadata(ctx: KmsContext, k: KmsKeyRecord): JsonObject {
  const state = ctx.kms.keyState(k);
  return {
    AWSAccountId: ctx.accountId,
    KeyId: k.id,
    Arn: k.arn,
    CreationDate: k.createdMs / 1000,
    Enabled: state === 'Enabled',
    Description: k.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: state,
    ...(k.deletionMs !== undefined ? { DeletionDate: k.deletionMs / 1000, PendingDeletionWindowInDays: k.pendingWindowDays! } : {}),
    Origin: k.origin,
    ...(k.keyStoreId ? { CustomKeyStoreId: k.keyStoreId, CloudHsmClusterId: k.clusterId! } : {}),
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
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
function page<T>(items: readonly T[], operation: keyof typeof LIMITS, input: JsonObject, v: Validator): { items: T[]; more: JsonObject } {
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

/**
 * Only the default key policy: PutKeyPolicy with another name "fails with a ValidationException"; a
 * key without an AWS_RAM policy (here: every key) answers GetKeyPolicy with a NotFoundException
 * (PolicyName documentation of each).
 */
function checkPolicyName(name: string | undefined, operation: 'GetKeyPolicy' | 'PutKeyPolicy'): void {
  if (name === undefined || name === 'default') return;
  if (operation === 'PutKeyPolicy') throw validation(`PolicyName '${name}': only the default key policy can be set`);
  throw notFound(`The key has no ${name} key policy`);
}

function parsePolicy(policy: string): void {
  const bytes = Buffer.byteLength(policy, 'utf8');
  if (bytes > POLICY_QUOTA_BYTES) {
    throw err('LimitExceededException')(`The key policy is ${bytes} bytes; the key policy document size quota is ${POLICY_QUOTA_BYTES} bytes (32 KB)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    throw err('MalformedPolicyDocumentException')('The new key policy will not allow you to update the key policy in the future: it is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray((parsed as { Statement?: unknown }).Statement)) {
    throw err('MalformedPolicyDocumentException')('The key policy must be a JSON object with a Statement list.');
  }
}

function tagsOf(v: Validator, input: JsonObject, name: string, required: boolean): Array<{ TagKey: string; TagValue: string }> | undefined {
  const raw = input[name];
  if (raw === undefined || raw === null) {
    if (required) v.string(name, { required: true });
    return undefined;
  }
  if (!Array.isArray(raw)) throw new SimError('SerializationException', `Expected a list for '${name}'`);
  return raw.map((t, i) => {
    const tag = (t ?? {}) as JsonObject;
    const tagKey = tag.TagKey;
    const value = tag.TagValue;
    if (typeof tagKey !== 'string' || tagKey.length < 1 || tagKey.length > 128) throw err('TagException')(`Tag ${i + 1}: TagKey must be 1 to 128 characters`);
    if (typeof value !== 'string' || value.length > 256) throw err('TagException')(`Tag ${i + 1} (${tagKey}): TagValue must be 0 to 256 characters`);
    if (tagKey.toLowerCase().startsWith('aws:')) throw err('TagException')(`Tag keys starting with 'aws:' are reserved: ${tagKey}`);
    return { TagKey: tagKey, TagValue: value };
  });
}

function mergeTags(k: KmsKeyRecord, tags: ReadonlyArray<{ TagKey: string; TagValue: string }>): void {
  const merged = new Map(k.tags.map((t) => [t.TagKey, t.TagValue]));
  for (const t of tags) merged.set(t.TagKey, t.TagValue);
  if (merged.size > TAGS_MAX) throw err('LimitExceededException')(`A KMS key can have at most ${TAGS_MAX} tags; ${k.id} would have ${merged.size}`);
  k.tags = [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

/** The key policy CreateKey applies when none is given: the account may do everything. */
function defaultPolicy(ctx: KmsContext): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ctx.accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  });
}

// ---- custom key stores --------------------------------------------------------------------

export const createCustomKeyStore: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const name = v.string('CustomKeyStoreName')!;
  const clusterId = v.string('CloudHsmClusterId');
  const trustAnchor = v.string('TrustAnchorCertificate');
  const type = v.string('CustomKeyStoreType');
  v.done(validation);
  const password = checkPassword(v, input, false);
  if (type === 'EXTERNAL_KEY_STORE') throw new SimError('UnsupportedOperationException', 'External key stores are not simulated');
  if (clusterId === undefined || trustAnchor === undefined || password === undefined) {
    throw validation('An AWS_CLOUDHSM key store needs CloudHsmClusterId, TrustAnchorCertificate and KeyStorePassword');
  }
  assertNameFree(ctx, region, name);
  if (!ctx.kms.liveCluster(region, clusterId)) throw err('CloudHsmClusterNotFoundException')(`CloudHSM cluster '${clusterId}' was not found in ${region}`);
  assertClusterFree(ctx, region, clusterId);
  const cluster = usableCluster(ctx, region, clusterId, 'CreateCustomKeyStore');
  if (!cluster.trustAnchor || !samePem(cluster.trustAnchor, trustAnchor)) {
    throw err('IncorrectTrustAnchorException')(`The trust anchor certificate is not the one of CloudHSM cluster '${clusterId}'`);
  }
  const s: KeyStoreRecord = {
    id: ctx.ids.keyStoreId(),
    region,
    seq: ctx.kms.nextSeq(),
    name,
    clusterId,
    trustAnchor,
    password,
    state: 'DISCONNECTED',
    createdMs: ctx.clock.now(),
    generation: 0,
  };
  ctx.kms.keyStores.set(s.id, s);
  return { CustomKeyStoreId: s.id };
};

export const describeCustomKeyStores: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const id = v.string('CustomKeyStoreId');
  const name = v.string('CustomKeyStoreName');
  let stores = ctx.kms.storesOf(region);
  if (id !== undefined && name !== undefined) {
    v.done(validation);
    throw validation('Use either CustomKeyStoreId or CustomKeyStoreName, not both');
  }
  if (id !== undefined) stores = stores.filter((s) => s.id === id);
  if (name !== undefined) stores = stores.filter((s) => s.name === name);
  const { items, more } = page(stores, 'DescribeCustomKeyStores', input, v);
  if ((id !== undefined || name !== undefined) && stores.length === 0) {
    throw err('CustomKeyStoreNotFoundException')(`No custom key store ${id !== undefined ? `with id '${id}'` : `named '${name}'`} in ${region}`);
  }
  return { CustomKeyStores: items.map(storeView), ...more };
};

export const connectCustomKeyStore: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const id = v.string('CustomKeyStoreId');
  v.done(validation);
  const s = keyStore(ctx, region, id!);
  if (s.state === 'DISCONNECTING' || s.state === 'FAILED') {
    throw invalidState(`Custom key store ${s.id} is ${s.state}; ConnectCustomKeyStore is not valid in this state${s.state === 'FAILED' ? ' (disconnect it first)' : ''}`);
  }
  if (s.state === 'CONNECTED' || s.state === 'CONNECTING') return {};
  const c = ctx.kms.liveCluster(region, s.clusterId);
  if (c && c.state !== 'ACTIVE') throw err('CloudHsmClusterNotActiveException')(`CloudHSM cluster '${c.id}' of custom key store ${s.id} is ${c.state}, not ACTIVE`);
  ctx.kms.startConnect(s);
  return {};
};

export const disconnectCustomKeyStore: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const id = v.string('CustomKeyStoreId');
  v.done(validation);
  const s = keyStore(ctx, region, id!);
  if (s.state === 'DISCONNECTING' || s.state === 'DISCONNECTED') {
    throw invalidState(`Custom key store ${s.id} is ${s.state}; DisconnectCustomKeyStore is not valid in this state`);
  }
  ctx.kms.startDisconnect(s);
  return {};
};

export const updateCustomKeyStore: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const id = v.string('CustomKeyStoreId');
  const newName = v.string('NewCustomKeyStoreName');
  const clusterId = v.string('CloudHsmClusterId');
  v.done(validation);
  const password = checkPassword(v, input, false);
  const s = keyStore(ctx, region, id!);
  const nameOnly = password === undefined && clusterId === undefined;
  if (s.state !== 'DISCONNECTED' && !(nameOnly && s.state === 'CONNECTED')) {
    throw invalidState(`Custom key store ${s.id} is ${s.state}; to change ${nameOnly ? 'its name it must be CONNECTED or DISCONNECTED' : 'KeyStorePassword or CloudHsmClusterId it must be DISCONNECTED'}`);
  }
  if (newName !== undefined) assertNameFree(ctx, region, newName, s.id);
  if (clusterId !== undefined && clusterId !== s.clusterId) {
    const target = ctx.kms.liveCluster(region, clusterId);
    if (!target) throw err('CloudHsmClusterNotFoundException')(`CloudHSM cluster '${clusterId}' was not found in ${region}`);
    const original = ctx.kms.liveCluster(region, s.clusterId)?.certificates.ClusterCertificate;
    if (original === undefined || target.certificates.ClusterCertificate !== original) {
      throw err('CloudHsmClusterNotRelatedException')(`CloudHSM cluster '${clusterId}' does not share a backup history with '${s.clusterId}'`);
    }
    assertClusterFree(ctx, region, clusterId, s.id);
    usableCluster(ctx, region, clusterId, 'UpdateCustomKeyStore');
    s.clusterId = clusterId;
  }
  if (newName !== undefined) s.name = newName;
  if (password !== undefined) s.password = password;
  return {};
};

export const deleteCustomKeyStore: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const id = v.string('CustomKeyStoreId');
  v.done(validation);
  const s = keyStore(ctx, region, id!);
  if (s.state !== 'DISCONNECTED') throw invalidState(`Custom key store ${s.id} is ${s.state}; it must be DISCONNECTED to be deleted`);
  const keys = ctx.kms.keysInStore(s.id);
  if (keys.length > 0) {
    throw err('CustomKeyStoreHasCMKsException')(`Custom key store ${s.id} still contains ${keys.length} KMS key(s) (${keys.map((k) => `${k.id} ${k.state}`).join(', ')}); schedule their deletion and wait until they are deleted`);
  }
  ctx.kms.keyStores.delete(s.id);
  return {};
};

// ---- keys ---------------------------------------------------------------------------------

export const createKey: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const storeId = v.string('CustomKeyStoreId');
  const origin = v.string('Origin') ?? 'AWS_KMS';
  const keySpec = v.string('KeySpec') ?? v.string('CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT';
  const keyUsage = v.string('KeyUsage') ?? 'ENCRYPT_DECRYPT';
  const description = v.string('Description') ?? '';
  const policy = v.string('Policy');
  const multiRegion = v.bool('MultiRegion');
  v.bool('BypassPolicyLockoutSafetyCheck');
  const tags = tagsOf(v, input, 'Tags', false) ?? [];
  v.done(validation);
  if (policy !== undefined) parsePolicy(policy);
  if (tags.length > TAGS_MAX) throw err('LimitExceededException')(`A KMS key can have at most ${TAGS_MAX} tags`);
  let store: KeyStoreRecord | undefined;
  if (storeId !== undefined || origin === 'AWS_CLOUDHSM') {
    if (origin !== 'AWS_CLOUDHSM') throw new SimError('UnsupportedOperationException', `A key in a CloudHSM key store needs Origin AWS_CLOUDHSM, not ${origin}`);
    if (storeId === undefined) throw validation('Origin AWS_CLOUDHSM needs a CustomKeyStoreId');
    if (keySpec !== 'SYMMETRIC_DEFAULT' || keyUsage !== 'ENCRYPT_DECRYPT' || multiRegion) {
      throw new SimError('UnsupportedOperationException', 'A custom key store holds only single-Region SYMMETRIC_DEFAULT keys for ENCRYPT_DECRYPT');
    }
    store = keyStore(ctx, region, storeId);
    if (store.state !== 'CONNECTED') throw invalidState(`Custom key store ${store.id} is ${store.state}; CreateKey needs it CONNECTED`);
    usableCluster(ctx, region, store.clusterId, 'CreateKey');
  } else if (origin !== 'AWS_KMS') {
    throw new SimError('UnsupportedOperationException', `Origin ${origin} is not simulated`);
  }
  const id = ctx.ids.uuid();
  const k: KmsKeyRecord = {
    id,
    arn: `arn:aws:kms:${region}:${ctx.accountId}:key/${id}`,
    region,
    seq: ctx.kms.nextSeq(),
    createdMs: ctx.clock.now(),
    keyStoreId: store?.id,
    clusterId: store?.clusterId,
    origin: store ? 'AWS_CLOUDHSM' : 'AWS_KMS',
    description,
    policy: policy ?? defaultPolicy(ctx),
    tags,
    state: 'Enabled',
  };
  ctx.kms.keys.set(id, k);
  return { KeyMetadata: keyMetadata(ctx, k) };
};

export const describeKey: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const keyId = v.string('KeyId');
  v.done(validation);
  return { KeyMetadata: keyMetadata(ctx, key(ctx, region, keyId!)) };
};

export const scheduleKeyDeletion: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const keyId = v.string('KeyId');
  const days = v.int('PendingWindowInDays') ?? 30;
  // the model allows 1..365; the operation's documentation: "it must be between 7 and 30, inclusive"
  if (days < 7 || days > 30) {
    throw validation(`1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must be between 7 and 30, inclusive`);
  }
  v.done(validation);
  const k = key(ctx, region, keyId!, false);
  notPendingDeletion(k);
  ctx.kms.scheduleDeletion(k, days);
  return { KeyId: k.arn, DeletionDate: k.deletionMs! / 1000, KeyState: 'PendingDeletion', PendingWindowInDays: days };
};

export const listKeys: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const { items, more } = page(ctx.kms.keysOf(region), 'ListKeys', input, v);
  return { Keys: items.map((k) => ({ KeyId: k.id, KeyArn: k.arn })), ...more };
};

export const listResourceTags: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const keyId = v.string('KeyId');
  const k = key(ctx, region, keyId!, false);
  const { items, more } = page(k.tags, 'ListResourceTags', input, v);
  return { Tags: items.map((t) => ({ ...t })), ...more };
};

export const tagResource: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const keyId = v.string('KeyId');
  const tags = tagsOf(v, input, 'Tags', true);
  v.done(validation);
  const k = key(ctx, region, keyId!, false);
  notPendingDeletion(k);
  mergeTags(k, tags!);
  return {};
};

export const untagResource: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const keyId = v.string('KeyId');
  const keys = v.stringList('TagKeys');
  v.done(validation);
  const k = key(ctx, region, keyId!, false);
  notPendingDeletion(k);
  k.tags = k.tags.filter((t) => !keys!.includes(t.TagKey));
  return {};
};

export const updateKeyDescription: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const keyId = v.string('KeyId');
  const description = v.string('Description');
  v.done(validation);
  const k = key(ctx, region, keyId!);
  notPendingDeletion(k);
  k.description = description!;
  return {};
};

export const putKeyPolicy: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const keyId = v.string('KeyId');
  checkPolicyName(v.string('PolicyName'), 'PutKeyPolicy');
  const policy = v.string('Policy');
  v.bool('BypassPolicyLockoutSafetyCheck');
  v.done(validation);
  parsePolicy(policy!);
  const k = key(ctx, region, keyId!, false);
  notPendingDeletion(k);
  k.policy = policy!;
  return {};
};

export const getKeyPolicy: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const keyId = v.string('KeyId');
  const policyName = v.string('PolicyName');
  v.done(validation);
  const k = key(ctx, region, keyId!, false);
  checkPolicyName(policyName, 'GetKeyPolicy');
  return { Policy: k.policy, PolicyName: 'default' };
};

// ---- aliases ------------------------------------------------------------------------------

function aliasName(v: Validator): string {
  const name = v.string('AliasName');
  v.done(validation);
  if (!name!.startsWith('alias/') || name!.startsWith('alias/aws/')) {
    throw err('InvalidAliasNameException')(`Alias name '${name}' must begin with alias/ and not with alias/aws/`);
  }
  return name!;
}

export const createAlias: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const target = v.string('TargetKeyId');
  const name = aliasName(v);
  const k = key(ctx, region, target!, false);
  notPendingDeletion(k);
  if (ctx.kms.aliases.has(`${region}/${name}`)) throw err('AlreadyExistsException')(`An alias with the name arn:aws:kms:${region}:${ctx.accountId}:${name} already exists`);
  const a: AliasRecord = { name, region, targetKeyId: k.id, createdMs: ctx.clock.now() };
  ctx.kms.aliases.set(`${region}/${name}`, a);
  return {};
};

export const deleteAlias: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const name = aliasName(v);
  if (!ctx.kms.aliases.delete(`${region}/${name}`)) throw notFound(`Alias arn:aws:kms:${region}:${ctx.accountId}:${name} is not found.`);
  return {};
};

export const listAliases: KmsHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const keyId = v.string('KeyId');
  const target = keyId === undefined ? undefined : key(ctx, region, keyId, false).id;
  const all = [...ctx.kms.aliases.values()].filter((a) => a.region === region && (target === undefined || a.targetKeyId === target));
  const { items, more } = page(all, 'ListAliases', input, v);
  return {
    Aliases: items.map((a) => ({
      AliasName: a.name, AliasArn: `arn:aws:kms:${region}:${ctx.accountId}:${a.name}`, TargetKeyId: a.targetKeyId, CreationDate: a.createdMs / 1000,
    })),
    ...more,
  };
};

export const KMS_HANDLERS: Record<string, KmsHandler> = {
  ConnectCustomKeyStore: connectCustomKeyStore,
  CreateAlias: createAlias,
  CreateCustomKeyStore: createCustomKeyStore,
  CreateKey: createKey,
  DeleteAlias: deleteAlias,
  DeleteCustomKeyStore: deleteCustomKeyStore,
  DescribeCustomKeyStores: describeCustomKeyStores,
  DescribeKey: describeKey,
  DisconnectCustomKeyStore: disconnectCustomKeyStore,
  GetKeyPolicy: getKeyPolicy,
  ListAliases: listAliases,
  ListKeys: listKeys,
  ListResourceTags: listResourceTags,
  PutKeyPolicy: putKeyPolicy,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateCustomKeyStore: updateCustomKeyStore,
  UpdateKeyDescription: updateKeyDescription,
};
