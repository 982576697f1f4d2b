import { Cluster } from '@aws-sdk/client-cloudhsm-v2';
import { AdminAccess, parseAdminAccess, regionOf, trustAnchorFor } from './admin-access';
import { messageOf } from './aws';
import { describeCluster, TRANSITIONAL_STATES } from './cluster-state';
import { commentPrefix, hereDocCommands, hostCommandStep } from './host-command';
import { withRequestStart } from './host-wait';
import { log } from './log';
import { failedLoginArgs, FailedLogin, lastFailedLogins } from './login-guard';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';

/**
 * `Custom::CloudHsmActivation`: runs the CloudHSM CLI's `cluster activate` on the admin host with
 * SSM Run Command. The admin password never passes through here: the host reads it from Secrets
 * Manager itself (activate.sh); this handler knows only the secret's ARN.
 */

/**
 * An activation's properties: the admin access, and whether the cluster is restored from a backup
 * (`Restored`). A restored cluster is ACTIVE with the backup's users: nothing is activated; the
 * admin secret (the source cluster's) is checked to log in instead, so a wrong one fails here,
 * naming the secret, and not in a later step.
 */
export interface ActivationProperties extends AdminAccess {
  readonly restored: boolean;
}

export function parseActivationProperties(raw: Record<string, any>): ActivationProperties {
  const { access, errors } = parseAdminAccess(raw, { host: 'host', adminSecret: 'adminSecret' });
  if (errors.length > 0) throw new Error(errors.join('; '));
  return { ...access, restored: String(raw.Restored ?? 'false') === 'true' };
}

export const physicalId = (clusterId: string) => `cdk-cloudhsm:activation:${clusterId}`;

function label(event: ResourceEvent, clusterId: string): string {
  return `HsmActivation ${event.LogicalResourceId} (${clusterId})`;
}

/** The kind of the activate commands (their Comment): how the cluster's last ones are found. */
const ACTIVATE_KIND = 'activate';
const HEREDOC_END = 'CDK_CLOUDHSM_ACTIVATE';

/**
 * The AWS-RunShellScript commands: the script fed to bash on stdin (a quoted here-document, so the
 * shell expands nothing in it), with arguments that are ids, addresses and the public trust anchor.
 * The admin secret is read in its own region (a secret of another region is read there).
 */
export function activationCommands(props: ActivationProperties, hsmIps: string[], trustAnchor?: string,
  failed: readonly FailedLogin[] = []): string[] {
  const argv = [
    '--cluster-id', props.clusterId, '--secret-id', props.adminSecretArn, '--region', regionOf(props.adminSecretArn),
    ...hsmIps.flatMap((ip) => ['--hsm-ip', ip]),
    ...(props.adminSecretField ? ['--secret-field', props.adminSecretField] : []),
    ...(trustAnchor ? ['--trust-anchor-b64', Buffer.from(trustAnchor, 'utf8').toString('base64')] : []),
    ...(props.restored ? ['--check-only'] : []),
    // An admin secret version whose login failed in the cluster's last activate commands: not tried again.
    ...failedLoginArgs(failed, [{ user: 'admin', secretId: props.adminSecretArn }]),
  ];
  return hereDocCommands('activate.sh', HEREDOC_END, argv);
}

/** The commands of every activate step, with the cluster's record of failed admin logins (lambda/login-guard.ts). */
function commandsFor(who: string, props: ActivationProperties): (hsmIps: string[]) => Promise<string[]> {
  return async (hsmIps) => activationCommands(props, hsmIps, await trustAnchorFor(who, props),
    await lastFailedLogins(commentPrefix(ACTIVATE_KIND, props.clusterId)));
}

function done(cluster: Cluster, clusterId: string): IsCompleteResponse {
  return { IsComplete: true, PhysicalResourceId: physicalId(clusterId), Data: { State: cluster.State ?? '' } };
}

