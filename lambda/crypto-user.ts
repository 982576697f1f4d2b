import { Cluster } from '@aws-sdk/client-cloudhsm-v2';
import { AdminAccess, parseAdminAccess, regionOf, trustAnchorFor } from './admin-access';
import { describeCluster, TRANSITIONAL_STATES } from './cluster-state';
import { commentPrefix, hereDocCommands, hostCommandStep } from './host-command';
import { withRequestStart } from './host-wait';
import { log } from './log';
import { failedLoginArgs, FailedLogin, lastFailedLogins } from './login-guard';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import { checkCryptoUserName, SECRET_ARN_PATTERN } from '../src/private/host-rules';
import { P } from '../src/private/property-names';

/**
 * `Custom::CloudHsmCryptoUser`: a crypto user (CU) on a cluster's HSMs, created and deleted by
 * create-crypto-user.sh on the admin host (SSM Run Command). Neither password passes through
 * here: the host reads both from Secrets Manager; this handler knows the secrets' ARNs only.
 * The physical id names the cluster and the user: one user per resource, whatever the retries.
 */

export interface CryptoUserProperties extends AdminAccess {
  /** The user name in lowercase, as the CLI shows it. */
  readonly username: string;
  readonly userSecretArn: string;
}

const q = (v: unknown) => JSON.stringify(v);

export function parseCryptoUserProperties(raw: Record<string, any>): CryptoUserProperties {
  const { access, errors } = parseAdminAccess(raw, { host: 'cluster.adminHost', adminSecret: 'cluster.adminSecret' });
  const username = String(raw.Username ?? '');
  const props: CryptoUserProperties = { ...access, username: username.toLowerCase(), userSecretArn: String(raw.UserSecretArn ?? '') };
  const nameError = checkCryptoUserName(P.username, username);
  if (nameError) errors.push(nameError);
  if (!SECRET_ARN_PATTERN.test(props.userSecretArn)) {
    errors.push(`${P.passwordSecret}: ${q(props.userSecretArn)} is not a Secrets Manager secret ARN`);
  }
  if (props.trustAnchor === undefined && props.certificateAuthorityArn === undefined) {
    errors.push('trustAnchor (TrustAnchor): the cluster\'s trust anchor is needed (TrustAnchor or CertificateAuthorityArn)');
  }
  if (errors.length > 0) throw new Error(errors.join('; '));
  return props;
}

export const physicalId = (clusterId: string, username: string) => `cdk-cloudhsm:crypto-user:${clusterId}:${username}`;

function label(event: ResourceEvent, props: Pick<CryptoUserProperties, 'username' | 'clusterId'>): string {
  return `CryptoUser ${event.LogicalResourceId} (${props.username} on ${props.clusterId})`;
}

const HEREDOC_END = 'CDK_CLOUDHSM_CRYPTO_USER';

/**
 * The AWS-RunShellScript commands that run create-crypto-user.sh (with `--delete` to delete): ids,
 * the user name, addresses and the public trust anchor, never a password.
 */
export function cryptoUserCommands(props: CryptoUserProperties, hsmIps: string[], trustAnchor: string, deleting: boolean,
  failed: readonly FailedLogin[] = []): string[] {
  const argv = [
    '--cluster-id', props.clusterId, '--username', props.username,
    '--admin-secret-id', props.adminSecretArn, '--user-secret-id', props.userSecretArn,
    // The secrets' region (the admin secret's; the user's secret is made beside it).
    '--region', regionOf(props.userSecretArn), ...hsmIps.flatMap((ip) => ['--hsm-ip', ip]),
    ...(props.adminSecretField ? ['--admin-secret-field', props.adminSecretField] : []),
    '--trust-anchor-b64', Buffer.from(trustAnchor, 'utf8').toString('base64'),
    ...(deleting ? ['--delete'] : []),
    // Secret versions whose login failed in the cluster's last commands of this kind: not tried again.
    ...failedLoginArgs(failed, [{ user: 'admin', secretId: props.adminSecretArn }, { user: props.username, secretId: props.userSecretArn }]),
  ];
  return hereDocCommands('create-crypto-user.sh', HEREDOC_END, argv);
}

