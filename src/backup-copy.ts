import { Annotations, Arn, CustomResource, ITaggable, Lazy, RemovalPolicy, Resource, Stack, TagManager, TagType, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { IHsmCluster } from './hsm';
import { hsmChainOf } from './private/hsm-chain';
import { P } from './private/property-names';
import { CloudHsmProvider, SERVICE_TIMEOUT } from './private/provider';
import { checkBackupId, checkDestinationRegion, checkOneBackupSource, checkRegion, checkShareWith } from './private/rules';
import { validateTags } from './private/validation';

/** Properties of a `BackupCopy`. */
export interface BackupCopyProps {
  /**
   * The region to copy the backup to, such as `us-west-2`. It must differ from the region of the
   * stack, which is where the source backup lives. Changing it makes a new copy (the old one is
   * kept or deleted according to `removalPolicy`).
   */
  readonly destinationRegion: string;

  /**
   * The backup to copy, such as `backup-2bgw5ybvs7x`, in the stack's region.
   * Give exactly one of `backupId` and `cluster`. Changing it makes a new copy.
   *
   * @default - the newest READY backup of `cluster`
   */
  readonly backupId?: string;

  /**
   * A cluster in the stack's region whose newest READY backup is copied when the BackupCopy is
   * created. The backup is chosen once: later deployments keep that copy until the BackupCopy is
   * replaced (for example by changing `destinationRegion` or giving a new construct id).
   * CloudHSM makes a cluster's first backup when the cluster is activated (then when HSMs are added
   * or removed, and at least daily). A cluster declared in the same app comes first: the copy depends
   * on its HSMs and initialization, waits for its first READY backup for up to half the provider's
   * time-out (25 minutes by default) and then fails with a clear error. A cluster of this app that is
   * not known to be `activated` gets a synth-time warning.
   * Give exactly one of `backupId` and `cluster`.
   *
   * @default - the backup given by `backupId`
   */
  readonly cluster?: IHsmCluster;

  /**
   * Tags of the copy in the destination region, in addition to those set with `Tags.of(...)`.
   * At most 49 tags (CloudHSM allows 50; cdk-cloudhsm uses one). Tags are updated in place.
   *
   * @default - no tags
   */
  readonly tags?: { [key: string]: string };

  /**
   * Exempts the copy from the backup retention policy of the destination region, so it is never
   * deleted automatically. Updated in place (ModifyBackupAttributes).
   *
   * @default false
   */
  readonly neverExpires?: boolean;

  /**
   * Accounts the copy is shared with, by a resource policy on the copy (PutResourcePolicy once the
   * copy is READY): each may describe the copy and restore a cluster from it in the destination
   * region, naming it by its ARN (`destinationBackupArn`) as `sourceBackupId`. These are the actions
   * CloudHSM names for a shared backup ("describe the backup and restore a cluster from the backup in
   * another AWS account"): `cloudhsm:DescribeBackups` and `cloudhsm:CreateCluster`, on this copy only.
   * The policy is kept in step with the list on every deployment; an empty list removes it; so does
   * deleting the copy (removal policy DESTROY). A retained copy keeps its policy.
   * Each restoring account also needs `cloudhsm:CreateCluster` in its own IAM policies.
   *
   * @default - the copy is not shared, and its resource policy is left as it is
   */
  readonly shareWith?: string[];

  /**
   * What happens to the copy when it is removed from the stack or replaced. The copy holds the
   * cluster's key material (encrypted), so the default keeps it (except when the deployment that
   * created it fails and rolls back, which deletes it). With `RemovalPolicy.DESTROY` the
   * copy is deleted with DeleteBackup: CloudHSM then keeps it in the `PENDING_DELETION` state for
   * 7 days, during which it can be restored (RestoreBackup), before deleting it for good.
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A copy of a CloudHSM cluster backup in another region, for disaster recovery: a cluster can be
 * restored from it in the destination region (`HsmCluster` with `sourceBackupId`).
 *
 * Created by a custom resource (`Custom::CloudHsmBackupCopy`) that calls CopyBackupToRegion in
 * the stack's region and waits until the copy is READY in the destination region. Copied backups
 * get no retention policy of their own; set `neverExpires` to exempt the copy from the destination
 * region's retention. Tags (`tags` and `Tags.of(...)`) and `neverExpires` are updated in place; a
 * different source or destination region makes a new copy.
 *
 * The copy is retained by default when removed from the stack. When it is deleted (removal policy
 * DESTROY), CloudHSM keeps it `PENDING_DELETION` for 7 days, during which RestoreBackup brings it back.
 *
 * @example
 * const copy = new BackupCopy(stack, 'DrCopy', {
 *   cluster: cluster,
 *   destinationRegion: 'us-west-2',
 *   neverExpires: true,
 * });
 * new CfnOutput(stack, 'DrBackupId', { value: copy.destinationBackupId });
 */
export class BackupCopy extends Resource implements ITaggable {
  /**
   * The id of the copy in the destination region, such as `backup-4xbk3jkbfso`.
   * @attribute
   */
  public readonly destinationBackupId: string;

  /**
   * The ARN of the copy in the destination region.
   * @attribute
   */
  public readonly destinationBackupArn: string;

  /**
   * The id of the backup that was copied (with `cluster`, the backup chosen at deploy time).
   * @attribute
   */
  public readonly sourceBackupId: string;

  /** The region the copy is in. */
  public readonly destinationRegion: string;

  /** Tags of the copy; use `Tags.of(copy)` to add them. */
  public readonly tags: TagManager;

  private readonly resource: CustomResource;
  /** The accounts the copy is shared with; undefined while sharing is not managed. */
  private shareWith?: string[];

  constructor(scope: Construct, id: string, props: BackupCopyProps) {
    super(scope, id);
    const errors = validateBackupCopy(this, props);
    if (errors.length > 0) throw new Error(`BackupCopy ${this.node.path}: ${errors.join('; ')}`);

    this.destinationRegion = props.destinationRegion;
    this.tags = new TagManager(TagType.KEY_VALUE, 'Custom::CloudHsmBackupCopy', props.tags);

    const provider = CloudHsmProvider.of(this);
    provider.enableBackupCopies(props.destinationRegion);
    if (props.shareWith !== undefined) this.manageSharing(props.shareWith);
    // Half of the provider's time-out: the other half is left for the copy itself.
    const firstBackupWaitMinutes = Math.floor(provider.totalTimeout.toMinutes() / 2);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CloudHsmBackupCopy',
      serviceTimeout: SERVICE_TIMEOUT,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      properties: {
        DestinationRegion: props.destinationRegion,
        BackupId: props.backupId,
        ClusterId: props.cluster?.clusterId,
        NeverExpires: props.neverExpires ?? false,
        Tags: Lazy.any({ produce: () => this.tags.renderTags() }, { omitEmptyArray: true }),
        FirstBackupWaitMinutes: props.cluster ? firstBackupWaitMinutes : undefined,
        ShareWith: Lazy.list({ produce: () => this.shareWith && [...new Set(this.shareWith)].sort() }),
      },
    });
    if (props.cluster) this.awaitFirstBackup(props.cluster, firstBackupWaitMinutes);

    this.destinationBackupId = this.resource.getAttString('DestinationBackupId');
    this.sourceBackupId = props.backupId ?? this.resource.getAttString('SourceBackupId');
    this.destinationBackupArn = Arn.format({
      service: 'cloudhsm', resource: 'backup', resourceName: this.destinationBackupId, region: props.destinationRegion,
    }, Stack.of(this));
    // Tags arrive through aspects after construction, so they are checked at validation time.
    this.node.addValidation({ validate: () => validateTags(P.tags, this.tags.tagValues()) });
  }

  /**
   * Shares the copy with another account: it may describe the copy and restore a cluster from it
   * (`cloudhsm:DescribeBackups` and `cloudhsm:CreateCluster` in the copy's resource policy), as
   * `shareWith` does.
   *
   * @param account the id of the account that restores from the copy (12 digits)
   */
  public grantRestore(account: string): void {
    this.manageSharing([account]);
  }

  /** Adds accounts to the copy's resource policy, and the provider's rights to manage that policy in the destination region. */
  private manageSharing(accounts: readonly string[]): void {
    const errors = checkShareWith(P.shareWith, accounts.filter((a) => known(a)), known(Stack.of(this).account) ? Stack.of(this).account : undefined);
    if (errors.length > 0) throw new Error(`BackupCopy ${this.node.path}: ${errors.join('; ')}`);
    this.shareWith = [...(this.shareWith ?? []), ...accounts];
    CloudHsmProvider.of(this).enableBackupSharing(this.destinationRegion);
  }

  /**
   * A cluster of this app has no backup until it is activated: the copy comes after its HSMs and
   * initialization, and a cluster not known to be activated gets a warning.
   */
  private awaitFirstBackup(cluster: IHsmCluster, waitMinutes: number): void {
    const chain = hsmChainOf(cluster);
    if (!chain.createdByProvider) return;
    chain.onBackupMaker((resource) => this.resource.node.addDependency(resource));
    if (!chain.canHoldSeveral) {
      Annotations.of(this).addWarningV2('@cdk-cloudhsm:backupCopyBeforeActivation',
        `${this.node.path} copies the newest backup of cluster ${cluster.node.path}, which is not known to be activated. `
        + 'CloudHSM makes the first backup of a cluster when it is activated (then when HSMs are added or removed, and at least daily), '
        + 'and activation is done with the CloudHSM CLI. A deployment that creates the copy before then waits up to '
        + `${waitMinutes} minutes for that backup and then fails; the rollback of a first deployment deletes the new cluster. `
        + 'Deploy the cluster, initialize and activate it and set activated: true before adding the copy, or copy a given backupId.');
    }
  }

  /**
   * Sets what happens to the copy when it is removed from the stack or replaced (see `removalPolicy`).
   *
   * @param policy the removal policy
   */
  public applyRemovalPolicy(policy: RemovalPolicy): void {
    // The CloudFormation resource is the custom resource's child, not this construct's default child.
    this.resource.applyRemovalPolicy(policy);
  }
}

const known = (value: string | undefined): value is string => value !== undefined && !Token.isUnresolved(value);

/** The synth-time checks of a BackupCopy; values that are tokens are left to the handler. */
function validateBackupCopy(scope: Construct, props: BackupCopyProps): string[] {
  const sourceRegion = Stack.of(scope).region;
  const errors = [checkOneBackupSource(props.backupId !== undefined, props.cluster !== undefined)];
  if (known(props.destinationRegion)) {
    errors.push(checkRegion(P.destinationRegion, props.destinationRegion));
    if (known(sourceRegion)) errors.push(checkDestinationRegion(P.destinationRegion, props.destinationRegion, sourceRegion));
  }
  if (known(props.backupId)) errors.push(checkBackupId(P.backupId, props.backupId));
  const clusterRegion = props.cluster?.env.region;
  if (known(clusterRegion) && known(sourceRegion) && clusterRegion !== sourceRegion) {
    errors.push(`${P.cluster}: ${props.cluster!.node.path} is in ${clusterRegion}, but the BackupCopy's stack is in ${sourceRegion}; `
      + 'declare the BackupCopy in a stack of the cluster\'s region (the copy is made from there)');
  }
  return errors.filter((e): e is string => e !== undefined);
}
