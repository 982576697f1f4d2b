import { CustomResource, IResource, Lazy, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { IHsmCluster } from './hsm';
import { HsmKey, HsmKeyOptions } from './kms-key';
import { checkPlainPasswordSecret, generatedPasswordSecret } from './private/admin-secret';
import { clusterAdminOf } from './private/cluster-admin';
import { ruleNeedingHsms } from './private/empty-fleet';
import { hsmChainOf } from './private/hsm-chain';
import { P } from './private/property-names';
import { CloudHsmProvider, SERVICE_TIMEOUT } from './private/provider';
import { EMPTY_FLEET, FLEET_PROPERTY } from './private/rules';

/** A KMS custom key store backed by a CloudHSM cluster (a "CloudHSM key store"), created here or imported. */
export interface IHsmKeyStore extends IResource {
  /**
   * The custom key store id, such as `cks-1234567890abcdef0`.
   * @attribute
   */
  readonly customKeyStoreId: string;

  /**
   * Adds a KMS key whose key material is generated and kept in the cluster's HSMs (an `HsmKey`
   * in this key store). It is a `kms.IKey`: grant it, alias it, use it as the encryption key of
   * other constructs.
   *
   * @param id the construct id of the key (a child of the key store)
   * @param options description, alias, policy, removal policy of the key
   */
  addKey(id: string, options?: HsmKeyOptions): kms.IKey;
}

/** Properties of an `HsmKeyStore`. */
export interface HsmKeyStoreProps {
  /**
   * The cluster behind the key store. kmsuser is created through the cluster's admin host, so the
   * cluster is either activated by this stack (`activation`; for a cluster initialized or activated
   * outside the stack, `activation.initializedOutsideStack` with its `trustAnchor` and `adminSecret`),
   * or an existing ACTIVE cluster imported with its admin secret and trust anchor
   * (`HsmCluster.fromClusterAttributes` with `adminSecret`, `trustAnchor`, `vpc` and `securityGroupId`).
   * It must have at least two ACTIVE HSMs in different Availability Zones (KMS's rule for a CloudHSM
   * key store): checked at synth time for a cluster this stack creates, at deploy time for an
   * imported one (whose HSMs made outside the stack synth cannot see).
   *
   * The key store must be in the cluster's stack: one in another stack is refused at synth time
   * (the admin host's role in the cluster's stack would have to name the key store's secret, and
   * the key store waits for the cluster's HSMs: a cycle between the two stacks). KMS allows one
   * key store per cluster, so a second `HsmKeyStore` on the same cluster is refused too.
   */
  readonly cluster: IHsmCluster;

  /**
   * The name of the key store: unique in the account and Region, 1 to 256 characters. Changing it
   * renames the store in place (disconnect, UpdateCustomKeyStore, connect).
   *
   * @default - a name made from the construct path, unique in the app
   */
  readonly customKeyStoreName?: string;

  /**
   * The secret with the password of the cluster's crypto user `kmsuser`, which KMS logs in as
   * (8 to 32 characters; no whitespace, quotes or backslash). It is read by the admin host (to
   * create kmsuser) and by the handler for CreateCustomKeyStore only; it is in no template,
   * output, command or log.
   *
   * @default - a secret the stack generates: 32 letters and digits, kept or deleted with the key store
   */
  readonly kmsUserSecret?: secretsmanager.ISecret;

  /**
   * What happens to the key store when it is removed from the stack or the stack is deleted.
   * A key store backs KMS keys, so it is kept by default; only a first deployment that fails and
   * rolls back removes the store it made. With `RemovalPolicy.DESTROY` the store is disconnected
   * and deleted; if it still holds KMS keys (also keys pending deletion), KMS refuses, and the
   * store is left disconnected (docs/key-store.md).
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The key store of each cluster: KMS allows one per cluster. */
const keyStores = new WeakMap<object, HsmKeyStore>();

/** What imported and created key stores share. */
abstract class HsmKeyStoreBase extends Resource implements IHsmKeyStore {
  public abstract readonly customKeyStoreId: string;

  public addKey(id: string, options: HsmKeyOptions = {}): kms.IKey {
    return this.makeKey(id, options);
  }

  /** The key in this store; a created store makes it wait until the store is CONNECTED. */
  protected makeKey(id: string, options: HsmKeyOptions): HsmKey {
    return new HsmKey(this, id, { ...options, customKeyStoreId: this.customKeyStoreId });
  }
}

/**
 * A KMS custom key store of type AWS_CLOUDHSM on a cluster this stack activates, or on an existing
 * ACTIVE cluster imported with its admin secret and trust anchor (`HsmCluster.fromClusterAttributes`),
 * made by a custom resource (`Custom::CloudHsmKeyStore`; CloudFormation has no resource for it). In one deployment it
 * creates the crypto user `kmsuser` through the cluster's admin host (SSM Run Command, the password
 * read on the host from Secrets Manager), creates the key store with the cluster's trust anchor,
 * connects it and waits until it is CONNECTED. A failed connection fails the deployment with the
 * ConnectionErrorCode and what to do about it.
 *
 * @example
 * const keyStore = new HsmKeyStore(stack, 'KeyStore', { cluster: cluster });
 * const key = keyStore.addKey('DataKey', { alias: 'alias/app-data' });
 * new s3.Bucket(stack, 'Data', { encryptionKey: key });
 */
export class HsmKeyStore extends HsmKeyStoreBase {
  /**
   * Imports an existing CloudHSM key store, to add keys to it.
   *
   * @param scope the parent construct
   * @param id the construct id
   * @param customKeyStoreId the custom key store id, such as `cks-1234567890abcdef0`
   */
  public static fromCustomKeyStoreId(scope: Construct, id: string, customKeyStoreId: string): IHsmKeyStore {
    if (!Token.isUnresolved(customKeyStoreId) && !/^cks-[0-9a-z]{17}$/.test(customKeyStoreId)) {
      throw new Error(`HsmKeyStore ${scope.node.path}/${id}: customKeyStoreId: ${JSON.stringify(customKeyStoreId)} is not a custom key store id (cks- and 17 lowercase letters or digits)`);
    }
    class Imported extends HsmKeyStoreBase {
      public readonly customKeyStoreId = customKeyStoreId;
    }
    return new Imported(scope, id);
  }

  public readonly customKeyStoreId: string;

  /**
   * The name of the key store.
   * @attribute
   */
  public readonly customKeyStoreName: string;

  /** The secret with the kmsuser password. */
  public readonly kmsUserSecret: secretsmanager.ISecret;

  /** The cluster behind the key store. */
  public readonly cluster: IHsmCluster;

  private readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: HsmKeyStoreProps) {
    super(scope, id);
    const where = `HsmKeyStore ${this.node.path}`;
    const cluster = props.cluster;
    const admin = clusterAdminOf(cluster);
    const name = props.customKeyStoreName ?? Names.uniqueResourceName(this, { maxLength: 256, separator: '-' });
    const errors: string[] = [];
    if (!admin) {
      errors.push(`${P.cluster}: ${cluster.node.path} has no admin host and admin secret here; a key store creates kmsuser through them: `
        + 'activate the cluster in this stack (activation; activation.initializedOutsideStack with trustAnchor and adminSecret for a '
        + 'cluster initialized or activated outside it), or import an existing ACTIVE cluster with HsmCluster.fromClusterAttributes '
        + 'and its adminSecret, trustAnchor, vpc and securityGroupId');
    }
    const existing = keyStores.get(cluster);
    if (existing) {
      errors.push(`${P.cluster}: ${cluster.node.path} already has the key store ${existing.node.path}; KMS allows one custom key store `
        + `per cluster: add keys to ${existing.node.path} (addKey) instead of declaring a second key store`);
    }
    if (Stack.of(this) !== Stack.of(cluster)) {
      errors.push(`${P.cluster}: ${cluster.node.path} is in the stack ${Stack.of(cluster).node.path}, not in this key store's stack `
        + `${Stack.of(this).node.path}; declare the HsmKeyStore in the cluster's stack (a key store in another stack would make the two `
        + 'stacks depend on each other), and use HsmKeyStore.fromCustomKeyStoreId in other stacks to add keys');
    }
    if (!Token.isUnresolved(name) && (name.length < 1 || name.length > 256)) {
      errors.push(`${P.customKeyStoreName}: ${JSON.stringify(name)} has ${name.length} characters; a key store name has 1 to 256`);
    }
    if (props.kmsUserSecret) {
      errors.push(...checkPlainPasswordSecret(P.kmsUserSecret, props.kmsUserSecret, { password: 'the kmsuser password', user: 'the kmsuser script', secret: 'the kmsuser secret' }));
    }
    if (errors.length > 0 || !admin) throw new Error(`${where}: ${errors.join('; ')}`);
    keyStores.set(cluster, this);

    this.cluster = cluster;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    this.kmsUserSecret = props.kmsUserSecret ?? generatedSecret(this, removalPolicy);
    const grant = admin.host.grantPrincipal ? this.kmsUserSecret.grantRead({ grantPrincipal: admin.host.grantPrincipal }) : undefined;

    const provider = CloudHsmProvider.of(this);
    provider.enableKeyStores(admin.host.instanceArn, this.kmsUserSecret);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CloudHsmKeyStore',
      serviceTimeout: SERVICE_TIMEOUT,
      removalPolicy,
      properties: {
        ClusterId: cluster.clusterId,
        InstanceId: admin.host.instanceId,
        AdminSecretArn: admin.adminSecret.secretArn,
        AdminSecretField: admin.adminSecretField,
        KmsUserSecretArn: this.kmsUserSecret.secretArn,
        CustomKeyStoreName: name,
        TrustAnchor: admin.trustAnchor,
        CertificateAuthorityArn: admin.certificateAuthorityArn,
        // With no HSM declared (allowZeroHsms), the store is disconnected before the last HSM goes and
        // connected again once HSMs are back (lambda/key-store-fleet.ts); absent otherwise.
        [FLEET_PROPERTY]: Lazy.string({ produce: () => (hsmChainOf(cluster).count === 0 ? EMPTY_FLEET : undefined) }),
      },
    });
    // After the activation (or the imported cluster's host) and every HSM of the cluster declared in
    // the stack (now or later): KMS needs them ACTIVE.
    hsmChainOf(cluster).onBackupMaker((r) => this.resource.node.addDependency(r));
    admin.waitFor(this.resource);
    grant?.applyBefore(this.resource);

    this.customKeyStoreId = this.resource.ref;
    this.customKeyStoreName = this.resource.getAttString('CustomKeyStoreName');
    // A cluster this stack creates has only the HSMs it declares; an imported one may have others (checked at deploy time).
    if (hsmChainOf(cluster).createdByProvider) this.node.addValidation({ validate: () => checkHsmZones(this, where, cluster) });
  }

  /**
   * The connection state when the deployment finished (`CONNECTED`).
   * @attribute
   */
  public get connectionState(): string {
    return this.resource.getAttString('ConnectionState');
  }

  public addKey(id: string, options: HsmKeyOptions = {}): kms.IKey {
    const key = this.makeKey(id, options);
    // The key is created once the store is CONNECTED (the resource's end state), and deleted before it.
    key.node.addDependency(this.resource);
    return key;
  }
}

