// The committed service models (test/sim/models/*.json) are what the pinned botocore says: regenerated
// here from the installed one (.sim-venv, test/sim/moto-requirements.txt), any difference fails. And
// every pattern in them converts from Java to JavaScript with the same meaning.

import * as fs from 'node:fs';
import { generateAll } from '../models/generate';
import { javaPattern, UnsupportedPatternError } from '../models/java-regex';
import { serviceModel } from '../models/model';
import { SERVICE_SOURCES } from '../models/services';

test('the committed models are the ones generated from the pinned botocore', () => {
  const generated = generateAll();
  expect(generated.size).toBe(SERVICE_SOURCES.length);
  for (const [file, text] of generated) {
    expect({ file, text: fs.readFileSync(file, 'utf8') }).toEqual({ file, text });
  }
});

test('every pattern of every model converts', () => {
  const patterns = SERVICE_SOURCES.flatMap((s) => Object.values(serviceModel(s.name).shapes).flatMap((shape) => shape.pattern ?? []));
  expect(patterns.length).toBeGreaterThan(20);
  for (const p of patterns) expect(() => javaPattern(p)).not.toThrow();
});

describe('Java patterns in JavaScript', () => {
  test.each([
    // [pattern, matches, does not match]
    ['cluster-[2-7a-zA-Z]{11,16}', ['cluster-abcdefghijk'], ['cluster-abc', 'xcluster-abcdefghijk', 'cluster-abcdefghijk1']],
    ['^[a-zA-Z0-9:/_-]+$', ['alias/my-key_1:x'], ['alias/my key', '']],
    ['[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+', ['{"a": "é"}\n'], ['\u0100', '\u0001']],
    ['^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$', ['Ünïcode 1 a:b/c=d+e-f@g', ''], ['a!b', 'a#b']],
    ['[a-zA-Z0-9+-/=\\s]*', ['abc+,-./=\n'], ['a_b', 'a!b']],
    ['\\s*', [' \t\n'], ['\u00a0', '\u2003']],
    ['[\\p{Alnum}]{2}', ['a1'], ['é1', 'a']],
    ['\\p{Punct}', ['!', '~'], ['a', '\u00a1']],
    ['a{2}\\{b}', ['aa{b}'], ['aab']],
    ['\\x{41}\\_\\:', ['A_:'], ['A\\_:']],
    ['.*', ['anything'], ['line\nbreak']],
  ])('%s', (pattern, yes, no) => {
    const re = javaPattern(pattern);
    for (const v of yes) expect([v, re.test(v)]).toEqual([v, true]);
    for (const v of no) expect([v, re.test(v)]).toEqual([v, false]);
  });

  test.each([
    ['[a-z&&[^x]]', 'intersection'],
    ['[a-z[0-9]]', 'nested'],
    ['(?i)abc', 'inline flag'],
    ['a++', 'possessive'],
    ['\\Qa.b\\E', '\\Q'],
    ['\\p{InGreek}', 'unknown property'],
  ])('%s is refused, not guessed (%s)', (pattern) => {
    expect(() => javaPattern(pattern)).toThrow(UnsupportedPatternError);
  });
});
