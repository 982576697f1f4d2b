// The deploy harness's pure parts: intrinsic resolution, dependency order and the scheduler.

import { dependencyMap, topologicalOrder } from './graph';
import { Step } from './provider';
import { formatDuration } from './report';
import { runTasks, Task } from './scheduler';
import { evaluateConditions, NO_VALUE, ResolveContext, resolveProperties, resolveValue, stringifyScalars } from './template';

function ctx(extra: Partial<ResolveContext> = {}): ResolveContext {
  return {
    region: 'eu-west-1',
    account: '111122223333',
    partition: 'aws',
    stackName: 'S',
    stackId: 'arn:stack/S/1',
    parameters: { Env: 'prod' },
    conditions: { IsProd: true },
    physicalId: (id) => `${id}-phys`,
    attribute: (id, name) => `${id}.${name}`,
    ...extra,
  };
}

describe('template resolution', () => {
  test('Ref, GetAtt, Join, Select, GetAZs, Sub, If and pseudo parameters', () => {
    expect(resolveValue({ Ref: 'Vpc' }, ctx())).toBe('Vpc-phys');
    expect(resolveValue({ Ref: 'Env' }, ctx())).toBe('prod');
    expect(resolveValue({ 'Fn::GetAtt': ['Fn', 'Arn'] }, ctx())).toBe('Fn.Arn');
    expect(resolveValue({ 'Fn::Join': ['-', ['a', { Ref: 'AWS::Region' }]] }, ctx())).toBe('a-eu-west-1');
    expect(resolveValue({ 'Fn::Select': [1, { 'Fn::GetAZs': '' }] }, ctx())).toBe('eu-west-1b');
    expect(resolveValue({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::AccountId}:${Fn.Arn}/${Vpc}/${!Literal}' }, ctx()))
      .toBe('arn:aws:x:111122223333:Fn.Arn/Vpc-phys/${Literal}');
    expect(resolveValue({ 'Fn::If': ['IsProd', 'yes', 'no'] }, ctx())).toBe('yes');
  });

  test('AWS::NoValue removes the property or list element', () => {
    const props = resolveProperties({ A: { Ref: 'AWS::NoValue' }, B: ['x', { Ref: 'AWS::NoValue' }], C: 1 }, ctx());
    expect(props).toEqual({ B: ['x'], C: 1 });
    expect(resolveValue({ Ref: 'AWS::NoValue' }, ctx())).toBe(NO_VALUE);
  });

  test('an unsupported intrinsic fails loudly instead of deploying a wrong value', () => {
    expect(() => resolveValue({ 'Fn::ImportValue': 'Shared' }, ctx())).toThrow(/Fn::ImportValue is not supported/);
  });

  test('conditions may refer to each other', () => {
    const conditions = evaluateConditions({
      Conditions: {
        NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
        IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
      },
    }, ctx());
    expect(conditions).toEqual({ NotProd: false, IsProd: true });
  });

  test('custom resources receive every scalar as a string', () => {
    expect(stringifyScalars({ N: 90, B: false, L: [1, 'a'], M: { X: true } })).toEqual({ N: '90', B: 'false', L: ['1', 'a'], M: { X: 'true' } });
  });
});

describe('dependency order', () => {
  test('Ref, GetAtt, Sub and DependsOn all order resources; template order breaks ties', () => {
    const deps = dependencyMap({
      C: { Type: 'T', Properties: { X: { 'Fn::Sub': '${B.Arn}' } } },
      B: { Type: 'T', Properties: { X: { Ref: 'A' } } },
      D: { Type: 'T', DependsOn: 'A' },
      A: { Type: 'T' },
    });
    expect(topologicalOrder(['C', 'B', 'D', 'A'], deps)).toEqual(['A', 'B', 'C', 'D']);
  });

  test('a cycle is an error naming its members', () => {
    const deps = dependencyMap({ A: { Type: 'T', DependsOn: 'B' }, B: { Type: 'T', DependsOn: 'A' }, C: { Type: 'T' } });
    expect(() => topologicalOrder(['A', 'B', 'C'], deps)).toThrow('Circular dependency between resources: A, B');
  });
});

describe('scheduler', () => {
  /** A task that completes after `polls` polls `everyMs` apart (or fails at its end). */
  function task(id: string, deps: string[], polls: number, log: string[], now: () => number, fail = false): Task {
    let left = polls;
    const step = (): Step => {
      if (left-- > 0) return { done: false, dueMs: now() + 10 };
      log.push(`${id} done@${now()}`);
      return fail ? { done: true, ok: false, message: `${id} failed` } : { done: true, ok: true, physicalId: id, data: {} };
    };
    return {
      id,
      deps,
      start: async () => { log.push(`${id} start@${now()}`); return step(); },
      poll: async () => step(),
    };
  }

  function clock(): { now: () => number; advanceTo: (ms: number) => void } {
    let t = 0;
    return { now: () => t, advanceTo: (ms) => { t = Math.max(t, ms); } };
  }

  test('independent tasks run at the same time on virtual time; dependents start after', async () => {
    const time = clock();
    const log: string[] = [];
    const results = await runTasks([
      task('A', [], 3, log, time.now), task('B', [], 1, log, time.now), task('C', ['A', 'B'], 0, log, time.now),
    ], time, { haltOnFailure: true });
    expect(log).toEqual(['A start@0', 'B start@0', 'B done@10', 'A done@30', 'C start@30', 'C done@30']);
    expect([...results.values()].map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });

  test('after a failure nothing new starts; what runs finishes; dependents are blocked', async () => {
    const time = clock();
    const log: string[] = [];
    const results = await runTasks([
      task('A', [], 1, log, time.now, true), task('B', [], 2, log, time.now), task('C', ['B'], 0, log, time.now),
    ], time, { haltOnFailure: true });
    expect(Object.fromEntries([...results].map(([id, r]) => [id, r.status]))).toEqual({ A: 'failed', B: 'ok', C: 'skipped' });
    expect(log).toEqual(['A start@0', 'B start@0', 'A done@10', 'B done@20']);
  });
});

test('durations print as minutes and seconds', () => {
  expect([formatDuration(0), formatDuration(305_000), formatDuration(3_723_000)]).toEqual(['0m00s', '5m05s', '1h02m03s']);
});
