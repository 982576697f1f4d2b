import { Cluster } from '@aws-sdk/client-cloudhsm-v2';
import {
  ConnectCustomKeyStoreCommand, CreateCustomKeyStoreCommand, CustomKeyStoresListEntry, DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand, DisconnectCustomKeyStoreCommand, UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { AdminAccess, parseAdminAccess, regionOf, trustAnchorFor } from './admin-access';
import { kms, messageOf, secretsManager } from './aws';
import { describeCluster, TRANSITIONAL_STATES } from './cluster-state';
import { commentPrefix, hereDocCommands, hostCommandStep } from './host-command';
import { requestStartOf, withRequestStart } from './host-wait';
import { connectionFailure } from './key-store-errors';
import { emptyFleetStep, fleetIsEmpty } from './key-store-fleet';
import { log } from './log';
import { failedLoginArgs, FailedLogin, lastFailedLogins } from './login-guard';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import { KMS_USER_NAME, SECRET_ARN_PATTERN } from '../src/private/host-rules';

/**
 * `Custom::CloudHsmKeyStore`: a KMS custom key store (AWS_CLOUDHSM) on a cluster. Creating it makes
 * sure the cluster has the crypto user kmsuser (create-kmsuser.sh on the admin host, which reads
 * both passwords from Secrets Manager itself), then CreateCustomKeyStore (the one call that takes
 * the kmsuser password, read here from its secret), ConnectCustomKeyStore, and waits for CONNECTED.
 * The physical id is the custom key store id (cks-...), known once the store exists.
 */

/** CustomKeyStoreName: 1 to 256 characters (KMS API reference, CreateCustomKeyStore). */
const NAME_MAX = 256;
const KEY_STORE_ID_PATTERN = /^cks-[0-9a-z]{17}$/;

export interface KeyStoreProperties extends AdminAccess {
  readonly kmsUserSecretArn: string;
  readonly name: string;
}

const q = (v: unknown) => JSON.stringify(v);

export function parseKeyStoreProperties(raw: Record<string, any>): KeyStoreProperties {
  const { access, errors } = parseAdminAccess(raw, { host: 'cluster.adminHost', adminSecret: 'cluster.adminSecret' });
  const props: KeyStoreProperties = {
    ...access,
    kmsUserSecretArn: String(raw.KmsUserSecretArn ?? ''),
    name: String(raw.CustomKeyStoreName ?? ''),
  };
  if (!SECRET_ARN_PATTERN.test(props.kmsUserSecretArn)) {
    errors.push(`kmsUserSecret (KmsUserSecretArn): ${q(props.kmsUserSecretArn)} is not a Secrets Manager secret ARN`);
  }
  if (props.name.length < 1 || props.name.length > NAME_MAX) {
    errors.push(`customKeyStoreName (CustomKeyStoreName): ${q(props.name)} must have 1 to ${NAME_MAX} characters`);
  }
  if (props.trustAnchor === undefined && props.certificateAuthorityArn === undefined) {
    errors.push('trustAnchor (TrustAnchor): the cluster\'s trust anchor is needed (TrustAnchor or CertificateAuthorityArn)');
  }
  if (errors.length > 0) throw new Error(errors.join('; '));
  return props;
}

/**
 * The physical id before the store exists (a create that failed early is deleted by this id), with
 * the request's start: the bound on the wait for the admin host (lambda/host-wait.ts).
 */
export const pendingId = (clusterId: string, sinceMs = Date.now()) => withRequestStart(`cdk-cloudhsm:key-store:${clusterId}`, sinceMs);
const isPendingId = (id: string | undefined, clusterId: string) => requestStartOf(id).id === `cdk-cloudhsm:key-store:${clusterId}`;

const HEREDOC_END = 'CDK_CLOUDHSM_KMSUSER';
/** The kind of the kmsuser commands (their Comment): how the last one on a cluster is found. */
const KMS_USER_KIND = 'kmsuser';

/**
 * The AWS-RunShellScript commands that run create-kmsuser.sh: ids, addresses and the public trust
 * anchor, never a password. The command carries all the host needs (a replaced host works at once).
 */
export function kmsUserCommands(props: KeyStoreProperties, hsmIps: string[], trustAnchor: string, failed: readonly FailedLogin[] = []): string[] {
  const argv = [
    '--cluster-id', props.clusterId, '--admin-secret-id', props.adminSecretArn, '--kmsuser-secret-id', props.kmsUserSecretArn,
    // The secrets' region (the admin secret's; the kmsuser secret is made beside it).
    '--region', regionOf(props.kmsUserSecretArn), ...hsmIps.flatMap((ip) => ['--hsm-ip', ip]),
    ...(props.adminSecretField ? ['--admin-secret-field', props.adminSecretField] : []),
    '--trust-anchor-b64', Buffer.from(trustAnchor, 'utf8').toString('base64'),
    // Secret versions whose login failed in the cluster's last kmsuser command: not tried again.
    ...failedLoginArgs(failed, [{ user: 'admin', secretId: props.adminSecretArn }, { user: KMS_USER_NAME, secretId: props.kmsUserSecretArn }]),
  ];
  return hereDocCommands('create-kmsuser.sh', HEREDOC_END, argv);
}

function label(event: ResourceEvent, props: Pick<KeyStoreProperties, 'name' | 'clusterId'>): string {
  return `HsmKeyStore ${event.LogicalResourceId} (${q(props.name)} on ${props.clusterId})`;
}

const isName = (err: unknown, ...names: string[]) => names.includes((err as { name?: string })?.name ?? '');

/** The store with this name or id, if any (DescribeCustomKeyStores fails with CustomKeyStoreNotFoundException when none). */
async function describeStore(filter: { CustomKeyStoreName: string } | { CustomKeyStoreId: string }): Promise<CustomKeyStoresListEntry | undefined> {
  try {
    const out = await kms().send(new DescribeCustomKeyStoresCommand(filter));
    return out.CustomKeyStores?.[0];
  } catch (err) {
    if (isName(err, 'CustomKeyStoreNotFoundException')) return undefined;
    throw err;
  }
}
const storeByName = (name: string) => describeStore({ CustomKeyStoreName: name });
const storeById = (id: string) => describeStore({ CustomKeyStoreId: id });

/** The store of this resource: by its id once known, otherwise by name (and on this cluster). */
async function ownStore(event: ResourceEvent, props: KeyStoreProperties): Promise<CustomKeyStoresListEntry | undefined> {
  const id = event.PhysicalResourceId;
  if (id && KEY_STORE_ID_PATTERN.test(id)) return storeById(id);
  const found = await storeByName(props.name);
  return found?.CloudHsmClusterId === props.clusterId ? found : undefined;
}

function done(store: CustomKeyStoresListEntry): IsCompleteResponse {
  return {
    IsComplete: true,
    PhysicalResourceId: store.CustomKeyStoreId!,
    Data: { CustomKeyStoreId: store.CustomKeyStoreId ?? '', CustomKeyStoreName: store.CustomKeyStoreName ?? '', ConnectionState: store.ConnectionState ?? '' },
  };
}

/**
 * The deploy-time rules of a CloudHSM key store's cluster (KMS developer guide, "Assemble the
 * prerequisites"): ACTIVE, with at least two ACTIVE HSMs in different Availability Zones.
 * 'ready' when they hold, 'wait' while the cluster or an HSM is still changing; otherwise an error.
 */
export function clusterReadiness(who: string, cluster: Cluster | undefined, clusterId: string): 'ready' | 'wait' {
  if (!cluster || cluster.State === 'DELETED' || cluster.State === 'DELETE_IN_PROGRESS') {
    throw new Error(`${who}: cluster (ClusterId): the cluster ${clusterId} does not exist (or is being deleted)`);
  }
  const state = cluster.State ?? '';
  if (TRANSITIONAL_STATES.has(state)) return 'wait';
  if (state !== 'ACTIVE') {
    throw new Error(`${who}: cluster (ClusterId): the cluster ${clusterId} is ${state}; a KMS key store needs an ACTIVE (initialized and activated) cluster`);
  }
  const hsms = cluster.Hsms ?? [];
  const active = hsms.filter((h) => h.State === 'ACTIVE');
  const zones = new Set(active.map((h) => h.AvailabilityZone));
  if (zones.size >= 2) return 'ready';
  if (hsms.some((h) => h.State === 'CREATE_IN_PROGRESS')) return 'wait';
  throw new Error(`${who}: cluster (ClusterId): the cluster ${clusterId} has ${active.length} ACTIVE HSM(s) in ${zones.size} Availability Zone(s) `
    + `(${[...zones].join(', ') || 'none'}); a KMS key store needs at least two ACTIVE HSMs in different Availability Zones: add an HSM in another zone`);
}

/** The cluster's trust anchor (parseKeyStoreProperties makes sure TrustAnchor or CertificateAuthorityArn is given). */
async function trustAnchorOfStore(who: string, props: KeyStoreProperties): Promise<string> {
  return (await trustAnchorFor(who, props))!;
}

/** The kmsuser password, read from its secret for the one KMS call that takes it. Never logged, never returned. */
async function kmsUserPassword(who: string, secretArn: string): Promise<string> {
  try {
    const out = await secretsManager(secretArn.split(':')[3]).send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!out.SecretString) throw new Error('the secret has no SecretString');
    return out.SecretString;
  } catch (err) {
    throw new Error(`${who}: kmsUserSecret (KmsUserSecretArn): cannot read ${secretArn}: ${messageOf(err)}`);
  }
}

