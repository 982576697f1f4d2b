import { createHash } from 'crypto';
import {
  CreateKeyCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  KeyMetadata,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { kms, messageOf } from './aws';
import { log } from './log';
import { CREATE_REQUEST_TAG, hasTagChanges, parseTagsProperty, tagChanges } from './tags';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import {
  checkCustomKeyStoreId,
  checkDescription,
  checkKmsTags,
  checkPendingWindowDays,
  DEFAULT_PENDING_WINDOW_DAYS,
  MIN_PENDING_WINDOW_DAYS,
} from '../src/private/kms-key-rules';
import { P } from '../src/private/property-names';

/** The `Custom::CloudHsmKmsKey` properties, parsed from CloudFormation's strings. */
export interface KmsKeyProperties {
  readonly customKeyStoreId: string;
  readonly description?: string;
  /** The key policy as JSON text; undefined lets KMS apply its default key policy. */
  readonly policy?: string;
  readonly tags: Record<string, string>;
  readonly pendingWindowInDays: number;
}

/** Parses and checks the properties; values that were tokens at synth time are first seen here. */
export function parseKmsKeyProperties(raw: Record<string, any>): KmsKeyProperties {
  const window = raw.PendingWindowInDays;
  const props: KmsKeyProperties = {
    customKeyStoreId: String(raw.CustomKeyStoreId ?? ''),
    description: raw.Description === undefined ? undefined : String(raw.Description),
    policy: raw.Policy === undefined || raw.Policy === '' ? undefined
      : typeof raw.Policy === 'string' ? raw.Policy : JSON.stringify(raw.Policy),
    tags: parseTagsProperty(raw.Tags),
    pendingWindowInDays: window === undefined || window === '' ? DEFAULT_PENDING_WINDOW_DAYS : Number(window),
  };
  const errors = [
    checkCustomKeyStoreId(P.customKeyStoreId, props.customKeyStoreId),
    props.description === undefined ? undefined : checkDescription(P.description, props.description),
    checkPendingWindowDays(P.pendingWindow, props.pendingWindowInDays),
    ...checkKmsTags(P.tags, props.tags),
  ].filter((e): e is string => e !== undefined);
  if (errors.length > 0) throw new Error(errors.join('; '));
  return props;
}

/**
 * The value of the create-request tag: the CloudFormation request that creates the key. CreateKey
 * has no client token, so a retried or duplicated create finds the key of an earlier attempt by it.
 */
export function requestMarker(event: Pick<ResourceEvent, 'StackId' | 'LogicalResourceId' | 'RequestId'>): string {
  return createHash('sha256').update(`${event.StackId}\n${event.LogicalResourceId}\n${event.RequestId}`).digest('hex');
}

const GONE = new Set(['PendingDeletion', 'PendingReplicaDeletion']);
/** Keys are read this many at a time when looking for an earlier attempt's key. */
const TAG_READS_IN_PARALLEL = 8;

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}