/** The step on the host: 'done' once this request's command succeeded. */
function onHost(event: ResourceEvent, props: CryptoUserProperties, cluster: Cluster, deleting: boolean): Promise<'done' | 'wait'> {
  const who = label(event, props);
  // Create and delete are found apart: a delete never mistakes a create's command for its own.
  const kind = deleting ? 'cu-delete' : 'cu-create';
  return hostCommandStep(event, cluster, {
    who,
    what: `${deleting ? 'deleting' : 'creating'} crypto user ${props.username} on cluster ${props.clusterId}`,
    kind,
    on: props,
    commands: async (hsmIps) => cryptoUserCommands(props, hsmIps, (await trustAnchorFor(who, props))!, deleting,
      await lastFailedLogins(commentPrefix(kind, props.clusterId))),
  });
}

async function createStep(event: ResourceEvent, props: CryptoUserProperties): Promise<IsCompleteResponse> {
  const who = label(event, props);
  const cluster = await describeCluster(props.clusterId);
  if (!cluster || cluster.State === 'DELETED' || cluster.State === 'DELETE_IN_PROGRESS') {
    throw new Error(`${who}: cluster (ClusterId): the cluster ${props.clusterId} does not exist (or is being deleted)`);
  }
  const state = cluster.State ?? '';
  if (TRANSITIONAL_STATES.has(state)) return NOT_COMPLETE;
  if (state !== 'ACTIVE') {
    throw new Error(`${who}: cluster (ClusterId): the cluster ${props.clusterId} is ${state}; crypto users are created on an ACTIVE (activated) cluster`);
  }
  if (await onHost(event, props, cluster, false) === 'wait') return NOT_COMPLETE;
  return { IsComplete: true, PhysicalResourceId: physicalId(props.clusterId, props.username), Data: { Username: props.username } };
}

/**
 * Deleting (removal policy DESTROY, or the rollback of a create): the script deletes only the user
 * whose password is the secret's, and leaves a user that owns keys. A cluster that is gone, or has
 * no HSM left, holds no user to delete.
 */
async function deleteStep(event: ResourceEvent, props: CryptoUserProperties): Promise<IsCompleteResponse> {
  const cluster = await describeCluster(props.clusterId);
  if (!cluster || cluster.State === 'DELETED' || cluster.State === 'DELETE_IN_PROGRESS') return { IsComplete: true };
  if (TRANSITIONAL_STATES.has(cluster.State ?? '')) return NOT_COMPLETE;
  const hsms = cluster.Hsms ?? [];
  if (cluster.State !== 'ACTIVE' || hsms.length === 0) {
    log(event, 'the cluster is not ACTIVE or has no HSM: no crypto user to delete', { clusterId: props.clusterId, state: cluster.State });
    return { IsComplete: true };
  }
  return await onHost(event, props, cluster, true) === 'done' ? { IsComplete: true } : NOT_COMPLETE;
}

/** The properties, or an error that names the resource. */
function propertiesOf(event: ResourceEvent, raw: Record<string, any> = event.ResourceProperties): CryptoUserProperties {
  try {
    return parseCryptoUserProperties(raw);
  } catch (err) {
    throw new Error(`CryptoUser ${event.LogicalResourceId}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const cryptoUserHandler: ResourceHandler = {
  async onEvent(event): Promise<OnEventResponse> {
    const props = propertiesOf(event);
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const id = physicalId(props.clusterId, props.username);
    if (event.RequestType === 'Update') {
      const old = propertiesOf(event, event.OldResourceProperties ?? {});
      // The same user: the host, the admin secret or the trust anchor changed; nothing on the HSMs does.
      if (event.PhysicalResourceId === id) {
        if (old.userSecretArn !== props.userSecretArn) {
          throw new Error(`${label(event, props)}: ${P.passwordSecret}: the user's password secret cannot be swapped for another; `
            + 'the password on the HSMs stays the old secret\'s. Keep the secret (change the password with the CloudHSM CLI and put-secret-value), '
            + 'or give the user a new name (a new user)');
        }
        return { PhysicalResourceId: id };
      }
    }
    // Create, or another user (new name or cluster): CloudFormation removes the old one afterwards.
    // Nothing is sent here: isComplete sends the command once, and finds one sent before.
    return { PhysicalResourceId: withRequestStart(id) };
  },

  async isComplete(event) {
    const props = propertiesOf(event);
    if (event.RequestType === 'Delete') return deleteStep(event, props);
    const own = physicalId(props.clusterId, props.username);
    // An update of the same user is done in onEvent; a create or a new user carries the request's start.
    if (event.RequestType === 'Update' && event.PhysicalResourceId === own) {
      return { IsComplete: true, PhysicalResourceId: own, Data: { Username: props.username } };
    }
    return createStep(event, props);
  },
};
