// The committed service models (test/sim/models/*.json) are what the pinned botocore says: regenerated
// here from the installed one (.sim-venv, test/sim/moto-requirements.txt), any difference fails. And
// every pattern in them converts from Java to JavaScript with the same meaning.

import * as fs from 'node:fs';
import { generateAll } from '../models/generate';
import { javaPattern, UnsupportedPatternError } from '../models/java-regex';
import { ServiceModel, serviceModel } from '../models/model';
import { SERVICE_SOURCES } from '../models/services';
import { validateInput } from '../models/validate';

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

describe('the model check', () => {
  const model: ServiceModel = {
    service: 'kms',
    apiVersion: 'test',
    targetPrefix: 'Test',
    botocore: 'test',
    validationError: 'TestValidationError',
    validationErrorSource: 'this test',
    operations: { Op: 'Input', None: null },
    shapes: {
      Input: { type: 'structure', members: { Name: 'Name', Secret: 'Secret', Items: 'Items', Size: 'Size', Mode: 'Mode' }, required: ['Name'] },
      Name: { type: 'string', min: 2, max: 4, pattern: '[a-z]+' },
      Secret: { type: 'structure', members: { Value: 'Name' }, sensitive: true },
      Items: { type: 'list', member: 'Name', max: 2 },
      Size: { type: 'integer', min: 1, max: 9 },
      Mode: { type: 'string', enum: ['ON', 'OFF'] },
    },
  };

  test('lists every violation, nested ones with their path, in one message with the model\'s error', () => {
    expect(validateInput(model, 'Op', { Items: ['ok', 'TOOLONG', 'x'], Size: 10, Mode: 'UP' })).toEqual({
      code: 'TestValidationError',
      message: '7 validation errors detected: '
        + 'Value null at \'name\' failed to satisfy constraint: Member must not be null; '
        + 'Value \'[ok, TOOLONG, x]\' at \'items\' failed to satisfy constraint: Member must have length less than or equal to 2; '
        + 'Value \'TOOLONG\' at \'items.2.member\' failed to satisfy constraint: Member must have length less than or equal to 4; '
        + 'Value \'TOOLONG\' at \'items.2.member\' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+; '
        + 'Value \'x\' at \'items.3.member\' failed to satisfy constraint: Member must have length greater than or equal to 2; '
        + 'Value \'10\' at \'size\' failed to satisfy constraint: Member must have value less than or equal to 9; '
        + 'Value \'UP\' at \'mode\' failed to satisfy constraint: Member must satisfy enum value set: [ON, OFF]',
    });
  });

  test('never shows a value inside a sensitive shape', () => {
    const v = validateInput(model, 'Op', { Name: 'ab', Secret: { Value: 'hunter22' } });
    expect(v?.message).toContain('Value \'***\' at \'secret.value\'');
    expect(v?.message).not.toContain('hunter');
  });

  test('a member of the wrong JSON type is a SerializationException; valid and input-less requests pass', () => {
    expect(validateInput(model, 'Op', { Name: 5 })?.code).toBe('SerializationException');
    expect(validateInput(model, 'Op', { Name: 'ab', Unknown: 1 })).toBeUndefined();
    expect(validateInput(model, 'None', { Anything: 1 })).toBeUndefined();
  });
});
