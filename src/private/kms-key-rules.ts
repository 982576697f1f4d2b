/**
 * Rules for KMS keys in a CloudHSM key store, from the KMS API reference (CreateKey,
 * ScheduleKeyDeletion, TagResource). Shared by the construct (synth time) and the bundled handler
 * (deploy time): no CDK imports.
 */

/** ScheduleKeyDeletion's PendingWindowInDays: 7 to 30 days; KMS uses 30 when it is not given. */
export const MIN_PENDING_WINDOW_DAYS = 7;
export const MAX_PENDING_WINDOW_DAYS = 30;
export const DEFAULT_PENDING_WINDOW_DAYS = 30;

/** CreateKey and UpdateKeyDescription: a description of 0 to 8192 characters. */
export const MAX_DESCRIPTION_LENGTH = 8192;

/** CreateKey's CustomKeyStoreId: 1 to 64 characters. */
export const MAX_CUSTOM_KEY_STORE_ID_LENGTH = 64;

/** KMS tags: keys of 1 to 128 characters, values of up to 256, 50 tags per key (cdk-cloudhsm uses one). */
export const MAX_KMS_TAG_KEY_LENGTH = 128;
export const MAX_KMS_TAG_VALUE_LENGTH = 256;
export const MAX_KMS_USER_TAGS = 49;

const q = (s: string) => JSON.stringify(s);

export function checkPendingWindowDays(prop: string, days: number): string | undefined {
  if (!Number.isInteger(days) || days < MIN_PENDING_WINDOW_DAYS || days > MAX_PENDING_WINDOW_DAYS) {
    return `${prop}: ${days} days is not valid; KMS schedules the deletion of a key a whole number of days from `
      + `${MIN_PENDING_WINDOW_DAYS} to ${MAX_PENDING_WINDOW_DAYS} ahead`;
  }
  return undefined;
}

export function checkDescription(prop: string, description: string): string | undefined {
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    return `${prop}: ${description.length} characters is too long; a KMS key description has at most ${MAX_DESCRIPTION_LENGTH} characters`;
  }
  return undefined;
}

export function checkCustomKeyStoreId(prop: string, id: string): string | undefined {
  if (id.length < 1 || id.length > MAX_CUSTOM_KEY_STORE_ID_LENGTH || /\s/.test(id)) {
    return `${prop}: ${q(id)} is not a custom key store id (1 to ${MAX_CUSTOM_KEY_STORE_ID_LENGTH} characters without spaces, such as cks-1234567890abcdef0)`;
  }
  return undefined;
}

/** KMS tag limits; `aws:` is reserved by AWS and `cdk-cloudhsm:` by this library. */
export function checkKmsTags(prop: string, tags: Readonly<Record<string, string>>): string[] {
  const errors: string[] = [];
  const keys = Object.keys(tags);
  if (keys.length > MAX_KMS_USER_TAGS) {
    errors.push(`${prop}: ${keys.length} tags given; at most ${MAX_KMS_USER_TAGS} are allowed (KMS allows 50 per key and cdk-cloudhsm uses one to make retried creates idempotent)`);
  }
  for (const key of keys) {
    if (key.length < 1 || key.length > MAX_KMS_TAG_KEY_LENGTH) {
      errors.push(`${prop}: tag key ${q(key)} is ${key.length} characters long; KMS tag keys must be 1 to ${MAX_KMS_TAG_KEY_LENGTH} characters`);
    }
    const reserved = ['aws:', 'cdk-cloudhsm:'].find((p) => key.toLowerCase().startsWith(p));
    if (reserved) errors.push(`${prop}: tag key ${q(key)} uses the reserved prefix ${q(reserved)}`);
    if (tags[key].length > MAX_KMS_TAG_VALUE_LENGTH) {
      errors.push(`${prop}: the value of tag ${q(key)} is ${tags[key].length} characters long; KMS tag values must be at most ${MAX_KMS_TAG_VALUE_LENGTH} characters`);
    }
  }
  return errors;
}
