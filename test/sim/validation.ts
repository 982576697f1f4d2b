// Typed reads of request members, and the rules the service models cannot state (tags, retention,
// filter keys). Every request has met its model's input constraints before a handler runs
// (models/validate.ts); the checks here that repeat a model constraint (tag lists, filter key
// pattern) only guard direct calls. Violations are reported together in the wording AWS JSON
// services use, as CloudHsmInvalidRequestException; a member of the wrong JSON type is a
// SerializationException, as in the live protocol.

import { invalidRequest, serialization, SimError, tagError } from './errors';
import { javaPattern } from './models/java-regex';
import { serviceModel } from './models/model';
import { Json, JsonObject, Tag } from './types';

export interface Pattern {
  readonly re: RegExp;
  /** the pattern as the model writes it, quoted in messages */
  readonly text: string;
}

/** A pattern of the CloudHSM v2 model, by shape name. */
export function modelPattern(shape: string): Pattern {
  const text = serviceModel('cloudhsmv2').shapes[shape]?.pattern;
  if (text === undefined) throw new Error(`the CloudHSM v2 model has no pattern for ${shape}`);
  return { re: javaPattern(text), text };
}

/** The model patterns the rules below use. */
export const PATTERNS = {
  subnetId: modelPattern('SubnetId'),
  availabilityZone: modelPattern('ExternalAz'),
  tag: modelPattern('TagKey'),
  filterKey: modelPattern('Field'),
};

export interface StringRules {
  readonly required?: boolean;
  readonly pattern?: Pattern;
  readonly min?: number;
  readonly max?: number;
  readonly oneOf?: readonly string[];
}