/**
 * Step 1 of a create: kmsuser on the cluster through the admin host. 'done' once this request's
 * command succeeded; otherwise it waits for a running command or sends one.
 */
function ensureKmsUser(event: ResourceEvent, props: KeyStoreProperties, cluster: Cluster): Promise<'done' | 'wait'> {
  const who = label(event, props);
  return hostCommandStep(event, cluster, {
    who,
    what: `kmsuser on cluster ${props.clusterId}`,
    kind: KMS_USER_KIND,
    on: props,
    commands: async (hsmIps) => kmsUserCommands(props, hsmIps, await trustAnchorOfStore(who, props),
      await lastFailedLogins(commentPrefix(KMS_USER_KIND, props.clusterId))),
  });
}

/** What KMS's CreateCustomKeyStore errors mean for this resource. */
function createFailure(who: string, props: KeyStoreProperties, err: unknown): Error {
  const m = messageOf(err);
  if (isName(err, 'CloudHsmClusterInUseException')) {
    return new Error(`${who}: cluster (ClusterId): the cluster ${props.clusterId} already backs another custom key store (one store per cluster); `
      + `use that store with HsmKeyStore.fromCustomKeyStoreId, or delete it first: ${m}`);
  }
  if (isName(err, 'IncorrectTrustAnchorException')) {
    return new Error(`${who}: trustAnchor (TrustAnchor): the trust anchor is not the one that signed the cluster ${props.clusterId}'s certificate: ${m}`);
  }
  if (isName(err, 'CloudHsmClusterInvalidConfigurationException')) {
    return new Error(`${who}: cluster (ClusterId): the cluster ${props.clusterId} does not meet KMS's requirements (private subnets in two `
      + `Availability Zones, security group rules for TCP 2223-2225, two ACTIVE HSMs in different zones): ${m}`);
  }
  return new Error(`${who}: CreateCustomKeyStore failed: ${m}`);
}

