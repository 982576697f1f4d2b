import * as path from 'path';
import { Arn, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** Context keys that tune the stack's provider (set in cdk.json or with `node.setContext`). */
export const QUERY_INTERVAL_CONTEXT = '@cdk-cloudhsm/provider:queryIntervalSeconds';
export const TOTAL_TIMEOUT_CONTEXT = '@cdk-cloudhsm/provider:totalTimeoutMinutes';

/** Polls every 10 s: a tenth of the quickest CloudHSM transition, at a few hundred Describe calls an hour. */
export const DEFAULT_QUERY_INTERVAL_SECONDS = 10;
/**
 * An HSM takes up to about 20 minutes to become ACTIVE; 50 minutes leaves margin and still ends
 * before CloudFormation's one-hour custom-resource limit, so the failure comes with our message.
 */
export const DEFAULT_TOTAL_TIMEOUT_MINUTES = 50;
/** The CloudFormation limit for a custom resource (`serviceTimeout`). */
export const SERVICE_TIMEOUT = Duration.seconds(3600);

const PROVIDER_ID = 'CdkCloudHsmProvider';

/** The bundled handler shipped in the package (assets/handler/index.js). */
export const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'handler');

/**
 * The one custom-resource provider of a stack: onEvent and isComplete functions of the bundled
 * handler behind aws-cdk-lib's Provider framework (Step Functions waiter). Every CloudHSM construct
 * of the stack shares it; IAM statements are added once per kind of resource in use.
 */
