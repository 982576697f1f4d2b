// What a stack operation changed, resource by resource, from its CloudFormation transitions: the
// resources it created, updated in place, replaced (an Update answered with a new physical id, whose
// old resource the cleanup step then deletes or retains) and deleted. An unchanged resource gets no
// request and so no transition: a redeploy of an unchanged template changes nothing.
import { Transition } from './types';

export type ChangeKind = 'create' | 'update' | 'replace' | 'delete';

/** One resource the operation changed. */
export interface ResourceChange {
  readonly logicalId: string;
  readonly resourceType: string;
  /** a custom resource (served by a Lambda function), as opposed to one CloudFormation makes itself */
  readonly custom: boolean;
  readonly change: ChangeKind;
}

const ENDED = /_(COMPLETE|SKIPPED)$/;

/**
 * The changes of one operation, in the order they ended. `remaining` is the stack's logical ids
 * after it: a cleanup delete of one of them is the old half of a replacement.
 */
export function changesOf(transitions: readonly Transition[], remaining: ReadonlySet<string>): ResourceChange[] {
  const out = new Map<string, ResourceChange>();
  const set = (t: Transition, change: ChangeKind) =>
    out.set(t.logicalId, { logicalId: t.logicalId, resourceType: t.resourceType, custom: t.custom, change });
  for (const t of transitions) {
    if (t.kind !== 'resource' || !ENDED.test(t.status)) continue;
    if (t.phase === 'deploy' && t.status.startsWith('CREATE_')) set(t, 'create');
    else if (t.phase === 'deploy' && t.status.startsWith('UPDATE_')) set(t, 'update');
    else if (t.phase === 'cleanup' && t.status.startsWith('DELETE_')) set(t, remaining.has(t.logicalId) ? 'replace' : 'delete');
    else if (t.phase === 'destroy' && t.status.startsWith('DELETE_')) set(t, 'delete');
  }
  return [...out.values()];
}