/** Creates the store (after kmsuser). A store of the same name made by a duplicated attempt is found on the next poll. */
async function createStore(event: ResourceEvent, props: KeyStoreProperties): Promise<void> {
  const who = label(event, props);
  const trustAnchor = await trustAnchorOfStore(who, props);
  const password = await kmsUserPassword(who, props.kmsUserSecretArn);
  try {
    const out = await kms().send(new CreateCustomKeyStoreCommand({
      CustomKeyStoreName: props.name,
      CloudHsmClusterId: props.clusterId,
      TrustAnchorCertificate: trustAnchor,
      KeyStorePassword: password,
      CustomKeyStoreType: 'AWS_CLOUDHSM',
    }));
    log(event, 'CreateCustomKeyStore', { clusterId: props.clusterId, customKeyStoreId: out.CustomKeyStoreId });
  } catch (err) {
    if (isName(err, 'CustomKeyStoreNameInUseException')) return; // another attempt made it: found by name next time
    throw createFailure(who, props, err);
  }
}

async function connect(event: ResourceEvent, who: string, id: string): Promise<void> {
  try {
    await kms().send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    log(event, 'ConnectCustomKeyStore', { customKeyStoreId: id });
  } catch (err) {
    // Already connecting (a duplicated poll): the next describe tells.
    if (isName(err, 'CustomKeyStoreInvalidStateException')) return;
    if (isName(err, 'CloudHsmClusterNotActiveException')) {
      throw new Error(`${who}: ConnectCustomKeyStore: the cluster is not active (it needs an ACTIVE cluster with ACTIVE HSMs): ${messageOf(err)}`);
    }
    throw new Error(`${who}: ConnectCustomKeyStore failed: ${messageOf(err)}`);
  }
}