export class CloudHsmProvider extends Construct {
  /** The stack's provider, created on first use. */
  public static of(scope: Construct): CloudHsmProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(PROVIDER_ID);
    return existing instanceof CloudHsmProvider ? existing : new CloudHsmProvider(stack, PROVIDER_ID);
  }

  /** The service token custom resources use. */
  public readonly serviceToken: string;
  /** The role of the onEvent and isComplete functions. */
  public readonly role: iam.Role;
  /** The polling interval of isComplete. */
  public readonly queryInterval: Duration;

  private readonly enabled = new Set<string>();
  /** Statements whose resources grow with the constructs that use them, by Sid, with the ARNs they name. */
  private readonly scoped = new Map<string, { statement: iam.PolicyStatement; arns: Set<string> }>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const queryIntervalSeconds = numberContext(this, QUERY_INTERVAL_CONTEXT, DEFAULT_QUERY_INTERVAL_SECONDS, 1, 300);
    const totalTimeoutMinutes = numberContext(this, TOTAL_TIMEOUT_CONTEXT, DEFAULT_TOTAL_TIMEOUT_MINUTES, 1, 59);
    this.queryInterval = Duration.seconds(queryIntervalSeconds);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-cloudhsm custom-resource handler',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));

    const code = lambda.Code.fromAsset(HANDLER_ASSET_DIR);
    const fn = (name: string, handler: string) => new lambda.Function(this, name, {
      code,
      handler,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Each invocation is one short step; the SDK's retries with backoff fit well within this.
      timeout: Duration.minutes(2),
      role: this.role,
      logGroup,
      description: `cdk-cloudhsm ${handler}`,
    });
    const onEvent = fn('OnEvent', 'index.onEvent');
    const isComplete = fn('IsComplete', 'index.isComplete');

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: this.queryInterval,
      totalTimeout: Duration.minutes(totalTimeoutMinutes),
      logGroup,
    });
    this.serviceToken = provider.serviceToken;
  }

  /** Permissions to create, update and delete clusters. */
  public enableClusters(): void {
    this.once('clusters', () => {
      this.allowDescribeClusters();
      // CreateCluster names no existing resource; it is allowed only with the tag every create carries.
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'CreateTaggedClusters',
        actions: ['cloudhsm:CreateCluster'],
        resources: ['*'],
        conditions: { Null: { 'aws:RequestTag/cdk-cloudhsm:create-request': 'false' } },
      }));
      this.allow('ManageClusters', [
        'cloudhsm:DeleteCluster', 'cloudhsm:ModifyCluster', 'cloudhsm:TagResource', 'cloudhsm:UntagResource',
      ], [this.cloudHsmArn('cluster'), this.cloudHsmArn('backup')]);
      // The network side of CreateCluster/DeleteCluster: CloudHSM makes the cluster's security group with the caller's rights.
      this.allow('DescribeNetwork', ['ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'ec2:DescribeSecurityGroups'], ['*']);
      this.allow('ClusterSecurityGroup', [
        'ec2:CreateSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupEgress', 'ec2:DeleteSecurityGroup',
      ], [this.ec2Arn('security-group'), this.ec2Arn('vpc')]);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'CloudHsmServiceLinkedRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/cloudhsm.amazonaws.com/AWSServiceRoleForCloudHSM`],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'cloudhsm.amazonaws.com' } },
      }));
    });
  }

  /**
   * Permissions to create and delete HSMs in a cluster: CreateHsm and DeleteHsm are scoped to the
   * ARNs of imported clusters, and to the account's cluster ARNs in this region for clusters this
   * provider creates (their ids exist only once the provider has run).
   *
   * @param clusterArn the ARN of an imported cluster; undefined for a cluster this provider creates
   */
  public enableHsms(clusterArn?: string): void {
    this.once('hsms', () => {
      this.allowDescribeClusters();
      // CreateHsm and DeleteHsm make and remove the HSM's network interface with the caller's rights.
      this.allow('DescribeHsmNetwork', [
        'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
      ], ['*']);
      this.allow('HsmNetworkInterfaces', ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface'], [
        this.ec2Arn('network-interface'), this.ec2Arn('subnet'), this.ec2Arn('security-group'),
      ]);
      this.allow('HsmSecurityGroupRules', [
        'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupEgress',
      ], [this.ec2Arn('security-group')]);
    });
    this.allowOn('ManageHsms', ['cloudhsm:CreateHsm', 'cloudhsm:DeleteHsm'], clusterArn ?? this.cloudHsmArn('cluster'));
  }

  /**
   * Permissions to initialize clusters: InitializeCluster scoped like ManageHsms (the ARN of an
   * imported cluster, or the account's cluster ARNs for a cluster this provider creates) and, for
   * the Private CA form, issuing and reading certificates of that one CA only.
   *
   * @param clusterArn the ARN of an imported cluster; undefined for a cluster this provider creates
   * @param certificateAuthorityArn the ARN of the AWS Private CA that signs the cluster's CSR
   */
  public enableInitialization(clusterArn?: string, certificateAuthorityArn?: string): void {
    this.allowDescribeClusters();
    this.allowOn('InitializeClusters', ['cloudhsm:InitializeCluster'], clusterArn ?? this.cloudHsmArn('cluster'));
    if (certificateAuthorityArn === undefined) return;
    this.allowOn('SignClusterCsr',
      ['acm-pca:IssueCertificate', 'acm-pca:GetCertificate', 'acm-pca:GetCertificateAuthorityCertificate'],
      certificateAuthorityArn);
  }

  /** Allows `actions` on `arn` in the statement `sid`, made on first use; each ARN is added once. */
  private allowOn(sid: string, actions: string[], arn: string): void {
    let entry = this.scoped.get(sid);
    if (!entry) {
      entry = { statement: new iam.PolicyStatement({ sid, actions }), arns: new Set() };
      this.scoped.set(sid, entry);
      this.role.addToPrincipalPolicy(entry.statement);
    }
    if (entry.arns.has(arn)) return;
    entry.arns.add(arn);
    entry.statement.addResources(arn);
  }

  private allowDescribeClusters(): void {
    // DescribeClusters supports no resource-level permissions.
    this.once('describe-clusters', () => this.allow('DescribeClusters', ['cloudhsm:DescribeClusters'], ['*']));
  }

  /**
   * Permissions to copy this stack's region's backups to `destinationRegion` and to manage the
   * copies there (and only there). Call once per BackupCopy; statements are added once per region.
   */
  public enableBackupCopies(destinationRegion: string): void {
    this.once('backup-copies', () => {
      // DescribeBackups supports no resource-level permissions (service authorization reference).
      this.allow('DescribeBackups', ['cloudhsm:DescribeBackups'], ['*']);
      // The copy carries the create-request tag, so CopyBackupToRegion is allowed only with it.
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'CopyBackupsToRegion',
        actions: ['cloudhsm:CopyBackupToRegion'],
        resources: [this.cloudHsmArn('backup')],
        conditions: { Null: { 'aws:RequestTag/cdk-cloudhsm:create-request': 'false' } },
      }));
    });
    this.once(`backup-copies:${destinationRegion}`, () => {
      const n = [...this.enabled].filter((k) => k.startsWith('backup-copies:')).length;
      // TagResource is also what CopyBackupToRegion needs to tag the new copy.
      this.allow(`ManageBackupCopies${n}`, [
        'cloudhsm:DeleteBackup', 'cloudhsm:ModifyBackupAttributes', 'cloudhsm:TagResource', 'cloudhsm:UntagResource',
      ], [this.cloudHsmArn('backup', destinationRegion)]);
    });
  }

  private allow(sid: string, actions: string[], resources: string[]): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources }));
  }

  private once(kind: string, add: () => void): void {
    if (this.enabled.has(kind)) return;
    this.enabled.add(kind);
    add();
  }

  /** `arn:…:cloudhsm:<region>:<account>:<type>/*` of this stack's region and account. */
  public cloudHsmArn(type: 'cluster' | 'backup', region?: string): string {
    return Arn.format({ service: 'cloudhsm', resource: type, resourceName: '*', region }, Stack.of(this));
  }

  private ec2Arn(type: string): string {
    return Arn.format({ service: 'ec2', resource: type, resourceName: '*' }, Stack.of(this));
  }
}

function numberContext(scope: Construct, key: string, fallback: number, min: number, max: number): number {
  const raw = scope.node.tryGetContext(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Context ${key}: ${JSON.stringify(raw)} is not valid; it must be a whole number from ${min} to ${max}`);
  }
  return value;
}