async function describeKey(keyId: string): Promise<KeyMetadata | undefined> {
  try {
    return (await kms().send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (err) {
    if (errorName(err) === 'NotFoundException') return undefined;
    throw err;
  }
}

/** The tags of a key; undefined when the key is gone or its tags cannot be read (not a key of this provider). */
async function tagsOf(keyId: string): Promise<Record<string, string> | undefined> {
  const tags: Record<string, string> = {};
  let Marker: string | undefined;
  try {
    do {
      const page = await kms().send(new ListResourceTagsCommand({ KeyId: keyId, Marker }));
      for (const t of page.Tags ?? []) if (t.TagKey !== undefined) tags[t.TagKey] = t.TagValue ?? '';
      Marker = page.Truncated ? page.NextMarker : undefined;
    } while (Marker);
  } catch (err) {
    if (errorName(err) === 'NotFoundException' || errorName(err) === 'AccessDeniedException') return undefined;
    throw err;
  }
  return tags;
}

async function listKeyIds(): Promise<string[]> {
  const ids: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await kms().send(new ListKeysCommand({ Marker, Limit: 1000 }));
    for (const k of page.Keys ?? []) if (k.KeyId) ids.push(k.KeyId);
    Marker = page.Truncated ? page.NextMarker : undefined;
  } while (Marker);
  return ids;
}

const createdAt = (k: KeyMetadata): number => (k.CreationDate ? new Date(k.CreationDate).getTime() : 0);

/**
 * The keys that carry the request's marker and are not pending deletion, oldest first (then by id,
 * so every attempt picks the same one). `known` is read directly as well: a key created a moment
 * ago may not be listed yet.
 */
async function keysOfRequest(marker: string, known?: string): Promise<KeyMetadata[]> {
  const ids = await listKeyIds();
  if (known && !ids.includes(known)) ids.push(known);
  const matching: string[] = [];
  for (let i = 0; i < ids.length; i += TAG_READS_IN_PARALLEL) {
    const batch = ids.slice(i, i + TAG_READS_IN_PARALLEL);
    const tags = await Promise.all(batch.map((id) => tagsOf(id)));
    batch.forEach((id, j) => {
      if (tags[j]?.[CREATE_REQUEST_TAG] === marker) matching.push(id);
    });
  }
  const keys = (await Promise.all(matching.map((id) => describeKey(id))))
    .filter((k): k is KeyMetadata => k !== undefined && !GONE.has(k.KeyState ?? ''));
  return keys.sort((a, b) => createdAt(a) - createdAt(b) || (a.KeyId! < b.KeyId! ? -1 : 1));
}

/** Why CreateKey failed, in words that say what to do; the key store's state is read for the common case. */
async function explainCreateKeyError(props: KmsKeyProperties, err: unknown): Promise<string> {
  const store = props.customKeyStoreId;
  switch (errorName(err)) {
    case 'CustomKeyStoreInvalidStateException': {
      const state = await describeStore(store);
      return `the CloudHSM key store ${store} is ${state}, and KMS creates keys only in a CONNECTED key store `
        + '(CustomKeyStoreInvalidStateException). Connect it (ConnectCustomKeyStore; an HsmKeyStore of this stack connects its store '
        + `when it is deployed) and deploy again. KMS said: ${messageOf(err)}`;
    }
    case 'CustomKeyStoreNotFoundException':
      return `${P.customKeyStoreId}: there is no custom key store ${store} in this account and region (CustomKeyStoreNotFoundException)`;
    case 'CloudHsmClusterInvalidConfigurationException':
      return `the CloudHSM cluster of key store ${store} cannot hold a new key: KMS needs at least two ACTIVE HSMs in different `
        + `Availability Zones to create a key (CloudHsmClusterInvalidConfigurationException). Add HSMs and deploy again. KMS said: ${messageOf(err)}`;
    case 'CloudHsmClusterNotActiveException':
      return `the CloudHSM cluster of key store ${store} is not ACTIVE (CloudHsmClusterNotActiveException); KMS creates keys only `
        + `in a key store whose cluster is ACTIVE. KMS said: ${messageOf(err)}`;
    case 'MalformedPolicyDocumentException':
      return 'KMS refused the key policy (Policy) (MalformedPolicyDocumentException): it must let this account\'s IAM policies '
        + 'manage the key, as the default policy does (the handler manages the key with IAM permissions; key policy lockout safety check), '
        + `and every principal it names must exist. KMS said: ${messageOf(err)}`;
    case 'LimitExceededException':
      return `a KMS quota was reached (LimitExceededException), such as the number of keys in the account and region: ${messageOf(err)}`;
    case 'TagException':
      return `KMS refused the tags (Tags) (TagException): ${messageOf(err)}`;
    default:
      return `CreateKey in key store ${store} failed (${errorName(err) ?? 'error'}): ${messageOf(err)}`;
  }
}

async function describeStore(id: string): Promise<string> {
  try {
    const [store] = (await kms().send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores ?? [];
    if (!store) return 'not found';
    return store.ConnectionErrorCode ? `${store.ConnectionState} (ConnectionErrorCode ${store.ConnectionErrorCode})` : `${store.ConnectionState}`;
  } catch {
    return 'not CONNECTED';
  }
}

/**
 * Creates the key, or returns the key an earlier attempt of the same request made (a duplicated
 * onEvent, or a CreateKey whose response was lost).
 */
async function createKey(event: ResourceEvent, props: KmsKeyProperties): Promise<OnEventResponse> {
  const marker = requestMarker(event);
  const [earlier] = await keysOfRequest(marker);
  if (earlier) {
    log(event, 'found the key an earlier attempt of this request made', { keyId: earlier.KeyId });
    return { PhysicalResourceId: earlier.KeyId };
  }
  try {
    const out = await kms().send(new CreateKeyCommand({
      CustomKeyStoreId: props.customKeyStoreId,
      Origin: 'AWS_CLOUDHSM',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Description: props.description,
      Policy: props.policy,
      BypassPolicyLockoutSafetyCheck: false,
      Tags: Object.entries({ ...props.tags, [CREATE_REQUEST_TAG]: marker }).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    }));
    const keyId = out.KeyMetadata?.KeyId;
    if (!keyId) throw new Error('CreateKey returned no KeyId');
    log(event, 'CreateKey', { keyId, customKeyStoreId: props.customKeyStoreId });
    return { PhysicalResourceId: keyId };
  } catch (err) {
    // The key may exist although the answer was lost: then it carries the marker.
    const [made] = await keysOfRequest(marker).catch(() => [] as KeyMetadata[]);
    if (made) {
      log(event, 'CreateKey failed but the key exists', { keyId: made.KeyId, error: errorName(err) });
      return { PhysicalResourceId: made.KeyId };
    }
    throw new Error(await explainCreateKeyError(props, err));
  }
}

/** Schedules a key's deletion; a key already pending deletion or gone is fine. */
async function scheduleDeletion(event: ResourceEvent, keyId: string, days: number): Promise<void> {
  try {
    await kms().send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: days }));
    log(event, 'ScheduleKeyDeletion', { keyId, pendingWindowInDays: days });
  } catch (err) {
    if (errorName(err) === 'NotFoundException') return;
    if (errorName(err) === 'KMSInvalidStateException') {
      const now = await describeKey(keyId);
      if (!now || GONE.has(now.KeyState ?? '')) return;
    }
    throw new Error(`ScheduleKeyDeletion of key ${keyId} failed (${errorName(err) ?? 'error'}): ${messageOf(err)}`);
  }
}

