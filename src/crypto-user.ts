import { CustomResource, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { IHsmCluster } from './hsm';
import { activationOf } from './private/activation-resource';
import { checkPlainPasswordSecret, generatedPasswordSecret } from './private/admin-secret';
import { checkCryptoUserName } from './private/host-rules';
import { hsmChainOf } from './private/hsm-chain';
import { addPasswordRotation } from './private/password-rotation';
import { P } from './private/property-names';
import { CloudHsmProvider, SERVICE_TIMEOUT } from './private/provider';
import { claimPasswordSecret } from './private/rotated-secret';
import { PasswordRotationOptions } from './rotation';

/** Options of a crypto user (`CryptoUser`, or `HsmCluster.addCryptoUser`). */
export interface CryptoUserOptions {
  /**
   * The user's name on the HSMs: 1 to 31 letters, digits or underscores (the CloudHSM CLI's rule).
   * Names are not case sensitive: the CLI shows them in lowercase, and `username` is that form.
   * `admin`, `app_user` and `kmsuser` are taken on every cluster.
   */
  readonly username: string;

  /**
   * The secret with the user's password, a plain string of 8 to 32 characters with no whitespace,
   * quotes or backslash (what the CloudHSM CLI takes). The admin host reads it to create the user;
   * it is in no template, output, command or log.
   *
   * @default - a secret the stack generates: 32 letters and digits, kept or deleted with the user
   */
  readonly passwordSecret?: secretsmanager.ISecret;

  /**
   * What happens to the user when it is removed from the stack or the stack is deleted. A crypto
   * user owns keys, which nobody else can use or delete, so it is kept by default; only a first
   * deployment that fails and rolls back removes the user it made. With `RemovalPolicy.DESTROY`
   * the user is deleted with `user delete`, unless it owns keys (the CLI refuses; it is left, with
   * a message in the handler's log) or its password is not the secret's (a user this stack did not make).
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Rotate the user's password with Secrets Manager: a rotation function (the one the admin's
   * rotation uses) has the cluster's admin set a new password for the user on the HSMs through the
   * admin host (the CloudHSM CLI's `user change-password`), logs in as the user with it, then makes
   * it the secret's current version. The CLI refuses to change the password of a user logged in
   * elsewhere: while applications hold sessions as this user, a rotation fails and leaves the old
   * password working (docs/operations.md). Refused for a secret that is also another user's password
   * (the admin's, another crypto user's): a rotation changes one user's password.
   *
   * @default - no rotation
   */
  readonly rotation?: PasswordRotationOptions;
}

/** Properties of a `CryptoUser`. */
export interface CryptoUserProps extends CryptoUserOptions {
  /**
   * The cluster the user is made on. The stack must activate it (`activation`): its admin host
   * creates the user. The user must be in the cluster's stack.
   */
  readonly cluster: IHsmCluster;
}

/** The crypto users of each cluster, by lowercase name: one construct per user. */
const usersOf = new WeakMap<object, Map<string, CryptoUser>>();

/**
 * A crypto user (CU) on the HSMs of a cluster this stack activates, made by a custom resource
 * (`Custom::CloudHsmCryptoUser`; CloudHSM has no API for HSM users). The cluster's admin host runs
 * the CloudHSM CLI's `user create --role crypto-user` through SSM Run Command, with the admin's and
 * the user's passwords read on the host from Secrets Manager. A retried or duplicated request
 * finds the user it made (its password logs in) instead of failing; a user of that name with
 * another password fails the deployment and is left unchanged.
 *
 * Applications log in as the user with the password in `passwordSecret`: `grantRead` it to their role.
 *
 * @example
 * const signer = new CryptoUser(stack, 'Signer', { cluster: cluster, username: 'signer' });
 * const appRole = new iam.Role(stack, 'AppRole', { assumedBy: new iam.AccountRootPrincipal() });
 * signer.grantRead(appRole);
 */
export class CryptoUser extends Resource {
  /**
   * The user's name as the CloudHSM CLI shows it and logs in with (lowercase).
   * @attribute
   */
  public readonly username: string;

  /** The secret with the user's password. */
  public readonly passwordSecret: secretsmanager.ISecret;

  /** The cluster the user is on. */
  public readonly cluster: IHsmCluster;

  private readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: CryptoUserProps) {
    super(scope, id);
    const where = `CryptoUser ${this.node.path}`;
    const cluster = props.cluster;
    const activation = activationOf(cluster);
    const errors: string[] = [];
    if (!activation) {
      errors.push(`${P.cluster}: ${cluster.node.path} is not activated by this stack; a crypto user needs the cluster's activation `
        + '(activation), whose admin host creates the user');
    }
    if (Stack.of(this) !== Stack.of(cluster)) {
      errors.push(`${P.cluster}: ${cluster.node.path} is in the stack ${Stack.of(cluster).node.path}, not in this user's stack `
        + `${Stack.of(this).node.path}; declare the CryptoUser in the cluster's stack (the admin host's role there reads the user's secret)`);
    }
    const known = !Token.isUnresolved(props.username);
    if (!known) errors.push(`${P.username}: must be known at synth time (the user's identity on the HSMs), not a token`);
    const nameError = known ? checkCryptoUserName(P.username, props.username) : undefined;
    if (nameError) errors.push(nameError);
    const username = props.username.toLowerCase();
    const users = usersOf.get(cluster) ?? new Map<string, CryptoUser>();
    const existing = users.get(username);
    if (known && existing) {
      errors.push(`${P.username}: ${JSON.stringify(username)} is already the crypto user ${existing.node.path} of ${cluster.node.path} `
        + '(user names are not case sensitive); one construct per user: grant that one, or choose another name');
    }
    if (props.passwordSecret) {
      errors.push(...checkPlainPasswordSecret(P.passwordSecret, props.passwordSecret, { password: 'the crypto user\'s password', user: 'the crypto user script', secret: 'a crypto user\'s secret' }));
    }
    if (props.passwordSecret && activation) {
      errors.push(...claimPasswordSecret(this, props.passwordSecret, props.rotation !== undefined, activation.adminSecret));
    }
    if (errors.length > 0 || !activation) throw new Error(`${where}: ${errors.join('; ')}`);
    users.set(username, this);
    usersOf.set(cluster, users);

    this.cluster = cluster;
    this.username = username;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    this.passwordSecret = props.passwordSecret ?? generatedPasswordSecret(this, 'PasswordSecret',
      `Password of the crypto user ${username} of the CloudHSM cluster ${cluster.node.path} (cdk-cloudhsm)`, removalPolicy,
      props.rotation ? undefined : 'The crypto user\'s password lives on the HSMs: only a rotation function that changes it there through the admin host can rotate it; '
        + 'set rotation for one (docs/operations.md), or change it by hand as docs/applications.md describes.');
    const grant = activation.host.grantPrincipal ? this.passwordSecret.grantRead({ grantPrincipal: activation.host.grantPrincipal }) : undefined;

    const provider = CloudHsmProvider.of(this);
    provider.enableActivation(activation.host.instanceArn);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CloudHsmCryptoUser',
      serviceTimeout: SERVICE_TIMEOUT,
      removalPolicy,
      properties: {
        ClusterId: cluster.clusterId,
        Username: username,
        UserSecretArn: this.passwordSecret.secretArn,
        InstanceId: activation.host.instanceId,
        AdminSecretArn: activation.adminSecret.secretArn,
        AdminSecretField: activation.adminSecretField,
        TrustAnchor: activation.trustAnchor,
        CertificateAuthorityArn: activation.certificateAuthorityArn,
      },
    });
    // After the activation and every HSM of the cluster: the user is made on all of them, and
    // deleted while they are all there.
    this.resource.node.addDependency(activation.resource);
    hsmChainOf(cluster).onBackupMaker((r) => this.resource.node.addDependency(r));
    grant?.applyBefore(this.resource);
    if (props.rotation) {
      // The schedule rotates at once when created: only once the user exists with the secret's password.
      addPasswordRotation(this, 'Rotation', {
        secret: this.passwordSecret,
        username,
        role: 'crypto-user',
        clusterId: cluster.clusterId,
        host: activation.host,
        adminSecret: activation.adminSecret,
        adminSecretField: activation.adminSecretField,
        trustAnchor: activation.trustAnchor,
        certificateAuthorityArn: activation.certificateAuthorityArn,
      }, props.rotation, [this.resource]);
    }
  }

  /**
   * Lets `grantee` read the user's password (secretsmanager:GetSecretValue and DescribeSecret on
   * this secret only, and decrypt with its key if it has one): what an application that logs in
   * as this user needs.
   *
   * @param grantee the application's role or other principal
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.passwordSecret.grantRead(grantee);
  }
}
