// KMS key, key policy, tag and alias operations for keys in CloudHSM key stores; the rules and their
// sources are listed in kms.ts.

import { SimError } from '../errors';
import { AliasRecord, KeyStoreRecord, KmsKeyRecord } from '../kms';
import { JsonObject } from '../types';
import { Validator } from '../validation';
import { invalidState, key, KmsHandler, KmsContext, keyStore, notFound, notPendingDeletion, page, usableCluster, validation, err } from './kms-common';

const POLICY_QUOTA_BYTES = 32768;
const TAGS_MAX = 50;

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
