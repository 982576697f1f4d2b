import { Arn, Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { addNagSuppressions, resourceFinding } from './nag';

/**
 * The IAM side of the stack's provider: the statements of the handler role, added once per kind of
 * resource in use, each wildcard resource explained to a reviewer and to cdk-nag. `CloudHsmProvider`
 * extends it with the functions and the Provider framework.
 */
export abstract class ProviderGrants extends Construct {
  /** The role of the onEvent and isComplete functions. */
  public abstract readonly role: iam.Role;

  private readonly enabled = new Set<string>();
  /** Statements whose resources grow with the constructs that use them, by Sid, with the ARNs they name. */
  private readonly scoped = new Map<string, { statement: iam.PolicyStatement; arns: Set<string> }>();
  /** For each wildcard resource of the handler role: the cdk-nag finding and why each statement needs it. */
  private readonly wildcards = new Map<string, { finding: string; reasons: Set<string> }>();

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
        // DescribeVpcEndpointServices: where CloudHSM is offered, checked before CreateCluster (lambda/availability-zones.ts).
        actions: ['ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcEndpointServices'],
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
    // TagResource / UntagResource: the count of HSMs that went DEGRADED on create is a cdk-cloudhsm: tag of the cluster (lambda/hsm-degraded.ts).
    this.allowOn('ManageHsms', ['cloudhsm:CreateHsm', 'cloudhsm:DeleteHsm', 'cloudhsm:TagResource', 'cloudhsm:UntagResource'],
      clusterArn ?? this.cloudHsmArn('cluster'));
    // The first HSM of an emptied cluster is made from its latest backup: the handler reads them first.
    this.allowDescribeBackups();
  }

  private allowDescribeBackups(): void {
    this.once('describe-backups', () => this.allow({
      sid: 'DescribeBackups',
      actions: ['cloudhsm:DescribeBackups'],
      resources: ['*'],
      why: 'cloudhsm:DescribeBackups supports no resource-level permissions (Service Authorization Reference).',
    }));
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
      this.allowDescribeBackups();
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
   * Permissions to share backup copies with other accounts: the resource-policy actions on this
   * account's backups in the destination region only (the copies' ids exist only once copied).
   */
  public enableBackupSharing(destinationRegion: string): void {
    this.once(`backup-sharing:${destinationRegion}`, () => {
      const n = [...this.enabled].filter((k) => k.startsWith('backup-sharing:')).length;
      this.allow({
        sid: `ShareBackupCopies${n}`,
        actions: ['cloudhsm:GetResourcePolicy', 'cloudhsm:PutResourcePolicy', 'cloudhsm:DeleteResourcePolicy'],
        resources: [this.cloudHsmArn('backup', destinationRegion)],
        why: 'A copy\'s backup id is assigned by the service in the destination region when CopyBackupToRegion runs; the resource policy of backups of this account in the destination region(s) only, for copies declared with shareWith.',
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
