// botocore's service models carry the `pattern` of AWS's (Java) service models as written: Java
// regular expressions. This turns one into a JavaScript RegExp (Unicode mode) that matches the same
// strings, refusing the Java constructs it cannot carry over rather than guessing. AWS JSON services
// check a pattern against the whole value (IAM refuses the role name 'a b' against `[\w+=,.@-]+`),
// so the result is anchored at both ends.

/** Java's POSIX classes (US-ASCII in Java unless UNICODE_CHARACTER_CLASS is set), as class contents. */
const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\u0000-\\u007F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\u0000-\\u001F\\u007F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\u000B\\f\\r',
};

/** Java's \s: ASCII whitespace only. */
const JAVA_SPACE = ' \\t\\n\\u000B\\f\\r';

/** Unicode general categories and scripts JavaScript's \p{} knows under the same name. */
const UNICODE_PROPERTY = /^(?:L[ultmo]?|M[nce]?|N[dlo]?|P[cdseifo]?|S[mcko]?|Z[slp]?|C[cfson]?)$/;

/** Characters that need a backslash in a JavaScript Unicode-mode pattern outside a class. */
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);

export class UnsupportedPatternError extends Error {
  constructor(pattern: string, why: string) {
    super(`Java pattern ${JSON.stringify(pattern)}: ${why}`);
    this.name = 'UnsupportedPatternError';
  }
}

/** The escape `\p{X}` / `\P{X}` in JavaScript, inside a class or not. */
function property(pattern: string, name: string, negated: boolean, inClass: boolean): string {
  const bare = name.replace(/^Is/, '');
  if (POSIX[bare] !== undefined) {
    if (negated && inClass) throw new UnsupportedPatternError(pattern, `\\P{${name}} inside a class`);
    return inClass ? POSIX[bare] : `[${negated ? '^' : ''}${POSIX[bare]}]`;
  }
  if (UNICODE_PROPERTY.test(bare)) return `\\${negated ? 'P' : 'p'}{${bare}}`;
  throw new UnsupportedPatternError(pattern, `unknown property \\p{${name}}`);
}

/** Length of a quantifier `{n}`, `{n,}`, `{n,m}` at `i`, or 0 when `{` is a literal there (as Java reads it). */
function quantifierLength(pattern: string, i: number): number {
  const m = /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i));
  return m ? m[0].length : 0;
}

/** The JavaScript source (Unicode mode, unanchored) of a Java pattern. */
export function javaPatternSource(pattern: string): string {
  let out = '';
  let inClass = false;
  let classStart = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) throw new UnsupportedPatternError(pattern, 'trailing backslash');
      i++;
      if (n === 'p' || n === 'P') {
        const m = /^\{(\w+)\}/.exec(pattern.slice(i + 1));
        if (!m) throw new UnsupportedPatternError(pattern, 'a \\p without {name}');
        out += property(pattern, m[1], n === 'P', inClass);
        i += m[0].length;
      } else if (n === 'x' && pattern[i + 1] === '{') {
        const end = pattern.indexOf('}', i);
        out += `\\u{${pattern.slice(i + 2, end)}}`;
        i = end;
      } else if (n === 'A') {
        out += '^';
      } else if (n === 'z' || n === 'Z') {
        out += '$';
      } else if (n === 'Q' || n === 'G' || n === 'h' || n === 'H' || n === 'R' || n === 'X') {
        throw new UnsupportedPatternError(pattern, `\\${n} has no JavaScript equivalent here`);
      } else if (n === 's' || (n === 'S' && !inClass)) {
        // Java's \s is ASCII whitespace; JavaScript's also takes Unicode spaces
        out += inClass ? JAVA_SPACE : `[${n === 'S' ? '^' : ''}${JAVA_SPACE}]`;
      } else if (n === 'S') {
        throw new UnsupportedPatternError(pattern, '\\S inside a class');
      } else if (/[0-9a-zA-Z]/.test(n)) {
        out += `\\${n}`; // \d \w \t \n \uXXXX \b ... mean the same
        if (n === 'u') {
          out += pattern.slice(i + 1, i + 5);
          i += 4;
        }
      } else if (SYNTAX.has(n) || (inClass && n === '-')) {
        out += `\\${n}`;
      } else {
        out += n; // Java allows escaping any other character: it is that character
      }
      classStart = false;
      continue;
    }
    if (inClass) {
      if (c === '[') throw new UnsupportedPatternError(pattern, 'a nested class (union)');
      if (c === '&' && pattern[i + 1] === '&') throw new UnsupportedPatternError(pattern, 'a class intersection (&&)');
      if (c === ']' && classStart) throw new UnsupportedPatternError(pattern, 'a leading ] in a class');
      if (c === ']') inClass = false;
      classStart = classStart && c === '^';
      out += c === '/' ? '\\/' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classStart = true;
      out += c;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?' && !/^\?(?::|=|!|<=|<!)/.test(pattern.slice(i + 1))) {
      throw new UnsupportedPatternError(pattern, 'an inline flag, atomic or named group');
    }
    if ((c === '*' || c === '+' || c === '?' || c === '}') && pattern[i + 1] === '+') {
      throw new UnsupportedPatternError(pattern, 'a possessive quantifier');
    }
    if (c === '{') {
      const q = quantifierLength(pattern, i);
      if (q === 0) {
        out += '\\{';
      } else {
        out += pattern.slice(i, i + q);
        i += q - 1;
      }
      continue;
    }
    out += c === '}' ? '\\}' : c;
  }
  if (inClass) throw new UnsupportedPatternError(pattern, 'an unclosed class');
  return out;
}

/** A RegExp that accepts exactly the whole strings the Java pattern matches. */
export function javaPattern(pattern: string): RegExp {
  const source = javaPatternSource(pattern);
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch (e) {
    throw new UnsupportedPatternError(pattern, `converted to /${source}/u, which JavaScript refuses: ${(e as Error).message}`);
  }
}