/** KMS's rule: a CloudHSM key store's cluster has at least two HSMs in different Availability Zones (where the zones are known). */
function checkHsmZones(scope: Construct, where: string, cluster: IHsmCluster): string[] {
  const chain = hsmChainOf(cluster);
  const zones = chain.availabilityZones;
  if (zones.length === 0) {
    return ruleNeedingHsms(scope, chain, `${where}: ${P.cluster}: ${cluster.node.path} has no HSM; a KMS key store needs at least two ACTIVE HSMs `
      + 'in different Availability Zones: add HSMs with addHsm (in two zones), or set allowZeroHsms on a cluster whose key store an earlier deployment made',
    'The key store is disconnected before the last HSM is deleted, and its KMS keys are unavailable until HSMs are back; '
      + 'a deployment that creates the key store or a new KMS key in it now fails (KMS needs two ACTIVE HSMs in two Availability Zones).');
  }
  if (zones.length < 2) {
    return [`${where}: ${P.cluster}: ${cluster.node.path} has ${zones.length} HSM(s); a KMS key store needs at least two ACTIVE HSMs `
      + 'in different Availability Zones: add HSMs with addHsm (in two zones)'];
  }
  const known = zones.filter((z): z is string => z !== undefined && !Token.isUnresolved(z));
  if (known.length === zones.length && new Set(known).size < 2) {
    return [`${where}: ${P.cluster}: every HSM of ${cluster.node.path} is in ${known[0]}; a KMS key store needs HSMs in at least `
      + 'two Availability Zones: place one in another zone (availabilityZone)'];
  }
  return [];
}

function generatedSecret(scope: Construct, removalPolicy: RemovalPolicy): secretsmanager.ISecret {
  // The password of a kept key store is kept with it.
  return generatedPasswordSecret(scope, 'KmsUserSecret',
    `Password of the kmsuser crypto user of the CloudHSM key store ${scope.node.path} (cdk-cloudhsm)`, removalPolicy,
    'The kmsuser password lives on the HSMs and in KMS (which rotates it while the key store is connected): Secrets Manager cannot change it there. docs/key-store.md describes rotating it (CloudHSM CLI user change-password, UpdateCustomKeyStore, put-secret-value).');
}
