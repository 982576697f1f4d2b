// Secrets Manager operations (target prefix secretsmanager.), from their API reference (input
// shapes: the model, test/sim/models/secretsmanager.json). SecretId is a name, an ARN or a partial
// ARN; a missing secret is ResourceNotFoundException ("Secrets Manager can't find the specified
// secret."), a secret scheduled for deletion is InvalidRequestException.
// - GetSecretValue: by VersionId and/or VersionStage (default AWSCURRENT); both must name the same version.
// - PutSecretValue: a new version with ClientRequestToken as its id (idempotent: the same token and
//   value again changes nothing, another value is ResourceExistsException), labels VersionStages
//   (default AWSCURRENT) moved to it.
// - UpdateSecretVersionStage: moves a label (MoveToVersionId) or takes it off (RemoveFromVersionId);
//   a label on another version than RemoveFromVersionId names is InvalidParameterException; moving
//   AWSCURRENT puts AWSPREVIOUS on the version it left.
// - RotateSecret: stores the rotation function and rules, then (RotateImmediately, default true)
//   starts a rotation whose token is ClientRequestToken: the four steps, in order, through the
//   store's rotation invoker. Refused while AWSPENDING is on a version AWSCURRENT is not on ("A
//   previous rotation isn't complete"), as the RotateSecret reference says. Simplification: the
//   simulator creates no version before the createSecret step; the rotation function puts it.

import { SimError } from '../errors';
import { CURRENT, PENDING, RotationEvent, RotationOutcome, SecretRecord, SecretStore } from '../secrets';
import { JsonObject } from '../types';

export interface SecretsContext {
  readonly clock: { now(): number };
  readonly secrets: SecretStore;
}

export type SecretsHandler = (ctx: SecretsContext, region: string, input: JsonObject) => JsonObject;

const NOT_FOUND = 'Secrets Manager can\'t find the specified secret.';
const NO_VERSION = 'Secrets Manager can\'t find the specified secret value for staging label or version.';

function secretOf(ctx: SecretsContext, region: string, input: JsonObject): SecretRecord {
  // SecretId's shape (required, 1..2048) is the model's, checked before any handler runs
  const secret = ctx.secrets.find(region, input.SecretId as string);
  if (!secret) throw new SimError('ResourceNotFoundException', NOT_FOUND);
  return secret;
}

function liveSecretOf(ctx: SecretsContext, region: string, input: JsonObject): SecretRecord {
  const secret = secretOf(ctx, region, input);
  if (secret.deletedMs !== undefined) {
    throw new SimError('InvalidRequestException', 'You can\'t perform this operation on the secret because it was marked for deletion.');
  }
  return secret;
}

export const getSecretValue: SecretsHandler = (ctx, region, input) => {
  const secret = liveSecretOf(ctx, region, input);
  const versionId = input.VersionId as string | undefined;
  const stage = (input.VersionStage as string | undefined) ?? (versionId === undefined ? CURRENT : undefined);
  const version = versionId !== undefined ? secret.versions.get(versionId) : secret.withStage(stage!);
  if (!version || (stage !== undefined && !version.stages.includes(stage))) throw new SimError('ResourceNotFoundException', NO_VERSION);
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    SecretString: version.secretString,
    VersionStages: [...version.stages],
    CreatedDate: version.createdMs / 1000,
  };
};

export const describeSecret: SecretsHandler = (ctx, region, input) => {
  const secret = secretOf(ctx, region, input);
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description !== undefined ? { Description: secret.description } : {}),
    CreatedDate: secret.createdMs / 1000,
    ...(secret.deletedMs !== undefined ? { DeletedDate: secret.deletedMs / 1000 } : {}),
    ...(secret.rotationLambdaArn !== undefined ? {
      RotationEnabled: secret.rotationEnabled,
      RotationLambdaARN: secret.rotationLambdaArn,
      ...(secret.rotationDays !== undefined ? { RotationRules: { AutomaticallyAfterDays: secret.rotationDays } } : {}),
    } : {}),
    ...(secret.lastRotatedMs !== undefined ? { LastRotatedDate: secret.lastRotatedMs / 1000 } : {}),
    Tags: secret.tags,
    VersionIdsToStages: secret.stagesView(),
  };
};