async function disconnect(event: ResourceEvent, who: string, id: string): Promise<void> {
  try {
    await kms().send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    log(event, 'DisconnectCustomKeyStore', { customKeyStoreId: id });
  } catch (err) {
    if (isName(err, 'CustomKeyStoreInvalidStateException', 'CustomKeyStoreNotFoundException')) return;
    throw new Error(`${who}: DisconnectCustomKeyStore failed: ${messageOf(err)}`);
  }
}

/** Connects a disconnected store and waits for CONNECTED; FAILED is an error naming the code and what to do. */
async function settle(event: ResourceEvent, who: string, store: CustomKeyStoresListEntry): Promise<IsCompleteResponse> {
  const id = store.CustomKeyStoreId!;
  switch (store.ConnectionState) {
    case 'CONNECTED': return done(store);
    case 'FAILED': throw connectionFailure(who, store);
    case 'DISCONNECTED': await connect(event, who, id); return { ...NOT_COMPLETE, PhysicalResourceId: id };
    default: return { ...NOT_COMPLETE, PhysicalResourceId: id }; // CONNECTING, DISCONNECTING
  }
}

async function createStep(event: ResourceEvent, props: KeyStoreProperties): Promise<IsCompleteResponse> {
  const who = label(event, props);
  const existing = await storeByName(props.name);
  if (existing && existing.CloudHsmClusterId !== props.clusterId) {
    throw new Error(`${who}: customKeyStoreName (CustomKeyStoreName): ${q(props.name)} is the name of custom key store `
      + `${existing.CustomKeyStoreId} on cluster ${existing.CloudHsmClusterId}; names are unique in the account and region: choose another`);
  }
  // A store of this name on this cluster: made by an earlier attempt of this request (or adopted); KMS
  // rotates kmsuser's password once connected, so kmsuser is only made before the store exists.
  if (existing) return settle(event, who, existing);

  const cluster = await describeCluster(props.clusterId);
  if (clusterReadiness(who, cluster, props.clusterId) === 'wait') return NOT_COMPLETE;
  if (await ensureKmsUser(event, props, cluster!) === 'wait') return NOT_COMPLETE;
  await createStore(event, props);
  return NOT_COMPLETE;
}

/** In place: a new name (disconnect, UpdateCustomKeyStore, connect). */
async function updateStep(event: ResourceEvent, props: KeyStoreProperties): Promise<IsCompleteResponse> {
  const who = label(event, props);
  const store = await storeById(event.PhysicalResourceId ?? '');
  if (!store) throw new Error(`${who}: the custom key store ${event.PhysicalResourceId} does not exist any more`);
  if (fleetIsEmpty(event.ResourceProperties)) {
    // The cluster goes to zero HSMs: disconnect first (lambda/key-store-fleet.ts).
    const next = emptyFleetStep(who, store, props.name);
    if (next === 'done') return done(store);
    if (next === 'disconnect') await disconnect(event, who, store.CustomKeyStoreId!);
    return NOT_COMPLETE;
  }
  if (store.CustomKeyStoreName === props.name) return settle(event, who, store);
  if (store.ConnectionState !== 'DISCONNECTED') {
    if (store.ConnectionState !== 'DISCONNECTING') await disconnect(event, who, store.CustomKeyStoreId!);
    return NOT_COMPLETE;
  }
  try {
    await kms().send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: store.CustomKeyStoreId, NewCustomKeyStoreName: props.name }));
    log(event, 'UpdateCustomKeyStore', { customKeyStoreId: store.CustomKeyStoreId });
  } catch (err) {
    if (isName(err, 'CustomKeyStoreNameInUseException')) {
      throw new Error(`${who}: customKeyStoreName (CustomKeyStoreName): ${q(props.name)} is the name of another custom key store; choose another`);
    }
    throw new Error(`${who}: UpdateCustomKeyStore failed: ${messageOf(err)}`);
  }
  return NOT_COMPLETE;
}

