import { CustomResource, Duration, ITaggable, Lazy, RemovalPolicy, Resource, TagManager, TagType, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { aws_kms as kmsRefs } from 'aws-cdk-lib/interfaces';
import { Construct } from 'constructs';
import {
  checkCustomKeyStoreId,
  checkDescription,
  checkKmsTags,
  checkPendingWindowDays,
  DEFAULT_PENDING_WINDOW_DAYS,
} from './private/kms-key-rules';
import { P } from './private/property-names';
import { CloudHsmProvider, SERVICE_TIMEOUT } from './private/provider';

/**
 * Options of a KMS key in a CloudHSM key store (what `HsmKeyStore.addKey` takes).
 *
 * A key in a CloudHSM key store is always a symmetric encryption key (key spec
 * `SYMMETRIC_DEFAULT`, key usage `ENCRYPT_DECRYPT`) in a single Region: KMS creates no other kind
 * of key in a custom key store. KMS does not rotate the key material of such keys automatically
 * (EnableKeyRotation refuses them), so there is no rotation option; rotate manually by creating a
 * new key and pointing the alias at it.
 */
export interface HsmKeyOptions {
  /**
   * A description of the key (at most 8192 characters). Updated in place.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * An alias for the key, such as `alias/app-data` (the `alias/` prefix is added when missing),
   * made as an `AWS::KMS::Alias` like the `alias` property of aws-cdk-lib's `kms.Key`.
   *
   * @default - no alias
   */
  readonly alias?: string;

  /**
   * The key policy. Statements added later with `addToResourcePolicy` and by grants that need the
   * key policy land in it; the policy is updated in place (PutKeyPolicy).
   *
   * The custom-resource handler that creates and manages the key acts with IAM permissions, so the
   * policy must let the account's IAM policies govern the key (as the default does), or KMS refuses
   * it (the key policy lockout safety check).
   *
   * @default - as aws-cdk-lib's `kms.Key`: a statement that allows the account (its root
   * principal) all KMS actions on the key, which lets IAM policies of the account grant access
   */
  readonly policy?: iam.PolicyDocument;

  /**
   * Principals that may administer the key (the administrative actions of aws-cdk-lib's
   * `Key.grantAdmin`), without using it for cryptographic operations.
   *
   * @default - no administrators beyond the key policy
   */
  readonly admins?: iam.IPrincipal[];

  /**
   * What happens to the key when it is removed from the stack or the stack is deleted. With
   * `RemovalPolicy.DESTROY` the key is scheduled for deletion (ScheduleKeyDeletion with
   * `pendingWindow`); until then it can be recovered (CancelKeyDeletion), and the key store
   * cannot be deleted while it holds the key.
   *
   * @default RemovalPolicy.RETAIN (as aws-cdk-lib's `kms.Key`)
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long KMS waits before it deletes the key once its deletion is scheduled: a whole number
   * of days from 7 to 30.
   *
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;
}

/** Properties of an `HsmKey`. */
export interface HsmKeyProps extends HsmKeyOptions {
  /**
   * The id of the CloudHSM key store to create the key in, such as `cks-1234567890abcdef0`
   * (usually `HsmKeyStore.customKeyStoreId`). The key store must be CONNECTED when the key is
   * created. Changing it makes a new key.
   */
  readonly customKeyStoreId: string;
}

const RESOURCE_TYPE = 'Custom::CloudHsmKmsKey';

/**
 * A KMS key whose key material is generated and kept in the HSMs of a CloudHSM cluster, through
 * a CloudHSM key store (a KMS custom key store).
 *
 * It is a `kms.IKey`: grants, aliases and use as the encryption key of other constructs work as
 * for aws-cdk-lib's `kms.Key`, and synthesize the same IAM and key policy statements. CloudFormation
 * has no resource for keys in a custom key store, so the key is made by a custom resource
 * (`Custom::CloudHsmKmsKey`) that calls KMS CreateKey with Origin `AWS_CLOUDHSM`. Description,
 * key policy and tags (`Tags.of(key)`) are updated in place.
 *
 * @example
 * const key = new HsmKey(stack, 'DataKey', {
 *   customKeyStoreId: keyStore.customKeyStoreId,
 *   alias: 'alias/app-data',
 * });
 * new s3.Bucket(stack, 'Data', { encryptionKey: key });
 */
export class HsmKey extends Resource implements kms.IKey, ITaggable {
  /**
   * The ARN of the key.
   * @attribute
   */
  public readonly keyArn: string;

  /**
   * The id of the key, such as `1234abcd-12ab-34cd-56ef-1234567890ab`.
   * @attribute
   */
  public readonly keyId: string;

  /** The id of the CloudHSM key store the key is in. */
  public readonly customKeyStoreId: string;

  /** Tags of the key; use `Tags.of(key)` to add them. */
  public readonly tags: TagManager;

  /** The key policy; rendered when the stack is synthesized. */
  private readonly policy: iam.PolicyDocument;
  private readonly resource: CustomResource;
  private readonly aliases: kms.Alias[] = [];

  constructor(scope: Construct, id: string, props: HsmKeyProps) {
    super(scope, id);
    const errors = validateHsmKey(props);
    if (errors.length > 0) throw new Error(`HsmKey ${this.node.path}: ${errors.join('; ')}`);

    this.customKeyStoreId = props.customKeyStoreId;
    this.tags = new TagManager(TagType.KEY_VALUE, RESOURCE_TYPE);
    // As aws-cdk-lib's Key (the default key policies of CDK v2): the account root may do everything,
    // so IAM policies of the account decide; a policy given by the user is taken as it is.
    this.policy = props.policy ?? new iam.PolicyDocument();
    if (!props.policy) {
      this.policy.addStatements(new iam.PolicyStatement({
        resources: ['*'],
        actions: ['kms:*'],
        principals: [new iam.AccountRootPrincipal()],
      }));
    }

    const provider = CloudHsmProvider.of(this);
    provider.enableKmsKeys();
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: RESOURCE_TYPE,
      serviceTimeout: SERVICE_TIMEOUT,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      properties: {
        CustomKeyStoreId: props.customKeyStoreId,
        Description: props.description,
        // A PolicyDocument resolves lazily: statements added after construction are in it.
        Policy: this.policy,
        PendingWindowInDays: pendingWindowDays(props.pendingWindow),
        Tags: Lazy.any({ produce: () => this.tags.renderTags() }, { omitEmptyArray: true }),
      },
    });
    this.keyId = this.resource.ref;
    this.keyArn = this.resource.getAttString('Arn');

    this.node.addValidation({ validate: () => this.policy.validateForResourcePolicy() });
    // Tags arrive through aspects after construction, so they are checked at validation time.
    this.node.addValidation({ validate: () => checkKmsTags(P.tags, knownTags(this.tags.tagValues())) });

    for (const admin of props.admins ?? []) this.grantAdmin(admin);
    if (props.alias !== undefined) this.addAlias(props.alias);
  }

  /** A reference to this key (`IKeyRef`), for constructs that take one. */
  public get keyRef(): kmsRefs.KeyReference {
    return { keyArn: this.keyArn, keyId: this.keyId };
  }

  /**
   * Defines an alias for the key (an `AWS::KMS::Alias`).
   *
   * @param aliasName the alias, such as `alias/app-data` (the `alias/` prefix is added when missing)
   */
  public addAlias(aliasName: string): kms.Alias {
    // The first alias keeps the id aws-cdk-lib's Key gives it, so a stack moving between the two keeps its alias.
    const id = this.aliases.length > 0 ? `Alias${aliasName}` : 'Alias';
    const alias = new kms.Alias(this, id, { aliasName, targetKey: this });
    this.aliases.push(alias);
    return alias;
  }

  /**
   * Adds a statement to the key policy.
   *
   * @param statement the policy statement to add
   * @param allowNoOp ignored: the key always has a key policy to add to (kept for `kms.IKey`)
   */
  public addToResourcePolicy(statement: iam.PolicyStatement, allowNoOp?: boolean): iam.AddToResourcePolicyResult {
    // A leading underscore would hide the unused parameter from tsc, but jsii-docgen then documents a
    // Python name (`_allownoop`) the package does not have; the parameter is read here instead.
    void allowNoOp;
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }

  /**
   * Grants the given actions on this key to a principal, with the same IAM and key policy
   * statements as aws-cdk-lib's `kms.Key` (principal policy within the account, key policy as well
   * across accounts or regions).
   *
   * @param grantee the principal
   * @param actions the KMS actions, such as `kms:Decrypt`
   */
  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return this.grants.actions(grantee, ...actions);
  }

  /**
   * Grants decryption with this key to a principal.
   *
   * @param grantee the principal
   */
  public grantDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.grants.decrypt(grantee);
  }

  /**
   * Grants encryption with this key to a principal.
   *
   * @param grantee the principal
   */
  public grantEncrypt(grantee: iam.IGrantable): iam.Grant {
    return this.grants.encrypt(grantee);
  }

  /**
   * Grants encryption and decryption with this key to a principal.
   *
   * @param grantee the principal
   */
  public grantEncryptDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.grants.encryptDecrypt(grantee);
  }

  /**
   * Grants the administrative actions on this key (as aws-cdk-lib's `Key.grantAdmin`), which do not
   * include cryptographic operations.
   *
   * @param grantee the principal
   */
  public grantAdmin(grantee: iam.IGrantable): iam.Grant {
    return this.grants.admin(grantee);
  }

  /**
   * Grants signing with this key to a principal. Part of `kms.IKey`; a key in a CloudHSM key store
   * is a symmetric encryption key, so KMS refuses Sign with it.
   *
   * @param grantee the principal
   */
  public grantSign(grantee: iam.IGrantable): iam.Grant {
    return this.grants.sign(grantee);
  }

  /**
   * Grants signature verification with this key to a principal. Part of `kms.IKey`; a key in a
   * CloudHSM key store is a symmetric encryption key, so KMS refuses Verify with it.
   *
   * @param grantee the principal
   */
  public grantVerify(grantee: iam.IGrantable): iam.Grant {
    return this.grants.verify(grantee);
  }

  /**
   * Grants signing and signature verification with this key to a principal. Part of `kms.IKey`;
   * a key in a CloudHSM key store is a symmetric encryption key, so KMS refuses both with it.
   *
   * @param grantee the principal
   */
  public grantSignVerify(grantee: iam.IGrantable): iam.Grant {
    return this.grants.signVerify(grantee);
  }

  /**
   * Grants generating MACs with this key to a principal. Part of `kms.IKey`; a key in a CloudHSM
   * key store is a symmetric encryption key, so KMS refuses GenerateMac with it.
   *
   * @param grantee the principal
   */
  public grantGenerateMac(grantee: iam.IGrantable): iam.Grant {
    return this.grants.generateMac(grantee);
  }

  /**
   * Grants verifying MACs with this key to a principal. Part of `kms.IKey`; a key in a CloudHSM key
   * store is a symmetric encryption key, so KMS refuses VerifyMac with it.
   *
   * @param grantee the principal
   */
  public grantVerifyMac(grantee: iam.IGrantable): iam.Grant {
    return this.grants.verifyMac(grantee);
  }

  /**
   * Sets what happens to the key when it is removed from the stack (see `removalPolicy`).
   *
   * @param policy the removal policy
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    // The CloudFormation resource is the custom resource's child, not this construct's default child.
    this.resource.applyRemovalPolicy(policy);
  }

  /**
   * aws-cdk-lib's grant logic for keys, given this key: the account root is trusted (the default
   * key policy of CDK v2), so grants within the account go to the principal's policy only.
   */
  private get grants(): kms.KeyGrants {
    return kms.KeyGrants.fromKey(this, true);
  }
}

function pendingWindowDays(window: Duration | undefined): number {
  return window === undefined ? DEFAULT_PENDING_WINDOW_DAYS : window.toDays({ integral: false });
}

const known = (value: string | undefined): value is string => value !== undefined && !Token.isUnresolved(value);

function knownTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k, v]) => known(k) && known(v)));
}

/** Synth-time checks; values that are tokens are left to the handler. */
function validateHsmKey(props: HsmKeyProps): string[] {
  const errors: (string | undefined)[] = [];
  if (known(props.customKeyStoreId)) errors.push(checkCustomKeyStoreId(P.customKeyStoreId, props.customKeyStoreId));
  if (known(props.description)) errors.push(checkDescription(P.description, props.description));
  if (props.pendingWindow !== undefined) {
    const days = props.pendingWindow.toDays({ integral: false });
    if (!Token.isUnresolved(days)) errors.push(checkPendingWindowDays(P.pendingWindow, days));
  }
  return errors.filter((e): e is string => e !== undefined);
}

