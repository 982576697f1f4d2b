// Template resolution: intrinsic functions, pseudo parameters, conditions, and the string
// conversion CloudFormation applies to custom resource properties. Only what CDK templates
// use is supported; anything else fails loudly rather than deploying a wrong value.

import { CfnTemplate } from './types';

/** What resolution reads from the stack being deployed. */
export interface ResolveContext {
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly conditions: Readonly<Record<string, boolean>>;
  /** The physical id of a resource deployed earlier (throws when it is not). */
  physicalId(logicalId: string): string;
  /** An attribute of a resource deployed earlier (throws when it is missing). */
  attribute(logicalId: string, name: string): unknown;
}

/** `Ref: AWS::NoValue` removes the property (or list element) it stands in. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export class ResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolveError';
  }
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The single `Fn::*` / `Ref` / `Condition` key of an intrinsic, if `v` is one. */
export function intrinsicName(v: Json): string | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const k = keys[0];
  return k === 'Ref' || k === 'Condition' || k.startsWith('Fn::') ? k : undefined;
}

/** The Availability Zones `Fn::GetAZs` returns: three, like most regions. */
export function availabilityZones(region: string): string[] {
  return ['a', 'b', 'c'].map((l) => `${region}${l}`);
}

function pseudo(name: string, ctx: ResolveContext): Json | typeof NO_VALUE | undefined {
  switch (name) {
    case 'AWS::Region': return ctx.region;
    case 'AWS::AccountId': return ctx.account;
    case 'AWS::Partition': return ctx.partition;
    case 'AWS::StackName': return ctx.stackName;
    case 'AWS::StackId': return ctx.stackId;
    case 'AWS::URLSuffix': return 'amazonaws.com';
    case 'AWS::NotificationARNs': return [];
    case 'AWS::NoValue': return NO_VALUE;
    default: return undefined;
  }
}

function ref(name: string, ctx: ResolveContext): Json | typeof NO_VALUE {
  const p = pseudo(name, ctx);
  if (p !== undefined) return p;
  if (name in ctx.parameters) return ctx.parameters[name];
  return ctx.physicalId(name);
}

function getAtt(arg: Json, ctx: ResolveContext): Json {
  let logicalId: Json;
  let attr: Json;
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    [logicalId, attr] = [arg.slice(0, dot), arg.slice(dot + 1)];
  } else if (Array.isArray(arg) && arg.length === 2) {
    [logicalId, attr] = arg;
  }
  if (typeof logicalId !== 'string' || typeof attr !== 'string' || !logicalId || !attr) {
    throw new ResolveError(`Fn::GetAtt needs [logicalId, attribute], got ${JSON.stringify(arg)}`);
  }
  return ctx.attribute(logicalId, attr);
}

function scalarString(v: Json, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ResolveError(`${where} needs a string, got ${JSON.stringify(v)}`);
}

function sub(arg: Json, ctx: ResolveContext): string {
  const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
  if (typeof text !== 'string' || !isObject(vars)) throw new ResolveError(`Fn::Sub: bad arguments ${JSON.stringify(arg)}`);
  const values: Record<string, Json> = {};
  for (const [k, v] of Object.entries(vars)) values[k] = resolveValue(v, ctx);
  return text.replace(/\$\{(!?)([^}]*)\}/g, (_all, bang: string, name: string) => {
    if (bang) return `\${${name}}`;
    if (name in values) return scalarString(values[name], `Fn::Sub \${${name}}`);
    const dot = name.indexOf('.');
    const value = dot > 0 && !name.startsWith('AWS::')
      ? ctx.attribute(name.slice(0, dot), name.slice(dot + 1))
      : ref(name, ctx);
    return scalarString(value, `Fn::Sub \${${name}}`);
  });
}

function asList(v: Json, where: string): Json[] {
  if (!Array.isArray(v)) throw new ResolveError(`${where} needs a list, got ${JSON.stringify(v)}`);
  return v;
}

