// Tag operations: ListTags, TagResource, UntagResource, on clusters and backups.

import { findBackup, findCluster, OperationHandler, SimContext } from '../context';
import { tagError } from '../errors';
import { paginate } from '../paging';
import { JsonObject, Tag } from '../types';
import { checkTagKeys, checkTagSemantics, Validator } from '../validation';

const MAX_TAGS = 50;

/** The tag list of a cluster-* or backup-* id of this region (not found otherwise). */
function tagsOf(ctx: SimContext, region: string, resourceId: string): { tags: Tag[]; set: (tags: Tag[]) => void } {
  if (resourceId.startsWith('cluster-')) {
    const c = findCluster(ctx, region, resourceId);
    return { tags: c.tags, set: (tags) => { c.tags = tags; } };
  }
  const b = findBackup(ctx, region, resourceId);
  return { tags: b.tags, set: (tags) => { b.tags = tags; } };
}

export const listTags: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const resourceId = v.string('ResourceId');
  const maxResults = v.int('MaxResults');
  const nextToken = v.string('NextToken');
  v.done();
  const indexed = tagsOf(ctx, region, resourceId!).tags.map((tag, i) => ({ tag, i }));
  const page = paginate(indexed, {
    operation: 'ListTags',
    fingerprint: resourceId,
    key: (x) => [x.i],
    direction: 1,
    maxResults: maxResults ?? 100,
    nextToken,
  });
  const out: JsonObject = { TagList: page.items.map((x) => ({ Key: x.tag.Key, Value: x.tag.Value })) };
  if (page.nextToken) out.NextToken = page.nextToken;
  return out;
};

export const tagResource: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const resourceId = v.string('ResourceId');
  const tags = v.tagList('TagList');
  v.done();
  checkTagSemantics(tags!);
  const target = tagsOf(ctx, region, resourceId!);
  const merged = target.tags.map((t) => ({ ...t }));
  for (const t of tags!) {
    const existing = merged.find((m) => m.Key === t.Key);
    if (existing) existing.Value = t.Value;
    else merged.push({ ...t });
  }
  if (merged.length > MAX_TAGS) {
    throw tagError(`Resource '${resourceId}' would have ${merged.length} tags; a resource can have at most ${MAX_TAGS} tags`);
  }
  target.set(merged);
  return {};
};

export const untagResource: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const resourceId = v.string('ResourceId');
  const keys = v.stringList('TagKeyList');
  v.done();
  checkTagKeys(keys!);
  const target = tagsOf(ctx, region, resourceId!);
  target.set(target.tags.filter((t) => !keys!.includes(t.Key)));
  return {};
};
