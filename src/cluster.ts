import {
  CfnOutput, CustomResource, Duration, ITaggable, Lazy, RemovalPolicy, Stack, TagManager, TagType,
} from 'aws-cdk-lib';
import * as cloudhsm from 'aws-cdk-lib/aws-cloudhsm';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ClusterActivationOptions } from './activation';
import { IHsmAdminHost } from './admin-host';
import { CfnClusterImportOptions, HsmClusterAttributes } from './cluster-attributes';
import { IHsmCluster } from './hsm';
import { ClusterInitialization, ClusterInitializationConfig } from './initialization';
import { Activation, addActivation } from './private/activation-resource';
import { clusterArnOf, HSM_CLIENT_PORT_RANGE, HsmClusterBase } from './private/cluster-base';
import { ruleNeedingHsms } from './private/empty-fleet';
import { hsmChainOf } from './private/hsm-chain';
import { importCluster } from './private/imported-cluster';
import { P } from './private/property-names';
import { CloudHsmProvider, SERVICE_TIMEOUT } from './private/provider';
import {
  validateClusterSubnets, validateHsmType, validateRetention, validateSourceBackupId, validateTags,
} from './private/validation';
import { warnUnsupportedZones } from './private/zone-warning';
import { ClusterMode, HsmType, NetworkType } from './types';

// The HsmCluster construct; what it shares with imported clusters (grants, metrics, HSMs) is in
// private/cluster-base.ts, the imported cluster in private/imported-cluster.ts.
export * from './cluster-attributes';
export { HSM_CLIENT_PORT_RANGE } from './private/cluster-base';

/** Properties of an `HsmCluster`. */
export interface HsmClusterProps {
  /** The VPC of the cluster's HSM network interfaces. */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets of the cluster: 1 to 10, at most one per Availability Zone. HSMs can be placed in
   * the Availability Zones of these subnets only. Changing them needs a new cluster (see `allowReplacement`).
   *
   * @default - the VPC's private subnets, one per Availability Zone
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The type of the cluster's HSMs. Can be changed later (ModifyCluster), where the service supports the migration.
   *
   * @default HsmType.HSM2M_MEDIUM
   */
  readonly hsmType?: HsmType;

  /**
   * The FIPS mode of the cluster. Set at creation.
   *
   * @default - the service's default (FIPS)
   */
  readonly mode?: ClusterMode;

  /**
   * The IP address family of the cluster's HSMs. Set at creation.
   *
   * @default - the service's default (IPV4)
   */
  readonly networkType?: NetworkType;

  /**
   * How long CloudHSM keeps the cluster's backups: whole days from 7 to 379.
   * Removing this property later leaves the cluster's current retention as it is.
   *
   * @default - the service's default (90 days)
   */
  readonly backupRetention?: Duration;

  /**
   * A backup to restore the cluster from (backup id, or backup ARN for another account). Set at creation.
   * Another account's backup is named by its ARN, `arn:aws:cloudhsm:<region>:<account>:backup/<id>`, in
   * the cluster's region (checked at synth where both are known), and restores only while that
   * backup's resource policy allows this account (for example a `BackupCopy` with `shareWith`).
   *
   * @default - a new, empty cluster
   */
  readonly sourceBackupId?: string;

  /**
   * What happens to the cluster when it is removed from the stack or replaced.
   * The cluster holds key material, so the default keeps it; only when the stack's first
   * deployment fails and rolls back is a cluster that deployment made deleted, so a failed
   * deployment leaves no empty cluster behind.
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Allows a change of a create-only property (subnets, mode, network type, source backup) to
   * create a new cluster. Without it such a change fails the deployment with an error naming the property.
   * The old cluster is then kept or deleted according to `removalPolicy`.
   *
   * @default false
   */
  readonly allowReplacement?: boolean;

  /**
   * Whether the cluster has been initialized and activated, so it can hold more than one HSM and
   * has a backup. Set it after activating the cluster, when adding the second HSM or a `BackupCopy`
   * of the cluster; it only silences the synth-time warnings about the one-HSM-until-activated rule
   * and about copying the backup of a cluster that has none yet. A cluster restored from a backup
   * (`sourceBackupId`) is active from the start.
   *
   * @default - true when `sourceBackupId` is set, otherwise false
   */
  readonly activated?: boolean;

