// The harness runs aws-cdk-lib's own Provider framework runtime: a copy of that runtime with one
// behaviour changed changes what a deploy reports, and no harness module carries the framework's rules.

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeployHarness } from './engine';
import { DEFAULT_FRAMEWORK_RUNTIME_DIR, FrameworkRuntime } from './framework';
import { ProviderHandler } from './handler';
import { CfnTemplate, ProviderEvent } from './types';
import { CloudHsmSimulator } from '../sim';

const TEMPLATE: CfnTemplate = {
  Resources: { Thing: { Type: 'Custom::Thing', Properties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:Framework', Size: 1 } } },
};

/** User functions that record the events they get; onEvent names no physical id, and adds Data that isComplete adds to. */
function recordingHandler(opts: { failCreate?: boolean; completeAfter?: number } = {}) {
  const events: { fn: string; event: ProviderEvent }[] = [];
  let polls = 0;
  const handler: ProviderHandler = {
    onEvent: async (event) => {
      events.push({ fn: 'onEvent', event: event as ProviderEvent });
      if (opts.failCreate && (event as ProviderEvent).RequestType === 'Create') throw new Error('the create went wrong');
      return { Data: { FromOnEvent: 'a', Both: 'onEvent' } };
    },
    isComplete: async (event) => {
      events.push({ fn: 'isComplete', event: event as ProviderEvent });
      polls++;
      if (polls < (opts.completeAfter ?? 1)) return { IsComplete: false };
      return { IsComplete: true, Data: { FromIsComplete: 'b', Both: 'isComplete' } };
    },
  };
  return { handler, events };
}

/** A copy of aws-cdk-lib's runtime with `from` replaced by `to` in one file (the test fails if `from` is gone). */
function changedRuntime(file: string, from: string, to: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'framework-runtime-'));
  cpSync(DEFAULT_FRAMEWORK_RUNTIME_DIR, dir, { recursive: true });
  const source = readFileSync(path.join(dir, file), 'utf8');
  expect(source).toContain(from);
  writeFileSync(path.join(dir, file), source.replace(from, to));
  dirs.push(dir);
  return dir;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function harness(handler: ProviderHandler, frameworkRuntimeDir?: string, extra: { totalTimeoutMinutes?: number } = {}): DeployHarness {
  return new DeployHarness({ sim: new CloudHsmSimulator({ seed: 3 }), endpoint: 'http://127.0.0.1:1', handler, frameworkRuntimeDir, ...extra });
}

describe('the Provider framework runtime', () => {
  test('by default it is aws-cdk-lib\'s own (the pinned version), loaded from the package', () => {
    const pkgDir = path.dirname(require.resolve('aws-cdk-lib/package.json'));
    expect(new FrameworkRuntime().dir).toBe(path.join(pkgDir, 'custom-resources', 'lib', 'provider-framework', 'runtime'));
    expect(JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version).toBe('2.268.0');
  });

  test('the framework decides the default physical id, merges onEvent into isComplete and merges Data', async () => {
    const { handler, events } = recordingHandler();
    const h = harness(handler);
    const report = await h.deploy(TEMPLATE);
    expect(report.outcome.status).toBe('success');
    const requestId = events[0].event.RequestId;
    // The create's physical id is the request id (onEvent named none), isComplete saw onEvent's result.
    expect(h.state.get('Thing')?.physicalId).toBe(requestId);
    expect(events[1]).toMatchObject({ fn: 'isComplete', event: { PhysicalResourceId: requestId, Data: { FromOnEvent: 'a' } } });
    expect(h.state.get('Thing')?.attributes).toEqual({ FromOnEvent: 'a', FromIsComplete: 'b', Both: 'isComplete' });
  });

  test('a runtime with another default physical id changes the harness\'s physical id', async () => {
    const dir = changedRuntime('framework.js', 'case"Create":return req.RequestId', 'case"Create":return"changed-"+req.RequestId');
    const { handler, events } = recordingHandler();
    const h = harness(handler, dir);
    await h.deploy(TEMPLATE);
    expect(h.state.get('Thing')?.physicalId).toBe(`changed-${events[0].event.RequestId}`);
  });

  test('a runtime with another Data merge changes the attributes', async () => {
    const dir = changedRuntime('framework.js', 'Data:{...event.Data,...isCompleteResult.Data}', 'Data:{...isCompleteResult.Data,...event.Data}');
    const { handler } = recordingHandler();
    const h = harness(handler, dir);
    await h.deploy(TEMPLATE);
    expect(h.state.get('Thing')?.attributes).toMatchObject({ Both: 'onEvent' });
  });

  test('a failed create carries the runtime\'s marker id, and the runtime answers its Delete without the user function', async () => {
    for (const [dir, marker] of [
      [undefined, 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED'],
      [changedRuntime('cfn-response.js', '"AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"', '"changed-marker"'), 'changed-marker'],
    ] as const) {
      const { handler, events } = recordingHandler({ failCreate: true });
      const report = await harness(handler, dir).deploy(TEMPLATE);
      const failed = report.transitions.find((t) => t.status === 'CREATE_FAILED');
      expect(failed?.physicalId).toBe(marker);
      // The reason is what the framework sent: the function's message, its log group, its trace.
      expect(failed?.reason).toMatch(/^the create went wrong\n\nLogs: \/aws\/lambda\/OnEventHandler\n/);
      expect(report.transitions.find((t) => t.status === 'DELETE_COMPLETE')?.physicalId).toBe(marker);
      expect(events.map((e) => `${e.fn} ${e.event.RequestType}`)).toEqual(['onEvent Create']);
    }
  });

  test('the waiter retries isComplete on virtual time and its Catch sends the framework\'s time-out', async () => {
    const { handler, events } = recordingHandler({ completeAfter: Number.POSITIVE_INFINITY });
    const h = harness(handler, undefined, { totalTimeoutMinutes: 1 });
    const report = await h.deploy(TEMPLATE);
    expect(report.outcome).toMatchObject({ status: 'failed', message: 'Operation timed out' });
    // 10 s interval, 6 retries: isComplete at 0, 10, ..., 60 s.
    expect(events.filter((e) => e.fn === 'isComplete' && e.event.RequestType === 'Create')).toHaveLength(7);
    expect(report.transitions.find((t) => t.status === 'CREATE_FAILED')?.elapsedMs).toBe(60_000);
  });

  test('a killed framework onEvent never answers; Lambda\'s retry invokes the user\'s onEvent again and that one responds', async () => {
    const { handler, events } = recordingHandler();
    const h = new DeployHarness({
      sim: new CloudHsmSimulator({ seed: 3 }), endpoint: 'http://127.0.0.1:1', handler, faults: { killAfterOnEvent: { requestType: 'Create' } },
    });
    const report = await h.deploy(TEMPLATE);
    expect(report.outcome.status).toBe('success');
    expect(report.warnings).toEqual(['Thing: onEvent (Create) killed after it returned; retried']);
    expect(events.map((e) => e.fn)).toEqual(['onEvent', 'onEvent', 'isComplete']);
  });

  test('a duplicate delivery runs the framework twice: two waiter executions, each polls and responds', async () => {
    const { handler, events } = recordingHandler();
    const h = new DeployHarness({
      sim: new CloudHsmSimulator({ seed: 3 }), endpoint: 'http://127.0.0.1:1', handler, faults: { duplicateOnEvent: { requestType: 'Create' } },
    });
    const report = await h.deploy(TEMPLATE);
    // onEvent names no id: each framework invocation defaults to the request id, so both responses agree.
    expect(report.warnings).toEqual(['Thing: onEvent (Create) ran twice; both returned undefined; two waiter executions']);
    expect(events.map((e) => e.fn)).toEqual(['onEvent', 'onEvent', 'isComplete', 'isComplete']);
    expect(h.state.get('Thing')?.physicalId).toBe(events[0].event.RequestId);
  });

  test('no harness module carries the framework\'s rules or messages', () => {
    const ruleTexts = ['CustomResourceProviderFramework', 'is not allowed if', 'Operation timed out', 'cannot change the physical resource ID', 'Logs: /aws/lambda'];
    const modules = readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(modules).toContain('provider.ts');
    for (const file of modules) {
      const source = readFileSync(path.join(__dirname, file), 'utf8');
      for (const text of ruleTexts) expect(`${file}: ${source.includes(text)}`).toBe(`${file}: false`);
    }
  });
});
