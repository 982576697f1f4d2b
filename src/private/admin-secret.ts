import { Token } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/** The CloudHSM CLI's password length, in characters. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 32;
/** Characters the activation cannot pass on the CLI's command line (besides whitespace). */
const UNUSABLE_CHARACTERS = ['"', '\'', '\\'];

/**
 * What is wrong with an admin password secret that can be seen at synth time: a secret made in
 * this app whose value is written into the template, or whose generated password the CloudHSM CLI
 * cannot take, or whose JSON field is not the one named. Imported secrets are checked on the host.
 */
export function checkAdminSecret(prop: string, fieldProp: string, secret: secretsmanager.ISecret, field?: string,
  names: { password: string; user: string } = { password: 'the admin password', user: 'the activation' }): string[] {
  const errors: string[] = [];
  if (field !== undefined && !Token.isUnresolved(field) && !/^[\w.-]{1,64}$/.test(field)) {
    errors.push(`${fieldProp}: ${JSON.stringify(field)} is not valid (letters, digits, _ . -; at most 64 characters)`);
  }
  if (!(secret instanceof secretsmanager.Secret)) return errors;
  const cfn = secret.node.defaultChild as secretsmanager.CfnSecret;
  if (cfn.secretString !== undefined && !Token.isUnresolved(cfn.secretString)) {
    errors.push(`${prop}: the secret ${secret.node.path} has its value written into the template (secretStringValue); `
      + `${names.password} must not appear there: let Secrets Manager generate it (generateSecretString) or use a secret made outside the stack`);
    return errors;
  }
  type Generate = secretsmanager.CfnSecret.GenerateSecretStringProperty;
  const gen = Token.isUnresolved(cfn.generateSecretString) ? undefined : cfn.generateSecretString as Generate | undefined;
  if (!gen) return errors;
  const length = gen.passwordLength ?? 32;
  if (!Token.isUnresolved(length) && (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH)) {
    errors.push(`${prop}: the secret ${secret.node.path} generates ${length}-character passwords; the CloudHSM CLI takes ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} (passwordLength)`);
  }
  if (gen.includeSpace) {
    errors.push(`${prop}: the secret ${secret.node.path} may generate spaces (includeSpace), which ${names.user} cannot pass to the CloudHSM CLI`);
  }
  const excluded = gen.excludeCharacters ?? '';
  if (!gen.excludePunctuation && !Token.isUnresolved(excluded) && UNUSABLE_CHARACTERS.some((c) => !excluded.includes(c))) {
    errors.push(`${prop}: the secret ${secret.node.path} may generate quotes or backslashes, which ${names.user} cannot pass to the CloudHSM CLI; `
      + 'set excludePunctuation: true or add \'"\\ to excludeCharacters');
  }
  const jsonKey = gen.generateStringKey;
  if (jsonKey !== undefined && field === undefined) {
    errors.push(`${fieldProp}: the secret ${secret.node.path} is JSON (generateStringKey ${JSON.stringify(jsonKey)}); name the password's field`);
  } else if (jsonKey === undefined && field !== undefined) {
    errors.push(`${fieldProp}: ${JSON.stringify(field)} is given but the secret ${secret.node.path} is a plain string, not JSON`);
  } else if (jsonKey !== undefined && field !== undefined && !Token.isUnresolved(jsonKey) && jsonKey !== field) {
    errors.push(`${fieldProp}: ${JSON.stringify(field)} is not the generated field of ${secret.node.path} (generateStringKey ${JSON.stringify(jsonKey)})`);
  }
  return errors;
}
