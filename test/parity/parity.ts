/**
 * Compares the CloudHSM custom resources of the example app's templates across languages.
 * Only `Custom::CloudHsm*` resources count; their Metadata (construct paths, asset info) and any
 * asset hash inside them are ignored, since those differ by toolchain rather than by app.
 */

/** A CloudFormation template as parsed JSON. */
export interface Template {
  readonly Resources?: Record<string, Record<string, unknown>>;
}

const CLOUDHSM_TYPE = /^Custom::CloudHsm/;
/** An asset hash as the CDK writes it: 64 hex digits, possibly inside a longer string (S3 keys). */
const ASSET_HASH = /[0-9a-f]{64}/g;

/** The CloudHSM resources of a template by logical id, without Metadata, asset hashes masked. */
export function cloudHsmResources(template: Template): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (typeof resource.Type !== 'string' || !CLOUDHSM_TYPE.test(resource.Type)) continue;
    const { Metadata: _ignored, ...rest } = resource;
    out[id] = maskHashes(rest);
  }
  return out;
}

function maskHashes(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(ASSET_HASH, '<asset-hash>');
  if (Array.isArray(value)) return value.map(maskHashes);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskHashes(v)]));
  }
  return value;
}

/** Every place where `actual` differs from `expected`, as `path: expected X, got Y` lines. */
export function differences(expected: unknown, actual: unknown, path = ''): string[] {
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    return keys.flatMap((k) => differences(expected[k], actual[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const length = Math.max(expected.length, actual.length);
    return Array.from({ length }, (_, i) => differences(expected[i], actual[i], `${path}[${i}]`)).flat();
  }
  if (JSON.stringify(expected) === JSON.stringify(actual)) return [];
  return [`${path || '(template)'}: expected ${show(expected)}, got ${show(actual)}`];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** Differences between the CloudHSM resources of two templates (empty when they agree). */
export function compareTemplates(expected: Template, actual: Template): string[] {
  return differences(cloudHsmResources(expected), cloudHsmResources(actual));
}
