// KMS custom key store operations (CloudHSM key stores); the rules and their sources are listed in kms.ts.

import { SimError } from '../errors';
import { KeyStoreRecord } from '../kms';
import { JsonObject } from '../types';
import { Validator } from '../validation';
import { invalidState, KmsHandler, KmsContext, keyStore, page, usableCluster, validation, err } from './kms-common';

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