export interface ListRules {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** Coral paths use the member name with a lower-case first letter. */
function memberPath(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function show(value: Json): string {
  const text = Array.isArray(value) ? `[${value.map((v) => String(v)).join(', ')}]` : String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function typeName(value: Json | undefined): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

export class Validator {
  /**
   * @param problems shared with nested structures, so one message lists them all
   * @param prefix path of a nested structure, e.g. 'backupRetentionPolicy'
   */
  constructor(
    private readonly input: JsonObject,
    private readonly problems: string[] = [],
    private readonly prefix = '',
  ) {}

  public string(name: string, rules: StringRules = {}): string | undefined {
    return this.checkString(this.input[name], this.pathOf(name), name, rules);
  }

  public int(name: string, rules: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = this.input[name];
    const path = this.pathOf(name);
    if (value === undefined || value === null) {
      if (rules.required) this.problems.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw serialization(`Expected an integer for '${name}', got ${typeName(value)}`);
    }
    if (rules.min !== undefined && value < rules.min) {
      this.problems.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have value greater than or equal to ${rules.min}`);
    } else if (rules.max !== undefined && value > rules.max) {
      this.problems.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have value less than or equal to ${rules.max}`);
    }
    return value;
  }

  public bool(name: string, rules: { required?: boolean } = {}): boolean | undefined {
    const value = this.input[name];
    if (value === undefined || value === null) {
      if (rules.required) this.problems.push(`Value null at '${this.pathOf(name)}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (typeof value !== 'boolean') throw serialization(`Expected a boolean for '${name}', got ${typeName(value)}`);
    return value;
  }

  public stringList(name: string, list: ListRules = {}, item: StringRules = {}): string[] | undefined {
    const value = this.input[name];
    const path = this.pathOf(name);
    const items = this.checkList(value, path, name, list);
    if (!items) return undefined;
    return items.map((v, i) => {
      const s = this.checkString(v, `${path}.${i + 1}.member`, `${name}[${i}]`, { ...item, required: true });
      return s ?? '';
    });
  }

  /** A TagList: 1-50 tags, keys 1-128 and values 0-256 characters of the tag pattern. */
  public tagList(name: string, rules: { required?: boolean } = {}): Tag[] | undefined {
    const path = this.pathOf(name);
    const items = this.checkList(this.input[name], path, name, { required: rules.required, min: 1, max: 50 });
    if (!items) return undefined;
    return items.map((raw, i) => {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw serialization(`Expected a Tag structure for '${name}[${i}]', got ${typeName(raw)}`);
      }
      const at = `${path}.${i + 1}.member`;
      const key = this.checkString(raw.Key, `${at}.key`, 'Key', { required: true, min: 1, max: 128, pattern: PATTERNS.tag });
      const value = this.checkString(raw.Value, `${at}.value`, 'Value', { required: true, min: 0, max: 256, pattern: PATTERNS.tag });
      return { Key: key ?? '', Value: value ?? '' };
    });
  }

  /** A structure member (e.g. BackupRetentionPolicy); its members are checked with nested(). */
  public struct(name: string, rules: { required?: boolean } = {}): Validator | undefined {
    const value = this.input[name];
    if (value === undefined || value === null) {
      if (rules.required) this.problems.push(`Value null at '${this.pathOf(name)}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw serialization(`Expected a structure for '${name}', got ${typeName(value)}`);
    }
    return new Validator(value, this.problems, this.pathOf(name));
  }

  /** A Filters map (string -> list of strings) with the documented key pattern and known keys. */
  public filters(name: string, knownKeys: readonly string[]): Record<string, string[]> | undefined {
    const value = this.input[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw serialization(`Expected a map for '${name}', got ${typeName(value)}`);
    }
    const out: Record<string, string[]> = {};
    for (const [key, values] of Object.entries(value)) {
      if (!PATTERNS.filterKey.re.test(key)) {
        this.problems.push(`Value '${show(key)}' at '${this.pathOf(name)}' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: ${PATTERNS.filterKey.text}]`);
        continue;
      }
      if (!knownKeys.includes(key)) {
        throw invalidRequest(`Invalid filter key '${key}'. Valid filter keys are: ${knownKeys.join(', ')}`);
      }
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
        throw serialization(`Expected a list of strings for filter '${key}'`);
      }
      out[key] = values as string[];
    }
    return out;
  }

  /**
   * Throws CloudHsmInvalidRequestException (or the service's own error, e.g. KMS's
   * ValidationException) listing every constraint violation found.
   */
  public done(error: (message: string) => SimError = invalidRequest): void {
    const n = this.problems.length;
    if (n > 0) {
      throw error(`${n} validation error${n > 1 ? 's' : ''} detected: ${this.problems.join('; ')}`);
    }
  }

  private pathOf(name: string): string {
    return this.prefix ? `${this.prefix}.${memberPath(name)}` : memberPath(name);
  }

  private checkString(value: Json | undefined, path: string, name: string, rules: StringRules): string | undefined {
    if (value === undefined || value === null) {
      if (rules.required) this.problems.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (typeof value !== 'string') throw serialization(`Expected a string for '${name}', got ${typeName(value)}`);
    const v = show(value);
    if (rules.oneOf && !rules.oneOf.includes(value)) {
      this.problems.push(`Value '${v}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${rules.oneOf.join(', ')}]`);
    }
    if (rules.min !== undefined && value.length < rules.min) {
      this.problems.push(`Value '${v}' at '${path}' failed to satisfy constraint: Member must have length greater than or equal to ${rules.min}`);
    }
    if (rules.max !== undefined && value.length > rules.max) {
      this.problems.push(`Value '${v}' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${rules.max}`);
    }
    if (rules.pattern && !rules.pattern.re.test(value)) {
      this.problems.push(`Value '${v}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${rules.pattern.text}`);
    }
    return value;
  }

  private checkList(value: Json | undefined, path: string, name: string, rules: ListRules): Json[] | undefined {
    if (value === undefined || value === null) {
      if (rules.required) this.problems.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (!Array.isArray(value)) throw serialization(`Expected a list for '${name}', got ${typeName(value)}`);
    if (rules.min !== undefined && value.length < rules.min) {
      this.problems.push(`Value '${show(value)}' at '${path}' failed to satisfy constraint: Member must have length greater than or equal to ${rules.min}`);
    }
    if (rules.max !== undefined && value.length > rules.max) {
      this.problems.push(`Value '${show(value)}' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${rules.max}`);
    }
    return value;
  }
}

/** Checks that apply to tags beyond their shape: reserved prefix and duplicate keys. */
export function checkTagSemantics(tags: readonly Tag[]): void {
  const reserved = tags.find((t) => t.Key.toLowerCase().startsWith('aws:'));
  if (reserved) {
    throw tagError(`Tag key '${reserved.Key}' is not allowed: keys starting with 'aws:' are reserved for use by AWS`);
  }
  const seen = new Set<string>();
  for (const t of tags) {
    if (seen.has(t.Key)) throw invalidRequest(`Duplicate tag key '${t.Key}' in TagList`);
    seen.add(t.Key);
  }
}

/** Tag keys given to UntagResource: the reserved prefix is refused there too. */
export function checkTagKeys(keys: readonly string[]): void {
  const reserved = keys.find((k) => k.toLowerCase().startsWith('aws:'));
  if (reserved) {
    throw tagError(`Tag key '${reserved}' is not allowed: keys starting with 'aws:' are reserved for use by AWS`);
  }
}

/** BackupRetentionPolicy: Type DAYS and a Value of 7-379 days. */
export function checkRetentionRange(policy: { Type?: string; Value?: string }): { Type: string; Value: string } {
  if (policy.Type === undefined || policy.Value === undefined) {
    throw invalidRequest('BackupRetentionPolicy needs both Type (DAYS) and Value (number of days, 7-379)');
  }
  const days = Number(policy.Value);
  if (!(days >= 7 && days <= 379)) {
    throw invalidRequest(`BackupRetentionPolicy Value must be between 7 and 379 days, got '${policy.Value}'`);
  }
  return { Type: policy.Type, Value: policy.Value };
}
