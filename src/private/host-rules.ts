/**
 * The rules of what the admin host's commands take: HSM user passwords, the secrets and fields they
 * are read from, the host and the CA. One place, with no CDK imports, read by the constructs (synth
 * time), the handler (deploy time) and, through the handler, the host scripts (the values are
 * written into every script the handler sends: see lambda/host-command.ts).
 */

/** The CloudHSM CLI's password length, in characters. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 32;
/**
 * Characters a password cannot hold (besides whitespace): the scripts pass it to the CLI's
 * interactive command line, which would misread them.
 */
export const UNUSABLE_PASSWORD_CHARACTERS = ['"', '\'', '\\'];
/** The crypto user KMS works with on a CloudHSM key store's cluster (KMS developer guide). */
export const KMS_USER_NAME = 'kmsuser';

/**
 * How a host script records a failed login on its standard error (followed by the user, the secret
 * id and the secret's version), so the handler can find it in SSM's command history.
 */
export const FAILED_LOGIN_MARK = 'cdk-cloudhsm failed-login:';

/**
 * An HSM user name as the CloudHSM CLI's `user create` takes it (CloudHSM CLI reference, user
 * create: at most 31 characters, the only special character the underscore; not case sensitive,
 * always shown in lowercase).
 */
export const USER_NAME_PATTERN = /^[A-Za-z0-9_]{1,31}$/;
/**
 * Names a crypto user of this library may not take: the cluster's built-in admin and appliance
 * user (`user list` of a new cluster), and KMS's crypto user, which a key store on the cluster makes.
 */
export const RESERVED_USER_NAMES = ['admin', 'app_user', KMS_USER_NAME];

/** What is wrong with a crypto user name (undefined when the CLI takes it); `prop` names the property. */
export function checkCryptoUserName(prop: string, name: string): string | undefined {
  if (!USER_NAME_PATTERN.test(name)) {
    return `${prop}: ${JSON.stringify(name)} is not a CloudHSM user name (1 to 31 letters, digits or _, as the CloudHSM CLI's user create takes it)`;
  }
  if (RESERVED_USER_NAMES.includes(name.toLowerCase())) {
    return `${prop}: ${JSON.stringify(name)} is taken on every cluster (${RESERVED_USER_NAMES.join(', ')}: the built-in admin, the appliance user, KMS's crypto user); choose another`;
  }
  return undefined;
}

/** A JSON field of a secret that holds a password. */
export const SECRET_FIELD_PATTERN = /^[\w.-]{1,64}$/;
export const SECRET_ARN_PATTERN = /^arn:[\w-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;
export const INSTANCE_ID_PATTERN = /^(i-[0-9a-f]{8,17}|mi-[0-9a-f]{17})$/;
export const CA_ARN_PATTERN = /^arn:[\w+=/,.@-]+:acm-pca:[\w+=/,.@-]*:[0-9]*:certificate-authority\/[\w+=,.@-]+$/;

/**
 * The rules as bash variable assignments, for the host scripts' prelude: the scripts hold no value
 * of their own. The unusable characters become a bracket expression for `[[ =~ ]]`.
 */
export function hostRuleAssignments(): string[] {
  const quote = (v: string) => `'${v.replace(/'/g, '\'\\\'\'')}'`;
  const bracket = `[[:space:]${UNUSABLE_PASSWORD_CHARACTERS.join('')}]`;
  return [
    `MIN_PASSWORD_LENGTH=${MIN_PASSWORD_LENGTH}`,
    `MAX_PASSWORD_LENGTH=${MAX_PASSWORD_LENGTH}`,
    `UNUSABLE_PASSWORD_PATTERN=${quote(bracket)}`,
    `KMS_USER_NAME=${quote(KMS_USER_NAME)}`,
    `FAILED_LOGIN_MARK=${quote(FAILED_LOGIN_MARK)}`,
  ];
}