  /**
   * Initializes the cluster once its first HSM is there: its CSR is signed and InitializeCluster
   * called, so one deployment takes the cluster to INITIALIZED. Same as calling `initialize`.
   * The cluster must have at least one HSM (`addHsm`).
   *
   * @default - the cluster stays UNINITIALIZED; initialize it yourself with its first HSM's `clusterCsr`
   */
  readonly initialization?: ClusterInitialization;

  /**
   * Activates the cluster once it is initialized: an admin host in the VPC runs the CloudHSM CLI's
   * `cluster activate` (SSM Run Command) with an admin password from Secrets Manager, and the
   * cluster's other HSMs follow in the same deployment. Same as calling `activate`. Needs `initialization`.
   *
   * @default - the cluster stays INITIALIZED; activate it yourself with the CloudHSM CLI
   */
  readonly activation?: ClusterActivationOptions;

  /**
   * Whether the cluster may have no HSM in a deployment: scaled to zero to save the HSMs' hourly
   * cost, and back later. An ACTIVE cluster keeps its backups without HSMs; its first new HSM is
   * created alone from the latest READY backup (with its users and keys), then the others together.
   *
   * With it, the synth-time rules that need HSMs (the initialization needs the first HSM; a key store
   * and its keys need two ACTIVE HSMs) are warnings (`@cdk-cloudhsm:zeroHsms`) when the cluster has
   * none, since an earlier deployment may have done those steps; a first deployment without HSMs
   * still fails. A key store on the cluster is disconnected before its last HSM goes and connected
   * again once HSMs are back. Initialization, activation and the admin secret are not touched.
   * docs/operations.md ("Scaling to zero") has the way down and back and the cost figures.
   *
   * @default false
   */
  readonly allowZeroHsms?: boolean;
}

/**
 * An AWS CloudHSM v2 cluster, created and updated through a custom resource
 * (`Custom::CloudHsmCluster`) that waits for the cluster to settle.
 *
 * Tags set with `Tags.of(...)` are applied to the cluster. The cluster is retained by default when
 * removed from the stack, because it holds key material.
 *
 * @example
 * const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
 * const cluster = new HsmCluster(stack, 'Cluster', {
 *   vpc: vpc,
 *   backupRetention: Duration.days(30),
 * });
 * cluster.connections.allowDefaultPortFrom(appServer, 'the application server');
 */
export class HsmCluster extends HsmClusterBase implements ITaggable {
  /**
   * Imports an existing cluster. HSMs can be added to it (`addHsm`). Given its `adminSecret`,
   * `trustAnchor`, `vpc` and `securityGroupId`, an ACTIVE cluster can also have a KMS key store
   * (`new HsmKeyStore(this, 'KeyStore', { cluster })`) and keys: the stack makes an admin host in
   * the VPC when the key store needs it (docs/existing-clusters.md).
   *
   * @param scope the parent construct
   * @param id the construct id
   * @param attrs what identifies the cluster, and the admin access to it
   */
  public static fromClusterAttributes(scope: Construct, id: string, attrs: HsmClusterAttributes): IHsmCluster {
    return importCluster(scope, id, attrs);
  }

  /**
   * Uses a cluster declared with aws-cdk-lib's native `CfnCluster` (AWS::CloudHSM::Cluster), so HSMs
   * can be added to it with `addHsm` or `new Hsm(...)`. Its subnets are not known as constructs here,
   * so HSMs without an `availabilityZone` go to the AZ with the fewest HSMs at deploy time.
   *
   * @param scope the parent construct
   * @param id the construct id
   * @param cfnCluster the native cluster resource
   * @param options what else is known about the cluster
   */
  public static fromCfnCluster(scope: Construct, id: string, cfnCluster: cloudhsm.CfnCluster,
    options: CfnClusterImportOptions = {}): IHsmCluster {
    return HsmCluster.fromClusterAttributes(scope, id, {
      clusterId: cfnCluster.attrClusterId,
      securityGroupId: cfnCluster.attrSecurityGroup,
      activated: options.activated,
    });
  }

  public readonly clusterId: string;
  public readonly clusterArn: string;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;

  /**
   * The id of the VPC of the cluster.
   * @attribute
   */
  public readonly vpcId: string;

  /** The VPC of the cluster. */
  public readonly vpc: ec2.IVpc;

  /** The subnets of the cluster, one per Availability Zone. */
  public readonly subnets: ec2.ISubnet[];

  /** The type of the cluster's HSMs. */
  public readonly hsmType: HsmType;

  /** Tags of the cluster; use `Tags.of(cluster)` to add them. */
  public readonly tags: TagManager;

  /** The custom resource behind the cluster. */
  private readonly resource: CustomResource;