async function step(event: ResourceEvent, props: ActivationProperties): Promise<IsCompleteResponse> {
  const who = label(event, props.clusterId);
  const cluster = await describeCluster(props.clusterId);
  if (!cluster || cluster.State === 'DELETED' || cluster.State === 'DELETE_IN_PROGRESS') {
    throw new Error(`${who}: the cluster does not exist (or is being deleted)`);
  }
  const state = cluster.State ?? '';
  if (props.restored) return checkRestoredAdmin(event, props, cluster, who);
  // A cluster ACTIVE before this resource was created (activated by an earlier deployment, or
  // restored) counts as done only if the admin secret given logs in as its admin: activate.sh checks
  // it on the host, so a re-added activation never leaves a new secret that is not the HSMs' password.
  // The check finds this request's own successful command when that is what activated the cluster.
  if (state === 'ACTIVE') return event.RequestType === 'Create' ? checkAdminOfActiveCluster(event, who, props, cluster) : done(cluster, props.clusterId);
  if (state === 'INITIALIZE_IN_PROGRESS' || TRANSITIONAL_STATES.has(state)) return NOT_COMPLETE;
  if (state === 'UNINITIALIZED') {
    throw new Error(`${who}: the cluster is UNINITIALIZED; it must be initialized before it is activated (initialization)`);
  }
  if (state !== 'INITIALIZED') throw new Error(`${who}: the cluster is ${state}: ${cluster.StateMessage ?? 'no state message'}`);

  const sent = await hostCommandStep(event, cluster, {
    who,
    what: `activation of cluster ${props.clusterId}`,
    kind: ACTIVATE_KIND,
    on: props,
    commands: commandsFor(who, props),
  });
  if (sent === 'wait') return NOT_COMPLETE;
  // The cluster is ACTIVE once the CLI reports success: look again now, not one poll later.
  const activated = await describeCluster(props.clusterId);
  if (activated?.State === 'ACTIVE') return done(activated, props.clusterId);
  log(event, 'the activation command succeeded; waiting for the cluster to be ACTIVE', { clusterId: props.clusterId });
  return NOT_COMPLETE;
}

/** The admin check on a cluster that was ACTIVE before the activation resource (activate.sh, exit 11 if the password does not log in). */
async function checkAdminOfActiveCluster(event: ResourceEvent, who: string, props: ActivationProperties,
  cluster: Cluster): Promise<IsCompleteResponse> {
  if ((cluster.Hsms ?? []).length === 0) {
    throw new Error(`${who}: the cluster is already ACTIVE and has no HSM, so the admin secret ${props.adminSecretArn} cannot be checked `
      + 'against its admin password; add the activation back together with the cluster\'s HSMs');
  }
  try {
    const sent = await hostCommandStep(event, cluster, {
      who,
      what: `the admin password check of the active cluster ${props.clusterId}`,
      kind: ACTIVATE_KIND,
      on: props,
      commands: commandsFor(who, props),
    });
    return sent === 'wait' ? NOT_COMPLETE : done(cluster, props.clusterId);
  } catch (err) {
    // activate.sh exit 11: already active, and the password does not log in as admin.
    if (!/with exit code 11\b/.test(messageOf(err))) throw err;
    throw new Error(`${messageOf(err)}. The cluster was activated before this activation resource existed (by an earlier deployment, `
      + 'or restored from a backup), with an admin password that is not in this secret: give the secret that holds it as '
      + 'activation.adminSecret (a secret the stack generated earlier is kept when removalPolicy retains it; docs/activation.md)');
  }
}

/**
 * A restored cluster: once it is ACTIVE (restoring takes it there), the admin host logs in once as
 * admin with the source cluster's secret (activate.sh --check-only, which never tries again a secret
 * version that failed before, by the record in SSM's command history: the CLI locks a user after
 * five failed logins).
 */
async function checkRestoredAdmin(event: ResourceEvent, props: ActivationProperties, cluster: Cluster, who: string): Promise<IsCompleteResponse> {
  const state = cluster.State ?? '';
  if (TRANSITIONAL_STATES.has(state) || state === 'CREATE_IN_PROGRESS') return NOT_COMPLETE;
  if (state !== 'ACTIVE') {
    throw new Error(`${who}: the cluster is restored from a backup (sourceBackupId) and should be ACTIVE with the backup's users, `
      + `but it is ${state}: ${cluster.StateMessage ?? 'no state message'}`);
  }
  const sent = await hostCommandStep(event, cluster, {
    who,
    what: `check of the admin secret of restored cluster ${props.clusterId}`,
    kind: ACTIVATE_KIND,
    on: props,
    commands: commandsFor(who, props),
  });
  return sent === 'wait' ? NOT_COMPLETE : done(cluster, props.clusterId);
}

export const activationHandler: ResourceHandler = {
  async onEvent(event): Promise<OnEventResponse> {
    // Activation cannot be undone: deleting the resource leaves the cluster (and its admin) as it is.
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const props = parseActivationProperties(event.ResourceProperties);
    // Nothing is sent here: a retried or duplicated onEvent starts nothing; isComplete sends the
    // command once the host is ready and finds one sent before. The id carries the request's start
    // (the bound on the wait for the host) until isComplete answers with the activation's own id.
    return { PhysicalResourceId: withRequestStart(physicalId(props.clusterId)) };
  },

  async isComplete(event) {
    if (event.RequestType === 'Delete') return { IsComplete: true };
    return step(event, parseActivationProperties(event.ResourceProperties));
  },
};