/**
 * Keeps one key of the request that made `keyId` (the oldest, which every attempt picks) and
 * schedules the deletion of the others: duplicates of a create whose response was lost or whose
 * onEvent ran twice. Returns the key kept.
 */
async function keepOneKey(event: ResourceEvent, keyId: string): Promise<string> {
  const marker = requestMarker(event);
  const keys = await keysOfRequest(marker, keyId);
  if (keys.length === 0) return keyId;
  const [kept, ...extras] = keys;
  for (const extra of extras) {
    // The shortest window: the duplicate was never used by anything of the stack.
    await scheduleDeletion(event, extra.KeyId!, MIN_PENDING_WINDOW_DAYS);
  }
  return kept.KeyId!;
}

/** Applies description, key policy and tag changes of an update in place. */
async function applyUpdate(event: ResourceEvent, key: KeyMetadata, props: KmsKeyProperties, oldProps: KmsKeyProperties): Promise<void> {
  const keyId = key.KeyId!;
  if ((props.description ?? '') !== (key.Description ?? '')) {
    await kms().send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: props.description ?? '' }));
    log(event, 'UpdateKeyDescription', { keyId });
  }
  if (props.policy !== undefined && props.policy !== oldProps.policy) {
    try {
      await kms().send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: props.policy, BypassPolicyLockoutSafetyCheck: false }));
    } catch (err) {
      if (errorName(err) === 'MalformedPolicyDocumentException') {
        throw new Error(`KMS refused the new key policy (Policy) of key ${keyId} (MalformedPolicyDocumentException): it must let this account's IAM `
          + `policies manage the key, and every principal it names must exist. KMS said: ${messageOf(err)}`);
      }
      throw err;
    }
    log(event, 'PutKeyPolicy', { keyId });
  }
  const actual = await tagsOf(keyId);
  if (actual === undefined) throw new Error(`the tags of key ${keyId} cannot be read`);
  const changes = tagChanges(actual, props.tags, oldProps.tags);
  if (hasTagChanges(changes)) {
    if (Object.keys(changes.set).length > 0) {
      await kms().send(new TagResourceCommand({
        KeyId: keyId,
        Tags: Object.entries(changes.set).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      }));
    }
    if (changes.remove.length > 0) await kms().send(new UntagResourceCommand({ KeyId: keyId, TagKeys: changes.remove }));
    log(event, 'tags updated', { keyId, set: Object.keys(changes.set), removed: changes.remove });
  }
}

