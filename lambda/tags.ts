import type { Tag } from '@aws-sdk/client-cloudhsm-v2';

/**
 * Tags under this prefix are written by cdk-cloudhsm itself (never by users) and are left alone
 * when user tags are reconciled.
 */
export const INTERNAL_TAG_PREFIX = 'cdk-cloudhsm:';

/**
 * Marks a resource with the CloudFormation request that created it, so a create that Lambda
 * retries finds the first attempt's resource instead of making a second one.
 */
export const CREATE_REQUEST_TAG = `${INTERNAL_TAG_PREFIX}create-request`;

export function toTagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function fromTagList(list: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) {
    if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  }
  return out;
}

/** Reads the `Tags` property as rendered by CDK's TagManager: `[{ Key, Value }]`. */
export function parseTagsProperty(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null || raw === '') return {};
  if (!Array.isArray(raw)) throw new Error(`Tags must be a list of { Key, Value }, got ${JSON.stringify(raw)}`);
  return fromTagList(raw as Tag[]);
}

export interface TagChanges {
  /** Tags to add or overwrite. */
  readonly set: Record<string, string>;
  /** Keys to remove. */
  readonly remove: string[];
}

/**
 * What to change so the resource carries `desired`. Only keys this stack managed before
 * (`previous`) are removed: tags added outside the stack survive an update.
 */
export function tagChanges(
  actual: Record<string, string>,
  desired: Record<string, string>,
  previous: Record<string, string>,
): TagChanges {
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired)) {
    if (actual[k] !== v) set[k] = v;
  }
  const remove = Object.keys(previous).filter(
    (k) => !(k in desired) && k in actual && !k.startsWith(INTERNAL_TAG_PREFIX),
  );
  return { set, remove };
}

export function hasTagChanges(c: TagChanges): boolean {
  return Object.keys(c.set).length > 0 || c.remove.length > 0;
}
