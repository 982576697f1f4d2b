import { Arn, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IDependable } from 'constructs';
import { addNagSuppressions, resourceFinding } from './nag';
import { HANDLER_ASSET_DIR, lambdaRole } from './provider';
import { handlerRuntime } from './runtime';
import type { IHsmAdminHost } from '../admin-host';
import { PasswordRotationOptions } from '../rotation';

/**
 * The rotation of one HSM user's password, for any user (the admin, a crypto user): a rotation
 * function (the handler package's `index.rotate`) told by its environment which user, role, secret
 * and cluster it rotates, and the secret's rotation schedule. aws-cdk-lib's RotationSchedule lets
 * Secrets Manager invoke the function and gives it the secret's version actions; this adds what
 * the steps do besides: commands on the admin host, the cluster's HSM addresses, the trust anchor.
 */
export interface RotatedUser {
  /** the secret whose password is rotated */
  readonly secret: secretsmanager.ISecret;
  /** its JSON field holding the password, for a JSON secret */
  readonly secretField?: string;
  readonly username: string;
  readonly role: 'admin' | 'crypto-user';
  readonly clusterId: string;
  readonly host: IHsmAdminHost;
  /** the admin's secret (the same as `secret` for the admin) */
  readonly adminSecret: secretsmanager.ISecret;
  readonly adminSecretField?: string;
  readonly trustAnchor?: string;
  readonly certificateAuthorityArn?: string;
}

/** Secrets Manager's bounds of a rotation interval (RotationSchedule checks them too). */
const MIN_INTERVAL = Duration.hours(4);
const MAX_INTERVAL = Duration.days(1000);

/**
 * Adds the rotation function and schedule of `user`'s password under `scope`. The schedule (which
 * rotates once as soon as it is created) waits for `after`: what makes the user and its password.
 */
export function addPasswordRotation(scope: Construct, id: string, user: RotatedUser, options: PasswordRotationOptions,
  after: IDependable[] = []): secretsmanager.RotationSchedule {
  const interval = options.automaticallyAfter ?? Duration.days(30);
  const ms = interval.isUnresolved() ? undefined : interval.toMilliseconds();
  if (ms !== undefined && (ms < MIN_INTERVAL.toMilliseconds() || ms > MAX_INTERVAL.toMilliseconds())) {
    throw new Error(`${scope.node.path}: rotation.automaticallyAfter must be 4 hours to 1000 days (Secrets Manager's bounds), got ${interval.toHumanString()}`);
  }
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_YEAR });
  const role = lambdaRole(scope, `${id}Role`, `cdk-cloudhsm password rotation of ${user.username} (${user.role})`, logGroup);
  const fn = new lambda.Function(scope, id, {
    role,
    code: lambda.Code.fromAsset(HANDLER_ASSET_DIR),
    handler: 'index.rotate',
    runtime: handlerRuntime(),
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    // Each step waits for its command on the admin host (a few seconds; the host's lock may make it wait longer).
    timeout: Duration.minutes(15),
    description: `cdk-cloudhsm password rotation of ${user.username} (${user.role})`,
    logGroup,
    environment: {
      CDK_CLOUDHSM_ROTATION: Stack.of(scope).toJsonString({
        ClusterId: user.clusterId,
        InstanceId: user.host.instanceId,
        AdminSecretArn: user.adminSecret.secretArn,
        AdminSecretField: user.adminSecretField,
        TrustAnchor: user.trustAnchor,
        CertificateAuthorityArn: user.trustAnchor === undefined ? user.certificateAuthorityArn : undefined,
        Username: user.username,
        Role: user.role,
        SecretField: user.secretField,
      }),
    },
  });
  const stack = Stack.of(scope);
  fn.addToRolePolicy(new iam.PolicyStatement({
    actions: ['ssm:SendCommand'],
    resources: [user.host.instanceArn, Arn.format({ service: 'ssm', resource: 'document', resourceName: 'AWS-RunShellScript', account: '' }, stack)],
  }));
  // No resource-level permissions exist for these (Service Authorization Reference): they only read.
  fn.addToRolePolicy(new iam.PolicyStatement({
    actions: ['ssm:ListCommands', 'ssm:GetCommandInvocation', 'cloudhsm:DescribeClusters'],
    resources: ['*'],
  }));
  if (user.trustAnchor === undefined && user.certificateAuthorityArn) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['acm-pca:GetCertificateAuthorityCertificate'], resources: [user.certificateAuthorityArn] }));
  }
  // The host reads the new password (the AWSPENDING version) and the admin's.
  if (user.host.grantPrincipal) user.secret.grantRead(user.host.grantPrincipal);
  const schedule = new secretsmanager.RotationSchedule(scope, `${id}Schedule`, { secret: user.secret, rotationLambda: fn, automaticallyAfter: interval });
  addNagSuppressions(role.node.findChild('DefaultPolicy'), [{
    id: 'AwsSolutions-IAM5',
    reason: 'ssm:ListCommands, ssm:GetCommandInvocation and cloudhsm:DescribeClusters (read-only), and secretsmanager:GetRandomPassword '
      + '(which aws-cdk-lib\'s RotationSchedule grants), have no resource-level permissions (Service Authorization Reference)',
    appliesTo: [resourceFinding(role, '*')],
  }]);
  schedule.node.addDependency(...after);
  return schedule;
}
