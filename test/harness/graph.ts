// The dependency graph of a template: explicit DependsOn plus the implicit dependencies
// CloudFormation derives from Ref / Fn::GetAtt / Fn::Sub. Order is deterministic (template
// order breaks ties) so every run deploys in the same sequence.

import { referencedNames } from './template';
import { CfnResource } from './types';

/** The logical ids among `known` that a resource depends on. */
export function dependenciesOf(resource: CfnResource, known: ReadonlySet<string>, self?: string): string[] {
  const names = referencedNames(resource.Properties ?? {});
  const explicit = resource.DependsOn === undefined ? [] : ([] as string[]).concat(resource.DependsOn);
  for (const d of explicit) {
    if (!known.has(d)) throw new Error(`DependsOn names ${d}, which is not a resource of the template`);
    names.add(d);
  }
  return [...names].filter((n) => known.has(n) && n !== self);
}

/** Dependencies of every resource, by logical id. */
export function dependencyMap(resources: Readonly<Record<string, CfnResource>>): Map<string, string[]> {
  const known = new Set(Object.keys(resources));
  return new Map(Object.entries(resources).map(([id, r]) => [id, dependenciesOf(r, known, id)]));
}

/**
 * Logical ids in an order where every resource comes after what it depends on; among
 * resources that are ready at the same time, the earlier one in `ids` goes first.
 * Throws on a cycle, naming its members.
 */
export function topologicalOrder(ids: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[] {
  const inSet = new Set(ids);
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < ids.length) {
    const next = ids.find((id) => !done.has(id) && (deps.get(id) ?? []).every((d) => !inSet.has(d) || done.has(d)));
    if (next === undefined) {
      const stuck = ids.filter((id) => !done.has(id));
      throw new Error(`Circular dependency between resources: ${stuck.join(', ')}`);
    }
    done.add(next);
    order.push(next);
  }
  return order;
}

/** For deletion: who depends on each resource (the reverse edges). */
export function dependents(deps: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const id of deps.keys()) out.set(id, []);
  for (const [id, ds] of deps) {
    for (const d of ds) out.get(d)?.push(id);
  }
  return out;
}
