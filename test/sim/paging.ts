// MaxResults / NextToken paging. A token is an opaque cursor: the sort key of the last
// item returned, bound to the operation and its filters, so a page stays correct when
// items are added or removed between calls and a token cannot be reused elsewhere.

import { invalidRequest } from './errors';

type Key = readonly number[];

interface TokenBody {
  readonly op: string;
  readonly f: number;
  readonly k: Key;
}

function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A small arithmetic string hash (the lint forbids bitwise operators). */
export function hashString(text: string): number {
  let h = 7;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) % 2147483647;
  return h;
}

export interface PageOptions<T> {
  readonly operation: string;
  /** anything that must not change between pages: filters, sort order, resource id */
  readonly fingerprint: unknown;
  readonly key: (item: T) => Key;
  /** 1 sorts ascending by key, -1 descending */
  readonly direction: 1 | -1;
  readonly maxResults: number;
  readonly nextToken?: string;
}

/** Sorts items, skips to the token's cursor and returns at most maxResults of them. */
export function paginate<T>(items: readonly T[], opts: PageOptions<T>): { items: T[]; nextToken?: string } {
  const sorted = [...items].sort((a, b) => opts.direction * compareKeys(opts.key(a), opts.key(b)));
  const fingerprint = hashString(JSON.stringify(opts.fingerprint ?? null));
  let start = 0;
  if (opts.nextToken !== undefined && opts.nextToken !== '') {
    const cursor = decode(opts.nextToken);
    if (cursor.op !== opts.operation || cursor.f !== fingerprint) {
      throw invalidRequest('The NextToken is not valid for this request; it belongs to a request with other parameters');
    }
    start = sorted.findIndex((item) => opts.direction * compareKeys(opts.key(item), cursor.k) > 0);
    if (start < 0) start = sorted.length;
  }
  const page = sorted.slice(start, start + opts.maxResults);
  const more = start + page.length < sorted.length;
  if (!more || page.length === 0) return { items: page };
  const last = page[page.length - 1];
  return { items: page, nextToken: encode({ op: opts.operation, f: fingerprint, k: opts.key(last) }) };
}

function encode(body: TokenBody): string {
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decode(token: string): TokenBody {
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as TokenBody;
    if (typeof body.op === 'string' && typeof body.f === 'number' && Array.isArray(body.k)) return body;
  } catch {
    // fall through
  }
  throw invalidRequest(`The NextToken '${token.slice(0, 40)}' is not valid`);
}