/**
 * Disconnect, then delete. KMS refuses to delete a store that still has KMS keys (also keys pending
 * deletion): then the store is left disconnected, which ends the resource (docs/key-store.md).
 */
async function deleteStep(event: ResourceEvent, props: KeyStoreProperties): Promise<IsCompleteResponse> {
  const who = label(event, props);
  const store = await ownStore(event, props);
  if (!store) return { IsComplete: true };
  const id = store.CustomKeyStoreId!;
  if (store.ConnectionState === 'DISCONNECTING') return NOT_COMPLETE;
  if (store.ConnectionState !== 'DISCONNECTED') {
    await disconnect(event, who, id);
    return NOT_COMPLETE;
  }
  try {
    await kms().send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    log(event, 'DeleteCustomKeyStore', { customKeyStoreId: id });
  } catch (err) {
    if (isName(err, 'CustomKeyStoreNotFoundException')) return { IsComplete: true };
    if (isName(err, 'CustomKeyStoreHasCMKsException')) {
      log(event, 'the custom key store still has KMS keys: left disconnected, not deleted', { customKeyStoreId: id });
      return { IsComplete: true };
    }
    throw new Error(`${who}: DeleteCustomKeyStore ${id} failed: ${messageOf(err)}`);
  }
  return { IsComplete: true };
}

/** The properties, or an error that names the resource (its messages name properties such as customKeyStoreName). */
function propertiesOf(event: ResourceEvent, raw: Record<string, any> = event.ResourceProperties): KeyStoreProperties {
  try {
    return parseKeyStoreProperties(raw);
  } catch (err) {
    throw new Error(`HsmKeyStore ${event.LogicalResourceId}: ${messageOf(err)}`);
  }
}

export const keyStoreHandler: ResourceHandler = {
  async onEvent(event): Promise<OnEventResponse> {
    const props = propertiesOf(event);
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    if (event.RequestType === 'Update') {
      const old = propertiesOf(event, event.OldResourceProperties ?? {});
      // Another cluster is another store: CloudFormation deletes the old one after the new one exists.
      if (old.clusterId !== props.clusterId) {
        if (old.name === props.name) {
          throw new Error(`${label(event, props)}: cluster (ClusterId): a new cluster needs a new custom key store, and `
            + `${q(props.name)} is the name of the current one; change customKeyStoreName (CustomKeyStoreName) too`);
        }
        return { PhysicalResourceId: pendingId(props.clusterId) };
      }
    }
    // A store left FAILED by an earlier deployment is disconnected, so this one connects it again.
    const store = event.RequestType === 'Update' ? await storeById(event.PhysicalResourceId ?? '') : await storeByName(props.name);
    if (store?.ConnectionState === 'FAILED' && store.CloudHsmClusterId === props.clusterId) {
      await disconnect(event, label(event, props), store.CustomKeyStoreId!);
    }
    // Nothing else here: isComplete finds what earlier attempts made and goes on from there.
    return { PhysicalResourceId: event.RequestType === 'Update' ? event.PhysicalResourceId : pendingId(props.clusterId) };
  },

  async isComplete(event) {
    const props = propertiesOf(event);
    if (event.RequestType === 'Delete') return deleteStep(event, props);
    const replacing = isPendingId(event.PhysicalResourceId, props.clusterId);
    if (event.RequestType === 'Create' || replacing) return createStep(event, props);
    return updateStep(event, props);
  },
};
