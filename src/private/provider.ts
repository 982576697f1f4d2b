import * as path from 'path';
import { Arn, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { addNagSuppressions, resourceFinding } from './nag';
import { handlerRuntime } from './runtime';

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
  /** How long the provider waits for one resource before it fails it. */
  public readonly totalTimeout: Duration;

  private readonly enabled = new Set<string>();
  /** Statements whose resources grow with the constructs that use them, by Sid, with the ARNs they name. */
  private readonly scoped = new Map<string, { statement: iam.PolicyStatement; arns: Set<string> }>();
  /** For each wildcard resource of the handler role: the cdk-nag finding and why each statement needs it. */
  private readonly wildcards = new Map<string, { finding: string; reasons: Set<string> }>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const queryIntervalSeconds = numberContext(this, QUERY_INTERVAL_CONTEXT, DEFAULT_QUERY_INTERVAL_SECONDS, 1, 300);
    const totalTimeoutMinutes = numberContext(this, TOTAL_TIMEOUT_CONTEXT, DEFAULT_TOTAL_TIMEOUT_MINUTES, 1, 59);
    this.queryInterval = Duration.seconds(queryIntervalSeconds);
    this.totalTimeout = Duration.minutes(totalTimeoutMinutes);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = lambdaRole(this, 'HandlerRole', 'cdk-cloudhsm custom-resource handler', logGroup);
    // The framework's functions get roles of their own too: only their invoke rights and log writes,
    // instead of the managed AWSLambdaBasicExecutionRole (logs on every log group of the account).
    const frameworkOnEventRole = lambdaRole(this, 'FrameworkOnEventRole', 'cdk-cloudhsm provider framework onEvent', logGroup);
    // A second role: the waiter's functions must not share the onEvent role (dependency cycle).
    const frameworkWaiterRole = lambdaRole(this, 'FrameworkWaiterRole', 'cdk-cloudhsm provider framework isComplete and onTimeout', logGroup);

    const code = lambda.Code.fromAsset(HANDLER_ASSET_DIR);
    const runtime = handlerRuntime();
    const fn = (name: string, handler: string) => new lambda.Function(this, name, {
      code,
      handler,
      runtime,
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
      totalTimeout: this.totalTimeout,
      logGroup,
      frameworkOnEventRole,
      frameworkCompleteAndTimeoutRole: frameworkWaiterRole,
    });
    this.serviceToken = provider.serviceToken;
    explainFrameworkFindings(provider, [onEvent, isComplete], [frameworkOnEventRole, frameworkWaiterRole]);
  }

  /** Permissions to create, update and delete clusters. */
  public enableClusters(): void {
    this.once('clusters', () => {
      this.allowDescribeClusters();
      this.allow({
        sid: 'CreateTaggedClusters',
        actions: ['cloudhsm:CreateCluster'],
        resources: ['*'],
        conditions: { Null: { 'aws:RequestTag/cdk-cloudhsm:create-request': 'false' } },
        why: 'CreateCluster names no existing resource; it is allowed only with the cdk-cloudhsm:create-request tag every create of this provider carries.',
      });
      this.allow({
        sid: 'ManageClusters',
        actions: ['cloudhsm:DeleteCluster', 'cloudhsm:ModifyCluster', 'cloudhsm:TagResource', 'cloudhsm:UntagResource'],
        resources: [this.cloudHsmArn('cluster')],
        why: CLUSTER_ID_UNKNOWN,
      });
      // The network side of CreateCluster/DeleteCluster: CloudHSM makes the cluster's security group with the caller's rights.
      this.allow({
        sid: 'DescribeNetwork',
        actions: ['ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'ec2:DescribeSecurityGroups'],
        resources: ['*'],
        why: EC2_DESCRIBE,
      });
      this.allow({
        sid: 'ClusterSecurityGroup',
        actions: [
          'ec2:CreateSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupEgress', 'ec2:DeleteSecurityGroup',
        ],
        resources: [this.ec2Arn('security-group'), this.ec2Arn('vpc')],
        why: 'CloudHSM creates and deletes the cluster\'s security group with the caller\'s rights during CreateCluster and DeleteCluster (dependent actions in the Service Authorization Reference); its id exists only then. Limited to this account and region.',
      });
      this.allow({
        sid: 'CloudHsmServiceLinkedRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/cloudhsm.amazonaws.com/AWSServiceRoleForCloudHSM`],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'cloudhsm.amazonaws.com' } },
      });
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
      this.allow({
        sid: 'DescribeHsmNetwork',
        actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
        resources: ['*'],
        why: EC2_DESCRIBE,
      });
      this.allow({
        sid: 'HsmNetworkInterfaces',
        actions: ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface'],
        resources: [this.ec2Arn('network-interface'), this.ec2Arn('subnet'), this.ec2Arn('security-group')],
        why: HSM_NETWORK,
      });
      this.allow({
        sid: 'HsmSecurityGroupRules',
        actions: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupEgress'],
        resources: [this.ec2Arn('security-group')],
        why: HSM_NETWORK,
      });
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

  /**
   * Permissions to activate clusters through an admin host: SSM Run Command's AWS-RunShellScript on
   * that instance only, and reading the commands' outcome. The handler never reads the admin password.
   *
   * @param instanceArn the ARN of the admin host
   */
  public enableActivation(instanceArn: string): void {
    this.allowDescribeClusters();
    this.once('activation', () => {
      this.allowOn('SendActivationCommands', ['ssm:SendCommand'],
        Arn.format({ service: 'ssm', resource: 'document', resourceName: 'AWS-RunShellScript', account: '' }, Stack.of(this)));
      this.allow({
        sid: 'ReadActivationCommands',
        actions: ['ssm:ListCommands', 'ssm:GetCommandInvocation', 'ssm:DescribeInstanceInformation'],
        resources: ['*'],
        why: 'ssm:ListCommands, ssm:GetCommandInvocation and ssm:DescribeInstanceInformation support no resource-level permissions (Service Authorization Reference); they only read command status and agent status.',
      });
    });
    this.allowOn('SendActivationCommands', ['ssm:SendCommand'], instanceArn);
  }

  /**
   * Permissions to manage KMS custom key stores (AWS_CLOUDHSM) through an admin host: the key store
   * actions (KMS offers no resource-level permissions for them), the service-linked role KMS needs
   * for CloudHSM key stores, and reading the kmsuser password secret (only that secret) for
   * CreateCustomKeyStore. The host commands are the activation's (`enableActivation`).
   *
   * @param instanceArn the ARN of the admin host
   * @param kmsUserSecret the secret with the kmsuser password
   */
  public enableKeyStores(instanceArn: string, kmsUserSecret: secretsmanager.ISecret): void {
    this.enableActivation(instanceArn);
    this.once('key-stores', () => {
      this.allow({
        sid: 'ManageCustomKeyStores',
        actions: [
          'kms:CreateCustomKeyStore', 'kms:ConnectCustomKeyStore', 'kms:DisconnectCustomKeyStore',
          'kms:UpdateCustomKeyStore', 'kms:DeleteCustomKeyStore', 'kms:DescribeCustomKeyStores',
        ],
        resources: ['*'],
        why: 'KMS custom key store actions support no resource-level permissions (Service Authorization Reference; KMS permissions reference: IAM policy, resource *); a custom key store has no ARN.',
      });
      this.allow({
        sid: 'KmsCustomKeyStoresServiceLinkedRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/cks.kms.amazonaws.com/AWSServiceRoleForKeyManagementServiceCustomKeyStores`],
        conditions: { StringEquals: { 'iam:AWSServiceName': 'cks.kms.amazonaws.com' } },
      });
    });
    this.allowOn('ReadKmsUserSecrets', ['secretsmanager:GetSecretValue'], secretArnForPolicies(kmsUserSecret));
    // The secret's own KMS key, if it has one, decrypts it for Secrets Manager only (as secret.grantRead grants it).
    kmsUserSecret.encryptionKey?.grantDecrypt(
      new kms.ViaServicePrincipal(`secretsmanager.${Stack.of(this).region}.amazonaws.com`, this.role));
  }

  /**
   * Allows `actions` on `arn` in the statement `sid`, made on first use; each ARN is added once.
   * The only wildcard `arn` can be is the account's `cluster/*`, for clusters of this stack.
   */
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
    this.explainWildcards(sid, [arn], CLUSTER_ID_UNKNOWN);
  }

  private allowDescribeClusters(): void {
    this.once('describe-clusters', () => this.allow({
      sid: 'DescribeClusters',
      actions: ['cloudhsm:DescribeClusters'],
      resources: ['*'],
      why: 'cloudhsm:DescribeClusters supports no resource-level permissions (Service Authorization Reference).',
    }));
  }

  /**
   * Permissions to copy this stack's region's backups to `destinationRegion` and to manage the
   * copies there (and only there). Call once per BackupCopy; statements are added once per region.
   */
  public enableBackupCopies(destinationRegion: string): void {
    this.once('backup-copies', () => {
      this.allow({
        sid: 'DescribeBackups',
        actions: ['cloudhsm:DescribeBackups'],
        resources: ['*'],
        why: 'cloudhsm:DescribeBackups supports no resource-level permissions (Service Authorization Reference).',
      });
      // The copy carries the create-request tag, so CopyBackupToRegion is allowed only with it.
      this.allow({
        sid: 'CopyBackupsToRegion',
        actions: ['cloudhsm:CopyBackupToRegion'],
        resources: [this.cloudHsmArn('backup')],
        conditions: { Null: { 'aws:RequestTag/cdk-cloudhsm:create-request': 'false' } },
        why: 'The backup to copy is chosen at deploy time (the cluster\'s newest READY backup) or names a backup the service made; backups of this account and region only, and only with the create-request tag.',
      });
    });
    this.once(`backup-copies:${destinationRegion}`, () => {
      const n = [...this.enabled].filter((k) => k.startsWith('backup-copies:')).length;
      // TagResource is also what CopyBackupToRegion needs to tag the new copy.
      this.allow({
        sid: `ManageBackupCopies${n}`,
        actions: ['cloudhsm:DeleteBackup', 'cloudhsm:ModifyBackupAttributes', 'cloudhsm:TagResource', 'cloudhsm:UntagResource'],
        resources: [this.cloudHsmArn('backup', destinationRegion)],
        why: 'A copy\'s backup id is assigned by the service in the destination region when CopyBackupToRegion runs; backups of this account in the destination region(s) only.',
      });
    });
  }

  /**
   * Permissions to create KMS keys in CloudHSM key stores and to manage them: CreateKey only with
   * Origin AWS_CLOUDHSM and the create-request tag; changes and deletion only on keys that carry
   * that tag (keys this provider made); reads on the account's keys in this region.
   */
  public enableKmsKeys(): void {
    this.once('kms-keys', () => {
      this.allow({
        sid: 'CreateKmsKeysInKeyStores',
        actions: ['kms:CreateKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:KeyOrigin': 'AWS_CLOUDHSM' },
          Null: { 'aws:RequestTag/cdk-cloudhsm:create-request': 'false' },
        },
        why: 'kms:CreateKey names no existing resource (Service Authorization Reference); it is allowed only for keys in a CloudHSM key store (kms:KeyOrigin AWS_CLOUDHSM) with the cdk-cloudhsm:create-request tag every create of this provider carries.',
      });
      // CreateKey with Tags needs kms:TagResource on the new key, whose id exists only then.
      this.allow({
        sid: 'TagNewKmsKeys',
        actions: ['kms:TagResource'],
        resources: [this.kmsKeyArn()],
        conditions: { Null: { 'aws:RequestTag/cdk-cloudhsm:create-request': 'false' } },
        why: KMS_KEY_ID_UNKNOWN,
      });
      this.allow({
        sid: 'ManageKmsKeys',
        actions: ['kms:UpdateKeyDescription', 'kms:PutKeyPolicy', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion'],
        resources: [this.kmsKeyArn()],
        conditions: { Null: { 'aws:ResourceTag/cdk-cloudhsm:create-request': 'false' } },
        why: `${KMS_KEY_ID_UNKNOWN} Only keys that carry the cdk-cloudhsm:create-request tag, which this provider writes when it creates a key.`,
      });
      // A retried create finds the key an earlier attempt made by its tag: the account's keys are read.
      this.allow({
        sid: 'ReadKmsKeys',
        actions: ['kms:DescribeKey', 'kms:ListResourceTags'],
        resources: [this.kmsKeyArn()],
        why: `${KMS_KEY_ID_UNKNOWN} A retried create reads the tags of the account's keys to find the key an earlier attempt of the same request made (KMS has no client token); read-only.`,
      });
      this.allow({
        sid: 'ListKmsKeys',
        actions: ['kms:ListKeys', 'kms:DescribeCustomKeyStores'],
        resources: ['*'],
        why: 'kms:ListKeys and kms:DescribeCustomKeyStores support no resource-level permissions (Service Authorization Reference); they list key ids and read a key store\'s connection state for error messages.',
      });
    });
  }

  /** `arn:…:kms:<region>:<account>:key/*` of this stack's region and account. */
  private kmsKeyArn(): string {
    return Arn.format({ service: 'kms', resource: 'key', resourceName: '*' }, Stack.of(this));
  }

  /** Adds a statement to the handler role; `why` explains its wildcard resources (to a reviewer and to cdk-nag). */
  private allow(statement: { sid: string; actions: string[]; resources: string[]; conditions?: Record<string, unknown>; why?: string }): void {
    const { why, ...props } = statement;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement(props));
    this.explainWildcards(statement.sid, statement.resources, why);
  }

  /**
   * Records why `sid` grants wildcard resources and writes the AwsSolutions-IAM5 suppressions of
   * the handler role's policy, one per wildcard resource, each with the reasons of the statements
   * that use it.
   */
  private explainWildcards(sid: string, resources: string[], why: string | undefined): void {
    const wildcards = resources.filter((r) => r === '*' || r.endsWith('/*'));
    if (wildcards.length === 0) return;
    if (!why) throw new Error(`cdk-cloudhsm: statement ${sid} grants ${wildcards.join(', ')} without a reason`);
    for (const resource of wildcards) {
      const finding = resourceFinding(this, resource);
      const entry = this.wildcards.get(finding) ?? { finding, reasons: new Set<string>() };
      entry.reasons.add(`${sid}: ${why}`);
      this.wildcards.set(finding, entry);
    }
    addNagSuppressions(this.role.node.findChild('DefaultPolicy'), [...this.wildcards.values()].map(({ finding, reasons }) => ({
      id: 'AwsSolutions-IAM5',
      reason: [...reasons].join(' '),
      appliesTo: [finding],
    })));
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

const CLUSTER_ID_UNKNOWN = 'The ids of clusters this stack creates exist only after the provider has run, so the role that creates them cannot name them (a dependency cycle); clusters of this account and region only. Imported clusters are named by their exact ARN.';
const KMS_KEY_ID_UNKNOWN = 'A KMS key\'s id is assigned by KMS when CreateKey runs, after the role that creates it exists; keys of this account and region only.';
const EC2_DESCRIBE = 'EC2 Describe actions support no resource-level permissions (Service Authorization Reference); CloudHSM calls them with the caller\'s rights.';
const HSM_NETWORK = 'CloudHSM creates and deletes each HSM\'s network interface in the cluster\'s subnets and security group with the caller\'s rights during CreateHsm and DeleteHsm (dependent actions in the Service Authorization Reference); the interface id exists only then. Limited to this account and region.';

/**
 * The ARN an IAM policy names a secret by, as aws-cdk-lib's secrets do: the full ARN where known;
 * a secret imported by name or partial ARN has a random `-??????` suffix the policy must match.
 */
export function secretArnForPolicies(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/** A role for one of the provider's functions: assumed by Lambda, allowed to write to the provider's log group. */
function lambdaRole(scope: Construct, id: string, description: string, logGroup: logs.ILogGroup): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'WriteLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  }));
  return role;
}

/**
 * cdk-nag suppressions for what aws-cdk-lib's Provider framework makes: invoke rights on
 * `<function ARN>:*` (its grantInvoke form) and its waiter state machine's settings.
 */
function explainFrameworkFindings(provider: cr.Provider, handlers: lambda.IFunction[], frameworkRoles: iam.Role[]): void {
  const invokeReason = (fns: lambda.IFunction[]) => ({
    id: 'AwsSolutions-IAM5',
    reason: 'lambda:InvokeFunction on `<function ARN>:*` is the form aws-cdk-lib\'s grantInvoke uses: it covers the versions and aliases of one named function of this provider, no other function.',
    appliesTo: fns.map((fn) => resourceFinding(provider, `${fn.functionArn}:*`)),
  });
  for (const role of frameworkRoles) addNagSuppressions(role.node.findChild('DefaultPolicy'), [invokeReason(handlers)]);

  const waiter = provider.node.findChild('waiter-state-machine');
  const waiterFunctions = ['framework-isComplete', 'framework-onTimeout'].map((id) => provider.node.findChild(id) as lambda.Function);
  addNagSuppressions(waiter.node.findChild('Role').node.findChild('DefaultPolicy'), [invokeReason(waiterFunctions)]);

  // aws-cdk-lib picks the framework's runtime (the newest Node.js runtime it deploys in every
  // region), which lags the newest one it knows; its code is aws-cdk-lib's, tested on that runtime.
  for (const fn of [provider.node.findChild('framework-onEvent') as lambda.Function, ...waiterFunctions]) {
    addNagSuppressions(fn, [{ id: 'AwsSolutions-L1', reason: frameworkRuntimeReason(fn) }]);
  }
  addNagSuppressions(waiter.node.findChild('Resource'), [
    {
      id: 'AwsSolutions-SF1',
      reason: 'The waiter of aws-cdk-lib\'s Provider framework only invokes this provider\'s isComplete function, which logs each CloudHSM call it makes and each state it sees to the provider\'s log group; Step Functions keeps every execution\'s history for 90 days and CloudFormation records each resource\'s outcome. Logging ALL events with execution data would also copy every custom-resource event, including CloudFormation\'s pre-signed response URL, into CloudWatch Logs.',
    },
    {
      id: 'AwsSolutions-SF2',
      reason: 'The Provider framework offers no tracing for its waiter, whose only calls are invocations of this provider\'s own functions every query interval; the handler logs each CloudHSM call with its outcome instead.',
    },
  ]);
}

/** Why a Provider framework function may run on an older Node.js runtime than the newest aws-cdk-lib knows. */
function frameworkRuntimeReason(fn: lambda.Function): string {
  // In an environment-agnostic stack the runtime may be a per-region lookup, not a name.
  const runtime = Token.isUnresolved(fn.runtime.name) ? 'per region' : fn.runtime.name;
  return [
    `A function of aws-cdk-lib's custom-resource Provider framework (${fn.node.id}): aws-cdk-lib, not cdk-cloudhsm, sets its runtime (${runtime})`,
    'with `determineLatestNodeRuntime`, the newest Node.js runtime it deploys in every region, and ships the code (framework.js) tested on it.',
    'Running that code on another runtime would be an untested combination; upgrading aws-cdk-lib moves the runtime forward.',
    'The function only relays CloudFormation events to this provider\'s own handler functions and Step Functions waiter.',
  ].join(' ');
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