  /** The `Custom::CloudHsmClusterInitialization` resource, once `initialize` was called. */
  private initResource?: CustomResource;
  private initConfig?: ClusterInitializationConfig;
  private activationState?: Activation;
  private readonly removalPolicy: RemovalPolicy;
  /** Restored from a backup (`sourceBackupId`): ACTIVE with the backup's users. */
  private readonly restored: boolean;

  constructor(scope: Construct, id: string, props: HsmClusterProps) {
    super(scope, id);
    this.vpc = props.vpc;
    this.hsmType = props.hsmType ?? HsmType.HSM2M_MEDIUM;
    this.subnets = props.vpc.selectSubnets(props.vpcSubnets ?? { onePerAz: true }).subnets;
    this.tags = new TagManager(TagType.KEY_VALUE, 'Custom::CloudHsmCluster');
    const chain = hsmChainOf(this);
    chain.activated = props.activated ?? props.sourceBackupId !== undefined;
    chain.createdByProvider = true;
    chain.mayBeEmpty = props.allowZeroHsms ?? false;

    const provider = CloudHsmProvider.of(this);
    provider.enableClusters();
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    this.restored = props.sourceBackupId !== undefined;

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CloudHsmCluster',
      serviceTimeout: SERVICE_TIMEOUT,
      removalPolicy: this.removalPolicy,
      properties: {
        HsmType: this.hsmType.name,
        SubnetIds: this.subnets.map((s) => s.subnetId),
        SourceBackupId: props.sourceBackupId,
        BackupRetentionDays: props.backupRetention?.toDays({ integral: false }),
        Mode: props.mode,
        NetworkType: props.networkType,
        Tags: Lazy.any({ produce: () => this.tags.renderTags() }, { omitEmptyArray: true }),
        AllowReplacement: props.allowReplacement ?? false,
      },
    });

    this.clusterId = this.resource.ref;
    this.clusterArn = clusterArnOf(this, this.clusterId);
    this.vpcId = this.resource.getAttString('VpcId');
    this.securityGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup',
      this.resource.getAttString('SecurityGroupId'), { allowAllOutbound: true, mutable: true });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: HSM_CLIENT_PORT_RANGE });

    const errors = [
      ...validateHsmType(P.hsmType, this.hsmType.name),
      ...validateClusterSubnets(P.vpcSubnets, props.vpc, this.subnets),
      ...validateRetention(P.backupRetention, props.backupRetention),
      ...validateSourceBackupId(P.sourceBackupId, props.sourceBackupId, Stack.of(this).region),
    ];
    if (errors.length > 0) throw new Error(`HsmCluster ${this.node.path}: ${errors.join('; ')}`);
    warnUnsupportedZones(this, this.subnets);
    // Tags arrive through aspects after construction, so they are checked at validation time.
    this.node.addValidation({ validate: () => validateTags(P.tags, this.tags.tagValues()) });
    if (props.initialization) this.initialize(props.initialization);
    if (props.activation) this.activate(props.activation);
  }

  /**
   * Activates the cluster from the stack: a `Custom::CloudHsmActivation` resource waits until the
   * cluster is INITIALIZED and the admin host is online in SSM, runs `cluster activate` there with
   * SSM Run Command (the host reads the admin password from Secrets Manager itself) and waits until
   * the cluster is ACTIVE. HSMs after the first are created after it, in the same deployment.
   * A cluster that is already ACTIVE counts as done once the admin host has checked that the admin
   * secret logs in as admin (one login; a secret that does not fails the deployment, saying so);
   * removing the activation changes nothing in AWS.
   * Call it before adding the second HSM.
   *
   * @param options the admin host and the admin password secret
   */
  public activate(options: ClusterActivationOptions = {}): void {
    if (this.activationState) throw new Error(`HsmCluster ${this.node.path}: activation: the cluster is already activated by this stack`);
    // The initialization's next step is activation, which the stack now does.
    this.node.tryRemoveChild('InitializationNextStep');
    this.activationState = addActivation({
      cluster: this,
      vpc: this.vpc,
      removalPolicy: this.removalPolicy,
      initialization: this.initResource && this.initConfig ? { resource: this.initResource, config: this.initConfig } : undefined,
      restored: this.restored,
    }, options);
  }

  /**
   * The secret with the admin password, once the stack activates the cluster (`activation`).
   * Grant read access to it with `adminSecret.grantRead(...)`.
   */
  public get adminSecret(): secretsmanager.ISecret {
    if (!this.activationState) throw new Error(`HsmCluster ${this.node.path}: adminSecret is known only for a cluster this stack activates (activation)`);
    return this.activationState.adminSecret;
  }

  /** The admin host, once the stack activates the cluster (`activation`). */
  public get adminHost(): IHsmAdminHost {
    if (!this.activationState) throw new Error(`HsmCluster ${this.node.path}: adminHost is known only for a cluster this stack activates (activation)`);
    return this.activationState.host;
  }

  /**
   * Initializes the cluster from the stack: a `Custom::CloudHsmClusterInitialization` resource that
   * depends on the cluster's first HSM, waits for its CSR, has it signed (or takes the certificates
   * given), calls InitializeCluster and waits until the cluster is INITIALIZED. A cluster that is
   * already initialized (or active) counts as done.
   *
   * Initialization cannot be undone: removing the resource (or the stack) changes nothing in AWS.
   * Activation is left to you (CloudHSM CLI, from a client in the VPC; the stack output
   * `...InitializationNextStep` says so), unless the stack activates the cluster too (`activation`).
   *
   * @param initialization how the CSR is signed
   */
  public initialize(initialization: ClusterInitialization): void {
    if (this.initResource) throw new Error(`HsmCluster ${this.node.path}: the cluster is already initialized by this stack`);
    const chain = hsmChainOf(this);
    const config = initialization.bind();
    this.initConfig = config;
    const provider = CloudHsmProvider.of(this);
    provider.enableInitialization(undefined, config.certificateAuthorityArn);

    const resource = new CustomResource(this, 'Initialization', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CloudHsmClusterInitialization',
      serviceTimeout: SERVICE_TIMEOUT,
      properties: {
        ClusterId: this.clusterId,
        CertificateAuthorityArn: config.certificateAuthorityArn,
        ValidityDays: config.validityDays,
        SignedCert: config.signedCertificate,
        TrustAnchor: config.trustAnchor,
        // Given certificates only: the first HSM's physical id (it names its ENI) tells the handler whether the
        // service replaced that HSM, and so the CSR, before initialization (lambda/initialization.ts).
        FirstHsm: config.certificateAuthorityArn === undefined ? Lazy.string({ produce: () => firstHsm }) : undefined,
      },
    });
    this.initResource = resource;
    this.initConfig = config;
    chain.addBackupMaker(resource);
    // The CSR appears with the first HSM; HSMs declared later are created after initialization only if activated.
    let firstHsm: string | undefined;
    chain.onFirstHsm((hsm) => {
      resource.node.addDependency(hsm);
      firstHsm = hsm.ref;
    });
    this.node.addValidation({
      validate: () => ruleNeedingHsms(this, chain,
        `HsmCluster ${this.node.path}: initialization needs an HSM in the cluster (its CSR appears with the first HSM); add one with addHsm`,
        'The initialization of an earlier deployment stands; a first deployment fails here (its CSR appears with the first HSM).'),
    });
    new CfnOutput(this, 'InitializationNextStep', {
      description: `What is left to do for the CloudHSM cluster ${this.node.path}`,
      value: resource.getAttString('NextStep'),
    });
  }

  /**
   * The cluster certificate (PEM): the signed certificate given to `ClusterInitialization.fromCertificates`,
   * which InitializeCluster makes the cluster's certificate.
   *
   * Not available with `ClusterInitialization.fromPrivateCa`: the certificate is issued at deploy time
   * and CloudFormation limits what a custom resource returns to 4096 bytes, which a certificate chain
   * can exceed. Read it with DescribeClusters (`Certificates.ClusterCertificate`) or from the Private CA.
   */
  public get clusterCertificate(): string {
    const certificate = this.initConfig?.signedCertificate;
    if (certificate === undefined) {
      throw new Error(`HsmCluster ${this.node.path}: clusterCertificate is known only for a cluster this stack initializes with `
        + 'ClusterInitialization.fromCertificates. A certificate issued by AWS Private CA is not returned through CloudFormation '
        + '(custom-resource responses are limited to 4096 bytes); read it with DescribeClusters (Certificates.ClusterCertificate).');
    }
    return certificate;
  }

  /**
   * The state of the cluster when the deployment finished, such as `UNINITIALIZED` or `ACTIVE`:
   * once the stack activates it (`activation`), the state after the activation.
   * @attribute
   */
  public get clusterState(): string {
    return (this.activationState?.resource ?? this.resource).getAttString('State');
  }
}
