// Validates a request against its operation's input shape in the service model: required members,
// lengths (strings, blobs, lists, maps), numeric ranges, patterns, enums and JSON types, through
// nested structures, lists and maps. Violations are reported together, worded as AWS JSON services
// word them ("2 validation errors detected: Value 'x' at 'hsmType' failed to satisfy constraint:
// ...; Value null at 'subnetIds' failed to satisfy constraint: Member must not be null"), with the
// model's validation error; a member of the wrong JSON type is a SerializationException, as in the
// live protocol. Members the model does not know are ignored, as the services do.

import { javaPattern } from './java-regex';
import { ModelShape, ServiceModel } from './model';

/** A refused request: the error type and its message. */
export interface ModelViolation {
  readonly code: string;
  readonly message: string;
}

const patterns = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    re = javaPattern(pattern);
    patterns.set(pattern, re);
  }
  return re;
}

class TypeMismatch extends Error {}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'list' : typeof value;
}

function shown(value: unknown, hidden: boolean): string {
  if (hidden) return '\'***\'';
  const text = Array.isArray(value) ? `[${value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')}]`
    : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `'${text.length > 120 ? `${text.slice(0, 117)}...` : text}'`;
}

/** Coral's paths use the member name with a lower-case first letter. */
const memberPath = (prefix: string, name: string) => {
  const lower = name.charAt(0).toLowerCase() + name.slice(1);
  return prefix ? `${prefix}.${lower}` : lower;
};

class Walk {
  public readonly problems: string[] = [];
  /** a service-specific error a violation asks for (the first one wins) */
  public specific?: string;

  constructor(private readonly model: ServiceModel) {}

  public shape(name: string): ModelShape {
    const s = this.model.shapes[name];
    if (!s) throw new Error(`${this.model.service} model: no shape ${name}`);
    return s;
  }

  /** `hidden`: inside a sensitive shape, whose values are never shown. */
  public value(value: unknown, shapeName: string, path: string, hidden = false): void {
    const s = this.shape(shapeName);
    const secret = hidden || s.sensitive === true;
    const fail = (constraint: string, v: unknown = value) => {
      this.problems.push(`Value ${shown(v, secret)} at '${path}' failed to satisfy constraint: ${constraint}`);
    };
    switch (s.type) {
      case 'structure':
        this.expect(value, typeof value === 'object' && value !== null && !Array.isArray(value), 'a structure', path);
        this.structure(value as Record<string, unknown>, s, path, secret);
        return;
      case 'list':
        this.expect(value, Array.isArray(value), 'a list', path);
        this.length(value as unknown[], (value as unknown[]).length, s, fail);
        (value as unknown[]).forEach((item, i) => this.item(item, s.member!, `${path}.${i + 1}.member`, secret));
        return;
      case 'map': {
        this.expect(value, typeof value === 'object' && value !== null && !Array.isArray(value), 'a map', path);
        const entries = Object.entries(value as Record<string, unknown>);
        this.length(value, entries.length, s, fail);
        for (const [k, v] of entries) {
          const keyShape = this.shape(s.key!);
          const before = this.problems.length;
          this.string(k, keyShape, () => undefined, (constraint) => this.problems.push(
            `Value ${shown(k, secret || keyShape.sensitive === true)} at '${path}' failed to satisfy constraint: Map keys must satisfy constraint: [${constraint}]`));
          if (this.problems.length === before) this.item(v, s.value!, `${path}.${k}`, secret);
        }
        return;
      }
      case 'string':
        this.expect(value, typeof value === 'string', 'a string', path);
        this.string(value as string, s, fail, fail);
        return;
      case 'blob':
        this.expect(value, typeof value === 'string', 'a base64-encoded blob', path);
        this.length(value, Buffer.from(value as string, 'base64').length, s, fail);
        return;
      case 'boolean':
        this.expect(value, typeof value === 'boolean', 'a boolean', path);
        return;
      case 'timestamp':
        this.expect(value, typeof value === 'number' || typeof value === 'string', 'a timestamp', path);
        return;
      default: { // integer, long, float, double
        const whole = s.type === 'integer' || s.type === 'long';
        this.expect(value, typeof value === 'number' && (!whole || Number.isInteger(value)), `a number (${s.type})`, path);
        const n = value as number;
        if (s.min !== undefined && n < s.min) fail(`Member must have value greater than or equal to ${s.min}`);
        if (s.max !== undefined && n > s.max) fail(`Member must have value less than or equal to ${s.max}`);
      }
    }
  }

  private structure(value: Record<string, unknown>, s: ModelShape, path: string, hidden: boolean): void {
    for (const [member, target] of Object.entries(s.members ?? {})) {
      const v = value[member];
      const at = memberPath(path, member);
      if (v === undefined || v === null) {
        if (s.required?.includes(member)) this.problems.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`);
        continue;
      }
      this.value(v, target, at, hidden);
    }
  }

  /** A list item or map value: null there is a missing member too. */
  private item(value: unknown, shapeName: string, path: string, hidden: boolean): void {
    if (value === null || value === undefined) {
      this.problems.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
      return;
    }
    this.value(value, shapeName, path, hidden);
  }

  private string(value: string, s: ModelShape, fail: (c: string) => void, failPattern: (c: string) => void): void {
    if (s.enum && !s.enum.includes(value)) fail(`Member must satisfy enum value set: [${s.enum.join(', ')}]`);
    this.length(value, [...value].length, s, fail);
    if (s.pattern !== undefined && !compiled(s.pattern).test(value)) failPattern(`Member must satisfy regular expression pattern: ${s.pattern}`);
  }

  private length(value: unknown, n: number, s: ModelShape, fail: (c: string, v?: unknown) => void): void {
    const before = this.problems.length;
    if (s.min !== undefined && n < s.min) fail(`Member must have length greater than or equal to ${s.min}`, value);
    if (s.max !== undefined && n > s.max) fail(`Member must have length less than or equal to ${s.max}`, value);
    if (this.problems.length > before && s.lengthError) this.specific ??= s.lengthError;
  }

  private expect(value: unknown, ok: boolean, what: string, path: string): void {
    if (!ok) throw new TypeMismatch(`Expected ${what} at '${path}', got ${jsonType(value)}`);
  }
}

/**
 * The violations of a request against the model, or undefined when it satisfies every constraint.
 * The operation must be one of the model's.
 */
export function validateInput(model: ServiceModel, operation: string, input: Record<string, unknown>): ModelViolation | undefined {
  const inputShape = model.operations[operation];
  if (inputShape === undefined) throw new Error(`${model.service} model: the simulator serves no operation ${operation}`);
  if (inputShape === null) return undefined;
  const walk = new Walk(model);
  try {
    walk.value(input, inputShape, '');
  } catch (e) {
    if (e instanceof TypeMismatch) return { code: 'SerializationException', message: e.message };
    throw e;
  }
  const n = walk.problems.length;
  if (n === 0) return undefined;
  return {
    code: walk.specific ?? model.validationError,
    message: `${n} validation error${n > 1 ? 's' : ''} detected: ${walk.problems.join('; ')}`,
  };
}
