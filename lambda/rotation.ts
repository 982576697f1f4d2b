import { randomInt } from 'node:crypto';
import {
  DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { Command, GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { parseAdminAccess, regionOf, trustAnchorFor, AdminAccess } from './admin-access';
import { messageOf, secretsManager, ssm, startInvocation } from './aws';
import { describeCluster } from './cluster-state';
import {
  commandsOnHost, commentPrefix, DELIVERY_TIMEOUT_SECONDS, EXECUTION_TIMEOUT_SECONDS, hereDocCommands, lastLines, RUN_SHELL_SCRIPT, RUNNING,
} from './host-command';
import { failedLoginArgs, FailedLogin, lastFailedLogins } from './login-guard';
import { sleep } from './sleep';
import { MAX_PASSWORD_LENGTH } from '../src/private/host-rules';

/**
 * The Secrets Manager rotation function of an HSM user's password (the admin's, a crypto user's):
 * Secrets Manager invokes it with each of the four steps in turn for one rotation (its
 * ClientRequestToken is the new version's id), and may invoke a step more than once, so every step
 * is idempotent:
 * - createSecret: a new password in a new version labelled AWSPENDING (once per token);
 * - setSecret: on the admin host, an admin sets it with the CloudHSM CLI (rotate-password.sh);
 *   until that succeeds the user keeps the password AWSCURRENT holds;
 * - testSecret: on the admin host, the new password logs in as the user;
 * - finishSecret: AWSCURRENT moves to the new version (Secrets Manager puts AWSPREVIOUS on the
 *   old one) and AWSPENDING is taken off, the end state the RotateSecret reference asks for.
 * The function never holds a password it does not generate: the host reads both from Secrets Manager.
 * What it rotates comes from its environment (CDK_CLOUDHSM_ROTATION, JSON), set by the construct.
 */

/** One step, as Secrets Manager invokes a rotation function. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: string;
}

/** What one rotation function rotates: a user on a cluster, through the admin host. */
export interface RotationTarget extends AdminAccess {
  readonly username: string;
  readonly role: 'admin' | 'crypto-user';
  /** the JSON field of the rotated secret that holds the password, for a JSON secret */
  readonly secretField?: string;
}

export const ROTATION_ENV = 'CDK_CLOUDHSM_ROTATION';
const HEREDOC_END = 'CDK_CLOUDHSM_ROTATE';
/** Letters and digits only: the CLI's command line takes no whitespace, quotes or backslash. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The rotation target from the function's environment. */
export function rotationTarget(env: NodeJS.ProcessEnv = process.env): RotationTarget {
  let raw: Record<string, any>;
  try {
    raw = JSON.parse(env[ROTATION_ENV] ?? '');
  } catch {
    throw new Error(`cdk-cloudhsm rotation: ${ROTATION_ENV} is not set to the rotation's JSON description`);
  }
  const { access, errors } = parseAdminAccess(raw, { host: 'host', adminSecret: 'adminSecret' });
  const username = String(raw.Username ?? '');
  const role = String(raw.Role ?? '');
  if (!/^[a-zA-Z0-9_]{1,31}$/.test(username)) errors.push(`Username: ${JSON.stringify(username)} is not an HSM user name`);
  if (role !== 'admin' && role !== 'crypto-user') errors.push(`Role: ${JSON.stringify(role)} is not admin or crypto-user`);
  if (errors.length > 0) throw new Error(`cdk-cloudhsm rotation: ${errors.join('; ')}`);
  return { ...access, username, role: role as RotationTarget['role'], secretField: raw.SecretField || undefined };
}

/** A new password: letters and digits, the CLI's longest. */
export function newPassword(length = MAX_PASSWORD_LENGTH): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

function notFound(err: unknown): boolean {
  return (err as { name?: string })?.name === 'ResourceNotFoundException';
}

/** The secret's versions and their labels; refuses a token that is not this rotation's pending version. */
async function checkToken(event: RotationEvent): Promise<'pending' | 'current' | 'absent'> {
  const out = await secretsManager(regionOf(event.SecretId)).send(new DescribeSecretCommand({ SecretId: event.SecretId }));
  if (out.RotationEnabled === false) throw new Error(`cdk-cloudhsm rotation: rotation is not enabled on ${event.SecretId}`);
  const stages = out.VersionIdsToStages?.[event.ClientRequestToken];
  if (!stages) return 'absent';
  if (stages.includes('AWSCURRENT')) return 'current';
  if (!stages.includes('AWSPENDING')) {
    throw new Error(`cdk-cloudhsm rotation: version ${event.ClientRequestToken} of ${event.SecretId} is not pending rotation (labels ${stages.join(', ') || 'none'})`);
  }
  return 'pending';
}

async function createSecret(event: RotationEvent, target: RotationTarget): Promise<void> {
  const sm = secretsManager(regionOf(event.SecretId));
  try {
    await sm.send(new GetSecretValueCommand({ SecretId: event.SecretId, VersionId: event.ClientRequestToken, VersionStage: 'AWSPENDING' }));
    return; // made by an earlier invocation of this step
  } catch (err) {
    if (!notFound(err)) throw err;
  }
  let value = newPassword();
  if (target.secretField) {
    const current = await sm.send(new GetSecretValueCommand({ SecretId: event.SecretId, VersionStage: 'AWSCURRENT' }));
    const json = JSON.parse(current.SecretString ?? '{}');
    value = JSON.stringify({ ...json, [target.secretField]: value });
  }
  // The token as ClientRequestToken: a repeated put of this version is refused or a no-op, never a second version.
  await sm.send(new PutSecretValueCommand({
    SecretId: event.SecretId, ClientRequestToken: event.ClientRequestToken, SecretString: value, VersionStages: ['AWSPENDING'],
  }));
}

async function finishSecret(event: RotationEvent): Promise<void> {
  const sm = secretsManager(regionOf(event.SecretId));
  const out = await sm.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
  const versions = out.VersionIdsToStages ?? {};
  const current = Object.keys(versions).find((id) => versions[id].includes('AWSCURRENT'));
  if (current !== event.ClientRequestToken) {
    await sm.send(new UpdateSecretVersionStageCommand({
      SecretId: event.SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: event.ClientRequestToken, RemoveFromVersionId: current,
    }));
  }
  if (versions[event.ClientRequestToken]?.includes('AWSPENDING') || current !== event.ClientRequestToken) {
    await sm.send(new UpdateSecretVersionStageCommand({
      SecretId: event.SecretId, VersionStage: 'AWSPENDING', RemoveFromVersionId: event.ClientRequestToken,
    }));
  }
}

/** The host script's commands for one step; `failed`: the logins the cluster's last rotation commands recorded as failed. */
export function rotationCommands(target: RotationTarget, event: RotationEvent, step: 'set' | 'test', hsmIps: string[],
  trustAnchor?: string, failed: readonly FailedLogin[] = []): string[] {
  const argv = [
    '--step', step, '--cluster-id', target.clusterId, '--region', regionOf(event.SecretId),
    ...hsmIps.flatMap((ip) => ['--hsm-ip', ip]),
    '--username', target.username, '--role', target.role,
    '--secret-id', event.SecretId, '--token', event.ClientRequestToken, '--admin-secret-id', target.adminSecretArn,
    ...(target.secretField ? ['--secret-field', target.secretField] : []),
    ...(target.adminSecretField ? ['--admin-secret-field', target.adminSecretField] : []),
    ...(trustAnchor ? ['--trust-anchor-b64', Buffer.from(trustAnchor, 'utf8').toString('base64')] : []),
    // Secret versions whose login failed before (the admin's current one, this rotation's new one): not tried again.
    ...failedLoginArgs(failed, [{ user: 'admin', secretId: target.adminSecretArn }, { user: target.username, secretId: event.SecretId }]),
  ];
  return hereDocCommands('rotate-password.sh', HEREDOC_END, argv);
}

/** How often the step polls its command, and for how long at most (Lambda's limit is 15 minutes). */
const pollMs = () => Number(process.env.CDK_CLOUDHSM_ROTATION_POLL_MS ?? 2000);
export const STEP_WAIT_MS = 12 * 60_000;

/** The Run Command comment prefix of a step's commands on a cluster. */
const stepPrefix = (step: 'set' | 'test', clusterId: string) => commentPrefix(`rotate-${step}`, clusterId);

/**
 * Runs a step's script on the admin host and waits for its end. A command of this very step and
 * version that succeeded before (Secrets Manager invoking the step twice, a response lost) counts,
 * unless it is a crypto user's set step whose password failed to log in since; one still running
 * is waited for rather than doubled. The script is told which secret versions
 * failed to log in in the cluster's last rotation commands (both steps, one history: a set step that
 * succeeds proves its logins), so a reattempted rotation does not lock a user out.
 */
async function hostStep(event: RotationEvent, target: RotationTarget, step: 'set' | 'test'): Promise<void> {
  const prefix = stepPrefix(step, target.clusterId);
  const comment = `${prefix}${event.ClientRequestToken}`.slice(0, 100);
  const failed = await lastFailedLogins([stepPrefix('set', target.clusterId), stepPrefix('test', target.clusterId)]);
  // A crypto user's new password that failed to log in since its set step succeeded (a test step):
  // the set step runs again, and the admin sets it again (which also unlocks the user). The admin's
  // own cannot be set again without the password it has: its test step stays refused.
  const setAgain = step === 'set' && target.username !== 'admin' && failed.some((f) => f.user === target.username
    && f.secretId === event.SecretId && f.versionId === event.ClientRequestToken);
  const earlier = (await commandsOnHost(target.instanceId, prefix)).filter((c) => c.Comment === comment);
  if (!setAgain && earlier.some((c) => c.Status === 'Success')) return;
  let command: Command | undefined = earlier.find((c) => RUNNING.has(c.Status ?? ''));
  if (!command) {
    const cluster = await describeCluster(target.clusterId);
    const hsmIps = (cluster?.Hsms ?? []).filter((h) => h.State === 'ACTIVE' && h.EniIp).map((h) => h.EniIp!);
    if (hsmIps.length === 0) throw new Error(`cdk-cloudhsm rotation: cluster ${target.clusterId} has no ACTIVE HSM; the ${step} step cannot run`);
    const trustAnchor = await trustAnchorFor('cdk-cloudhsm rotation', target);
    command = (await ssm().send(new SendCommandCommand({
      DocumentName: RUN_SHELL_SCRIPT,
      InstanceIds: [target.instanceId],
      Comment: comment,
      TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
      Parameters: {
        commands: rotationCommands(target, event, step, hsmIps, trustAnchor, failed),
        executionTimeout: [String(EXECUTION_TIMEOUT_SECONDS)],
      },
    }))).Command;
  }
  const deadline = Date.now() + STEP_WAIT_MS;
  for (let n = 0; n < STEP_WAIT_MS / 100 && Date.now() < deadline; n++) {
    await sleep(pollMs());
    let inv;
    try {
      inv = await ssm().send(new GetCommandInvocationCommand({ CommandId: command!.CommandId, InstanceId: target.instanceId }));
    } catch (err) {
      if ((err as { name?: string })?.name === 'InvocationDoesNotExist') continue; // not visible yet
      throw err;
    }
    if (inv.Status === 'Success') return;
    if (inv.Status && !RUNNING.has(inv.Status)) {
      throw new Error(`cdk-cloudhsm rotation: the ${step} step for ${target.username} on ${target.clusterId} failed `
        + `(command ${command!.CommandId}, ${inv.StatusDetails ?? inv.Status}, exit ${inv.ResponseCode}): ${lastLines(inv.StandardErrorContent) || '(no error output)'}`);
    }
  }
  throw new Error(`cdk-cloudhsm rotation: the ${step} step's command ${command!.CommandId} on ${target.instanceId} has not ended in time`);
}

/** The rotation function's handler (Secrets Manager invokes it once per step). */
export async function rotate(event: RotationEvent): Promise<void> {
  startInvocation();
  const target = rotationTarget();
  const state = await checkToken(event);
  if (state === 'current') return; // this rotation has finished
  try {
    switch (event.Step) {
      case 'createSecret': return await createSecret(event, target);
      case 'setSecret': return await hostStep(event, target, 'set');
      case 'testSecret': return await hostStep(event, target, 'test');
      case 'finishSecret': return await finishSecret(event);
      default: throw new Error(`unknown step ${JSON.stringify(event.Step)}`);
    }
  } catch (err) {
    throw new Error(`cdk-cloudhsm rotation of ${target.username} (${event.Step}, version ${event.ClientRequestToken}): ${messageOf(err)}`);
  }
}
