import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { P } from './property-names';

/** The crypto users given each secret (`passwordSecret`), and whether they rotate it. */
const usersOfSecret = new WeakMap<secretsmanager.ISecret, Array<{ path: string; rotated: boolean }>>();

/**
 * What is wrong with giving `secret` to the crypto user `user`, as far as rotation goes: a rotation
 * changes one user's password on the HSMs and the secret with it, so a rotated secret must be no
 * other user's password (the cluster's admin secret, another crypto user's secret), and a secret
 * another crypto user rotates cannot be given to this one. Records the user on success.
 */
export function claimPasswordSecret(user: Construct, secret: secretsmanager.ISecret, rotated: boolean,
  adminSecret: secretsmanager.ISecret): string[] {
  const errors: string[] = [];
  const others = usersOfSecret.get(secret) ?? [];
  if (rotated && secret === adminSecret) {
    errors.push(`${P.passwordSecret}: the secret ${secret.node.path} is also the cluster's admin secret; a rotated secret must hold this `
      + 'user\'s password only (a rotation changes one user\'s password on the HSMs): give the user a secret of its own');
  }
  const clash = others.find((o) => rotated || o.rotated);
  if (clash) {
    errors.push(`${P.passwordSecret}: the secret ${secret.node.path} is also the password of the crypto user ${clash.path}, `
      + `and ${clash.rotated ? 'that user rotates it' : 'this user would rotate it'}; a rotation changes one user's password on the `
      + 'HSMs: give each user a secret of its own');
  }
  if (errors.length === 0) usersOfSecret.set(secret, [...others, { path: user.node.path, rotated }]);
  return errors;
}