/** Properties whose change needs a new key. */
export function replacementReasons(oldProps: KmsKeyProperties, props: KmsKeyProperties): string[] {
  return oldProps.customKeyStoreId === props.customKeyStoreId ? []
    : [`${P.customKeyStoreId} (${JSON.stringify(oldProps.customKeyStoreId)} -> ${JSON.stringify(props.customKeyStoreId)})`];
}

/**
 * One poll after a create or update: the key must exist and be usable; a key made by this request
 * is deduplicated, then changes are applied.
 */
async function settle(event: ResourceEvent): Promise<IsCompleteResponse> {
  const props = parseKmsKeyProperties(event.ResourceProperties);
  let keyId = event.PhysicalResourceId ?? '';
  const madeNow = (await tagsOf(keyId))?.[CREATE_REQUEST_TAG] === requestMarker(event);
  if (madeNow) keyId = await keepOneKey(event, keyId);
  const key = await describeKey(keyId);
  if (!key) throw new Error(`key ${keyId} does not exist (deleted outside this stack?)`);
  const state = key.KeyState ?? '';
  if (state === 'Creating') {
    log(event, 'waiting', { keyId, state });
    return NOT_COMPLETE;
  }
  if (GONE.has(state)) {
    throw new Error(`key ${keyId} is ${state} (its deletion was scheduled outside this stack); cancel it with CancelKeyDeletion `
      + 'and enable the key (EnableKey), then deploy again');
  }
  if (event.RequestType === 'Update' && !madeNow) {
    await applyUpdate(event, key, props, parseKmsKeyProperties(event.OldResourceProperties ?? {}));
  }
  log(event, 'ready', { keyId, state });
  return {
    IsComplete: true,
    PhysicalResourceId: keyId,
    Data: { KeyId: keyId, Arn: key.Arn ?? '' },
  };
}

export const kmsKeyHandler: ResourceHandler = {
  async onEvent(event) {
    switch (event.RequestType) {
      case 'Create':
        return createKey(event, parseKmsKeyProperties(event.ResourceProperties));
      case 'Update': {
        const props = parseKmsKeyProperties(event.ResourceProperties);
        const reasons = replacementReasons(parseKmsKeyProperties(event.OldResourceProperties ?? {}), props);
        if (reasons.length > 0) {
          // A new physical id: CloudFormation then deletes (or retains) the old key.
          log(event, 'replacing the key', { changed: reasons });
          return createKey(event, props);
        }
        return { PhysicalResourceId: event.PhysicalResourceId };
      }
      case 'Delete': {
        const keyId = event.PhysicalResourceId ?? '';
        const key = keyId ? await describeKey(keyId) : undefined;
        if (key && !GONE.has(key.KeyState ?? '')) {
          const window = Number(event.ResourceProperties.PendingWindowInDays);
          await scheduleDeletion(event, keyId, checkPendingWindowDays('', window) ? DEFAULT_PENDING_WINDOW_DAYS : window);
        }
        return { PhysicalResourceId: keyId };
      }
    }
  },

  async isComplete(event) {
    if (event.RequestType === 'Delete') return { IsComplete: true };
    return settle(event);
  },
};
