import { Cluster } from '@aws-sdk/client-cloudhsm-v2';
import { describeCluster, TRANSITIONAL_STATES } from './cluster-state';
import { hereDocCommands, hostCommandStep } from './host-command';
import { log } from './log';
import { trustAnchorOf } from './private-ca';
import { IsCompleteResponse, NOT_COMPLETE, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import { CA_ARN_PATTERN, INSTANCE_ID_PATTERN, SECRET_ARN_PATTERN, SECRET_FIELD_PATTERN } from '../src/private/host-rules';
import { checkCertificatePem, checkClusterId } from '../src/private/rules';

/**
 * `Custom::CloudHsmActivation`: runs the CloudHSM CLI's `cluster activate` on the admin host with
 * SSM Run Command. The admin password never passes through here: the host reads it from Secrets
 * Manager itself (activate.sh); this handler knows only the secret's ARN.
 */

export interface ActivationProperties {
  readonly clusterId: string;
  readonly instanceId: string;
  readonly secretArn: string;
  readonly secretField?: string;
  readonly trustAnchor?: string;
  readonly certificateAuthorityArn?: string;
}

const q = (v: unknown) => JSON.stringify(v);

export function parseActivationProperties(raw: Record<string, any>): ActivationProperties {
  const props: ActivationProperties = {
    clusterId: String(raw.ClusterId ?? ''),
    instanceId: String(raw.InstanceId ?? ''),
    secretArn: String(raw.AdminSecretArn ?? ''),
    secretField: raw.AdminSecretField || undefined,
    trustAnchor: raw.TrustAnchor || undefined,
    certificateAuthorityArn: raw.CertificateAuthorityArn || undefined,
  };
  const errors: string[] = [];
  const idError = checkClusterId('cluster (ClusterId)', props.clusterId);
  if (idError) errors.push(idError);
  if (!INSTANCE_ID_PATTERN.test(props.instanceId)) {
    errors.push(`host (InstanceId): ${q(props.instanceId)} is not an EC2 instance id (must match ${INSTANCE_ID_PATTERN.source})`);
  }
  if (!SECRET_ARN_PATTERN.test(props.secretArn)) {
    errors.push(`adminSecret (AdminSecretArn): ${q(props.secretArn)} is not a Secrets Manager secret ARN`);
  }
  if (props.secretField !== undefined && !SECRET_FIELD_PATTERN.test(props.secretField)) {
    errors.push(`adminSecretField (AdminSecretField): ${q(props.secretField)} is not valid (must match ${SECRET_FIELD_PATTERN.source})`);
  }
  if (props.trustAnchor !== undefined) errors.push(...checkCertificatePem('trustAnchor (TrustAnchor)', props.trustAnchor));
  if (props.certificateAuthorityArn !== undefined && !CA_ARN_PATTERN.test(props.certificateAuthorityArn)) {
    errors.push(`certificateAuthority (CertificateAuthorityArn): ${q(props.certificateAuthorityArn)} is not an AWS Private CA ARN`);
  }
  if (errors.length > 0) throw new Error(errors.join('; '));
  return props;
}

export const physicalId = (clusterId: string) => `cdk-cloudhsm:activation:${clusterId}`;

/** The Comment every activation command starts with: names the cluster (the request follows). */
export const commentPrefix = (clusterId: string) => `cdk-cloudhsm activate ${clusterId} `;

function label(event: ResourceEvent, clusterId: string): string {
  return `HsmActivation ${event.LogicalResourceId} (${clusterId})`;
}

const HEREDOC_END = 'CDK_CLOUDHSM_ACTIVATE';

/**
 * The AWS-RunShellScript commands: the script fed to bash on stdin (a quoted here-document, so the
 * shell expands nothing in it), with arguments that are ids, addresses and the public trust anchor.
 */
export function activationCommands(args: {
  clusterId: string; secretArn: string; secretField?: string; region: string; hsmIps: string[]; trustAnchor?: string;
}): string[] {
  const argv = [
    '--cluster-id', args.clusterId, '--secret-id', args.secretArn, '--region', args.region,
    ...args.hsmIps.flatMap((ip) => ['--hsm-ip', ip]),
    ...(args.secretField ? ['--secret-field', args.secretField] : []),
    ...(args.trustAnchor ? ['--trust-anchor-b64', Buffer.from(args.trustAnchor, 'utf8').toString('base64')] : []),
  ];
  return hereDocCommands('activate.sh', HEREDOC_END, argv);
}

function done(cluster: Cluster, clusterId: string): IsCompleteResponse {
  return { IsComplete: true, PhysicalResourceId: physicalId(clusterId), Data: { State: cluster.State ?? '' } };
}

async function trustAnchorFor(event: ResourceEvent, props: ActivationProperties): Promise<string | undefined> {
  if (props.trustAnchor) return props.trustAnchor;
  if (props.certificateAuthorityArn) return trustAnchorOf(label(event, props.clusterId), props.certificateAuthorityArn);
  return undefined;
}

async function step(event: ResourceEvent, props: ActivationProperties): Promise<IsCompleteResponse> {
  const who = label(event, props.clusterId);
  const cluster = await describeCluster(props.clusterId);
  if (!cluster || cluster.State === 'DELETED' || cluster.State === 'DELETE_IN_PROGRESS') {
    throw new Error(`${who}: the cluster does not exist (or is being deleted)`);
  }
  const state = cluster.State ?? '';
  if (state === 'ACTIVE') return done(cluster, props.clusterId);
  if (state === 'INITIALIZE_IN_PROGRESS' || TRANSITIONAL_STATES.has(state)) return NOT_COMPLETE;
  if (state === 'UNINITIALIZED') {
    throw new Error(`${who}: the cluster is UNINITIALIZED; it must be initialized before it is activated (initialization)`);
  }
  if (state !== 'INITIALIZED') throw new Error(`${who}: the cluster is ${state}: ${cluster.StateMessage ?? 'no state message'}`);

  const sent = await hostCommandStep(event, cluster, {
    who,
    what: `activation of cluster ${props.clusterId}`,
    instanceId: props.instanceId,
    clusterId: props.clusterId,
    commentPrefix: commentPrefix(props.clusterId),
    commands: async (hsmIps) => activationCommands({
      clusterId: props.clusterId,
      secretArn: props.secretArn,
      secretField: props.secretField,
      // The secret's own region: a secret of another region is read there.
      region: props.secretArn.split(':')[3] || (process.env.AWS_REGION ?? ''),
      hsmIps,
      trustAnchor: await trustAnchorFor(event, props),
    }),
  });
  if (sent === 'wait') return NOT_COMPLETE;
  // The cluster is ACTIVE once the CLI reports success: look again now, not one poll later.
  const activated = await describeCluster(props.clusterId);
  if (activated?.State === 'ACTIVE') return done(activated, props.clusterId);
  log(event, 'the activation command succeeded; waiting for the cluster to be ACTIVE', { clusterId: props.clusterId });
  return NOT_COMPLETE;
}

export const activationHandler: ResourceHandler = {
  async onEvent(event): Promise<OnEventResponse> {
    // Activation cannot be undone: deleting the resource leaves the cluster (and its admin) as it is.
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const props = parseActivationProperties(event.ResourceProperties);
    // Nothing is sent here: a retried or duplicated onEvent starts nothing; isComplete sends the
    // command once the host is ready and finds one sent before.
    return { PhysicalResourceId: physicalId(props.clusterId) };
  },

  async isComplete(event) {
    if (event.RequestType === 'Delete') return { IsComplete: true };
    return step(event, parseActivationProperties(event.ResourceProperties));
  },
};