export const putSecretValue: SecretsHandler = (ctx, region, input) => {
  const secret = liveSecretOf(ctx, region, input);
  const token = (input.ClientRequestToken as string | undefined) ?? ctx.secrets.newVersionId();
  const value = input.SecretString as string | undefined;
  if (value === undefined) throw new SimError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
  const stages = (input.VersionStages as string[] | undefined) ?? [CURRENT];
  const existing = secret.versions.get(token);
  if (existing) {
    if (existing.secretString !== value) {
      throw new SimError('ResourceExistsException', `A version with the ClientRequestToken ${token} already exists with a different value.`);
    }
    for (const stage of stages) secret.attachStage(stage, token);
  } else {
    ctx.secrets.addVersion(secret, value, ctx.clock.now(), stages, token);
  }
  return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...secret.versions.get(token)!.stages] };
};

export const updateSecretVersionStage: SecretsHandler = (ctx, region, input) => {
  const secret = liveSecretOf(ctx, region, input);
  const stage = input.VersionStage as string;
  const moveTo = input.MoveToVersionId as string | undefined;
  const removeFrom = input.RemoveFromVersionId as string | undefined;
  const holder = secret.withStage(stage);
  for (const id of [moveTo, removeFrom]) {
    if (id !== undefined && !secret.versions.has(id)) throw new SimError('ResourceNotFoundException', NO_VERSION);
  }
  if (moveTo !== undefined && holder && holder.versionId !== moveTo && holder.versionId !== removeFrom) {
    throw new SimError('InvalidParameterException',
      `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`);
  }
  if (moveTo === undefined && removeFrom !== undefined) {
    if (stage === CURRENT) throw new SimError('InvalidParameterException', 'You can\'t remove the staging label AWSCURRENT without moving it to another version.');
    secret.detachStage(stage, removeFrom);
  } else if (moveTo !== undefined) {
    secret.attachStage(stage, moveTo);
  }
  return { ARN: secret.arn, Name: secret.name };
};

const STEPS: RotationEvent['Step'][] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** The four steps of one rotation through the store's invoker; settles with the failed step, if any. */
async function runRotation(ctx: SecretsContext, secret: SecretRecord, functionArn: string, token: string): Promise<RotationOutcome> {
  for (const Step of STEPS) {
    try {
      await ctx.secrets.rotationInvoker!(functionArn, { SecretId: secret.arn, ClientRequestToken: token, Step });
    } catch (err) {
      return { token, failedStep: Step, error: err instanceof Error ? err.message : String(err) };
    }
  }
  secret.lastRotatedMs = ctx.clock.now();
  return { token };
}

export const rotateSecret: SecretsHandler = (ctx, region, input) => {
  const secret = liveSecretOf(ctx, region, input);
  const functionArn = (input.RotationLambdaARN as string | undefined) ?? secret.rotationLambdaArn;
  if (!functionArn) throw new SimError('InvalidRequestException', 'No Lambda rotation function ARN is associated with this secret.');
  const pending = secret.withStage(PENDING);
  if (pending && !pending.stages.includes(CURRENT)) {
    throw new SimError('InvalidRequestException', 'A previous rotation isn\'t complete. That rotation will be reattempted.');
  }
  if (!ctx.secrets.rotationInvoker) throw new SimError('InvalidRequestException', 'this simulator has no rotation invoker (Lambda) configured');
  secret.rotationLambdaArn = functionArn;
  const rules = input.RotationRules as { AutomaticallyAfterDays?: number } | undefined;
  if (rules?.AutomaticallyAfterDays !== undefined) secret.rotationDays = rules.AutomaticallyAfterDays;
  secret.rotationEnabled = true;
  const token = (input.ClientRequestToken as string | undefined) ?? ctx.secrets.newVersionId();
  if (input.RotateImmediately !== false) {
    secret.rotations.push({ token, done: runRotation(ctx, secret, functionArn, token) });
  }
  return { ARN: secret.arn, Name: secret.name, VersionId: token };
};

export const SECRETS_HANDLERS: Record<string, SecretsHandler> = {
  DescribeSecret: describeSecret,
  GetSecretValue: getSecretValue,
  PutSecretValue: putSecretValue,
  RotateSecret: rotateSecret,
  UpdateSecretVersionStage: updateSecretVersionStage,
};
