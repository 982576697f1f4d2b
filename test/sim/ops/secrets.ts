// Secrets Manager operations (target prefix secretsmanager.): GetSecretValue and DescribeSecret,
// from their API reference (input shapes: the model, test/sim/models/secretsmanager.json). SecretId
// is a name, an ARN or a partial ARN;
// a missing secret is ResourceNotFoundException ("Secrets Manager can't find the specified
// secret."), a secret scheduled for deletion is InvalidRequestException; VersionStage other than
// AWSCURRENT, or a VersionId other than the current one, finds no version.

import { SimError } from '../errors';
import { SecretRecord, SecretStore } from '../secrets';
import { JsonObject } from '../types';

export interface SecretsContext {
  readonly clock: { now(): number };
  readonly secrets: SecretStore;
}

export type SecretsHandler = (ctx: SecretsContext, region: string, input: JsonObject) => JsonObject;

const NOT_FOUND = 'Secrets Manager can\'t find the specified secret.';

function secretOf(ctx: SecretsContext, region: string, input: JsonObject): SecretRecord {
  // SecretId's shape (required, 1..2048) is the model's, checked before any handler runs
  const secret = ctx.secrets.find(region, input.SecretId as string);
  if (!secret) throw new SimError('ResourceNotFoundException', NOT_FOUND);
  return secret;
}

export const getSecretValue: SecretsHandler = (ctx, region, input) => {
  const secret = secretOf(ctx, region, input);
  if (secret.deletedMs !== undefined) {
    throw new SimError('InvalidRequestException', 'You can\'t perform this operation on the secret because it was marked for deletion.');
  }
  const stage = input.VersionStage;
  const versionId = input.VersionId;
  if ((stage !== undefined && stage !== 'AWSCURRENT') || (versionId !== undefined && versionId !== secret.versionId)) {
    throw new SimError('ResourceNotFoundException', 'Secrets Manager can\'t find the specified secret value for staging label or version.');
  }
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: secret.versionId,
    SecretString: secret.secretString,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: secret.createdMs / 1000,
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
    Tags: secret.tags,
    VersionIdsToStages: { [secret.versionId]: ['AWSCURRENT'] },
  };
};

export const SECRETS_HANDLERS: Record<string, SecretsHandler> = {
  DescribeSecret: describeSecret,
  GetSecretValue: getSecretValue,
};
