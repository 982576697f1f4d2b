import { Duration } from 'aws-cdk-lib';

/**
 * Secrets Manager rotation of an HSM user's password (`rotation` of an activation, for the admin;
 * `rotation` of a `CryptoUser`, for a crypto user). A rotation function in the stack's handler
 * package runs Secrets Manager's four steps: a new password in a new secret version (AWSPENDING),
 * set on the HSMs by the admin through the admin host with the CloudHSM CLI (`user change-password`),
 * tested by logging in with it, then made the secret's AWSCURRENT version. Until the password is set
 * on the HSMs the old one stays the user's, so a rotation that fails before that leaves the old
 * password working; a secret version that failed to log in is not tried again by a reattempt, so
 * no user is locked out. See docs/operations.md.
 */
export interface PasswordRotationOptions {
  /**
   * How often the password is rotated (4 hours to 1000 days, Secrets Manager's bounds).
   *
   * @default Duration.days(30)
   */
  readonly automaticallyAfter?: Duration;
}