/** Evaluates a condition expression (Fn::Equals / Not / And / Or / Condition). */
export function evaluateCondition(expr: Json, ctx: ResolveContext): boolean {
  const fn = intrinsicName(expr);
  const arg = fn ? (expr as Record<string, Json>)[fn] : undefined;
  switch (fn) {
    case 'Fn::Equals': {
      const [a, b] = asList(arg, 'Fn::Equals').map((x) => resolveValue(x, ctx));
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::Not': return !evaluateCondition(asList(arg, 'Fn::Not')[0], ctx);
    case 'Fn::And': return asList(arg, 'Fn::And').every((x) => evaluateCondition(x, ctx));
    case 'Fn::Or': return asList(arg, 'Fn::Or').some((x) => evaluateCondition(x, ctx));
    case 'Condition': {
      if (typeof arg !== 'string' || !(arg in ctx.conditions)) throw new ResolveError(`Unknown condition ${JSON.stringify(arg)}`);
      return ctx.conditions[arg];
    }
    default: throw new ResolveError(`Not a condition expression: ${JSON.stringify(expr)}`);
  }
}

/** Evaluates the template's Conditions in order of reference (they may use each other). */
export function evaluateConditions(template: CfnTemplate, base: Omit<ResolveContext, 'conditions'>): Record<string, boolean> {
  const defs = template.Conditions ?? {};
  const done: Record<string, boolean> = {};
  const visiting = new Set<string>();
  const ctx: ResolveContext = {
    ...base,
    physicalId: base.physicalId.bind(base),
    attribute: base.attribute.bind(base),
    conditions: new Proxy(done, {
      has: (_t, name) => typeof name === 'string' && name in defs,
      get: (_t, name) => evaluate(String(name)),
    }),
  };
  function evaluate(name: string): boolean {
    if (name in done) return done[name];
    if (visiting.has(name)) throw new ResolveError(`Condition ${name} refers to itself`);
    visiting.add(name);
    done[name] = evaluateCondition(defs[name], ctx);
    return done[name];
  }
  for (const name of Object.keys(defs)) evaluate(name);
  return done;
}

/** Resolves every intrinsic in `value`; `AWS::NoValue` comes back as NO_VALUE at the top level. */
export function resolveValue(value: Json, ctx: ResolveContext): Json | typeof NO_VALUE {
  if (Array.isArray(value)) {
    return value.map((v) => resolveValue(v, ctx)).filter((v) => v !== NO_VALUE);
  }
  if (!isObject(value)) return value;
  const fn = intrinsicName(value);
  if (!fn) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = resolveValue(v, ctx);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }
  const arg = value[fn];
  switch (fn) {
    case 'Ref': return ref(scalarString(arg, 'Ref'), ctx);
    case 'Fn::GetAtt': return getAtt(arg, ctx);
    case 'Fn::Join': {
      const [sep, list] = asList(arg, 'Fn::Join');
      const items = asList(resolveValue(list, ctx), 'Fn::Join');
      return items.map((x) => scalarString(x, 'Fn::Join element')).join(scalarString(sep, 'Fn::Join separator'));
    }
    case 'Fn::Select': {
      const [index, list] = asList(arg, 'Fn::Select');
      const items = asList(resolveValue(list, ctx), 'Fn::Select');
      const i = Number(resolveValue(index, ctx));
      if (!Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new ResolveError(`Fn::Select index ${JSON.stringify(index)} is outside the list of ${items.length}`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [sep, text] = asList(arg, 'Fn::Split');
      return scalarString(resolveValue(text, ctx), 'Fn::Split').split(scalarString(sep, 'Fn::Split separator'));
    }
    case 'Fn::GetAZs': {
      const region = resolveValue(arg, ctx);
      return availabilityZones(typeof region === 'string' && region !== '' ? region : ctx.region);
    }
    case 'Fn::Sub': return sub(arg, ctx);
    case 'Fn::Base64': return Buffer.from(scalarString(resolveValue(arg, ctx), 'Fn::Base64'), 'utf8').toString('base64');
    case 'Fn::If': {
      const [cond, yes, no] = asList(arg, 'Fn::If');
      if (typeof cond !== 'string' || !(cond in ctx.conditions)) throw new ResolveError(`Fn::If: unknown condition ${JSON.stringify(cond)}`);
      return resolveValue(ctx.conditions[cond] ? yes : no, ctx);
    }
    default:
      throw new ResolveError(`${fn} is not supported by the deploy harness (in ${JSON.stringify(value).slice(0, 200)})`);
  }
}

/** Resolves a property bag; a top-level NoValue removes the property. */
export function resolveProperties(props: Record<string, unknown> | undefined, ctx: ResolveContext): Record<string, unknown> {
  const r = resolveValue(props ?? {}, ctx);
  return isObject(r) ? r : {};
}

/**
 * CloudFormation hands custom resources every scalar as a string: numbers and booleans arrive
 * as "90" and "false". Lists and maps keep their shape.
 */
export function stringifyScalars(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stringifyScalars);
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringifyScalars(v)]));
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value;
}

/** JSON with sorted keys: the comparison of two property sets ignores key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Every logical id the value refers to (Ref, Fn::GetAtt, Fn::Sub), for the dependency graph. */
export function referencedNames(value: Json, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedNames(v, into);
    return into;
  }
  if (!isObject(value)) return into;
  const fn = intrinsicName(value);
  const arg = fn ? value[fn] : undefined;
  if (fn === 'Ref' && typeof arg === 'string') {
    into.add(arg);
  } else if (fn === 'Fn::GetAtt') {
    const id = typeof arg === 'string' ? arg.split('.')[0] : Array.isArray(arg) ? arg[0] : undefined;
    if (typeof id === 'string') into.add(id);
    else referencedNames(arg, into);
  } else if (fn === 'Fn::Sub') {
    const [text, vars] = Array.isArray(arg) ? arg : [arg, undefined];
    if (typeof text === 'string') {
      for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) into.add(m[1].split('.')[0]);
    }
    if (vars !== undefined) referencedNames(vars, into);
  } else {
    for (const v of Object.values(value)) referencedNames(v, into);
  }
  return into;
}
