// The Provider framework contract (aws-cdk-lib/custom-resources), one request at a time:
// onEvent, then isComplete at once and every query interval of virtual time until it reports
// complete, throws, or the waiter's attempts run out. The rules mirror the framework's own
// (framework.ts / cfn-response.ts): default physical ids, the CREATE_FAILED marker, the merge
// of the onEvent result into the isComplete event, and the merge of both Data maps.

import { FaultMatcher, HarnessFaults, InvocationInfo } from './faults';
import { ProviderHandler } from './handler';
import { CfnTemplate, Phase, ProviderEvent } from './types';

/** The physical id the framework reports when a create fails before one exists; its Delete is a no-op. */
export const CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

/** The framework's own failure messages. */
export const TIMEOUT_MESSAGE = 'Operation timed out';
export const DATA_NOT_ALLOWED_MESSAGE = '"Data" is not allowed if "IsComplete" is "False"';
/** CloudFormation refuses a custom-resource response body over this many bytes, with this message. */
export const MAX_RESPONSE_BYTES = 4096;
export const RESPONSE_TOO_LONG_MESSAGE = 'Response object is too long.';

export interface ProviderTiming {
  /** the waiter's Retry IntervalSeconds, in ms */
  readonly queryIntervalMs: number;
  /** the waiter's Retry MaxAttempts: isComplete runs once plus this many retries */
  readonly maxAttempts: number;
}

/** What the harness knows of the provider serving a custom resource. */
export interface ProviderInfo {
  readonly timing: ProviderTiming;
  /** the handler exports named by the user functions' Handler property */
  readonly exportNames: { readonly onEvent: string; readonly isComplete: string };
  /** false: a provider without isComplete (complete when onEvent returns) */
  readonly hasIsComplete: boolean;
  /** where the timing came from, for the report */
  readonly source: 'template' | 'default';
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Obj : undefined;
}

function getAttTarget(v: unknown): string | undefined {
  const att = obj(v)?.['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  return typeof att === 'string' ? att.split('.')[0] : undefined;
}

function exportName(template: CfnTemplate, fnRef: unknown): string | undefined {
  const id = getAttTarget(fnRef);
  const handler = id ? template.Resources?.[id]?.Properties?.Handler : undefined;
  return typeof handler === 'string' ? handler.slice(handler.lastIndexOf('.') + 1) : undefined;
}

/** Flattens a Fn::Join of the definition string; tokens become placeholders (they are ARNs). */
function definitionText(def: unknown): string | undefined {
  if (typeof def === 'string') return def;
  const join = obj(def)?.['Fn::Join'];
  if (!Array.isArray(join) || !Array.isArray(join[1])) return undefined;
  return join[1].map((p: unknown) => (typeof p === 'string' ? p : 'TOKEN')).join(String(join[0]));
}

/**
 * Reads the provider of a custom resource from the template: ServiceToken -> the framework's
 * onEvent function -> its WAITER_STATE_MACHINE_ARN -> the waiter's Retry (interval, attempts),
 * and the user functions' Handler names. Falls back to `fallback` where the template does not say.
 */
export function providerInfo(template: CfnTemplate, serviceToken: unknown, fallback: ProviderTiming): ProviderInfo {
  const defaults: ProviderInfo = {
    timing: fallback, exportNames: { onEvent: 'onEvent', isComplete: 'isComplete' }, hasIsComplete: true, source: 'default',
  };
  const fwId = getAttTarget(serviceToken);
  const vars = obj(obj(template.Resources?.[fwId ?? '']?.Properties?.Environment)?.Variables);
  if (!vars) return defaults;
  const hasIsComplete = vars.USER_IS_COMPLETE_FUNCTION_ARN !== undefined;
  const exportNames = {
    onEvent: exportName(template, vars.USER_ON_EVENT_FUNCTION_ARN) ?? 'onEvent',
    isComplete: exportName(template, vars.USER_IS_COMPLETE_FUNCTION_ARN) ?? 'isComplete',
  };
  const smId = obj(vars.WAITER_STATE_MACHINE_ARN)?.Ref;
  const text = typeof smId === 'string' ? definitionText(template.Resources?.[smId]?.Properties?.DefinitionString) : undefined;
  let timing = fallback;
  let source: ProviderInfo['source'] = 'default';
  if (text) {
    const states = obj(obj(JSON.parse(text))?.States) ?? {};
    const task = Object.entries(states).find(([name]) => name.includes('isComplete'))?.[1];
    const retry = (obj(task)?.Retry as Obj[] | undefined)?.[0];
    if (typeof retry?.IntervalSeconds === 'number' && typeof retry?.MaxAttempts === 'number') {
      timing = { queryIntervalMs: retry.IntervalSeconds * 1000, maxAttempts: retry.MaxAttempts };
      source = 'template';
    }
  }
  return { timing, exportNames, hasIsComplete, source };
}

export type Step =
  | { readonly done: false; readonly dueMs: number }
  | { readonly done: true; readonly ok: true; readonly physicalId: string; readonly data: Obj }
  | { readonly done: true; readonly ok: false; readonly physicalId?: string; readonly message: string };

/** What a request reports back to the engine while it runs. */
export interface RequestObserver {
  readonly phase: Phase;
  elapsedMs(): number;
  counted(fn: 'onEvent' | 'isComplete'): void;
  /** before and after every invocation: the engine looks at the service-side state of the physical id */
  invoked(physicalId: string | undefined): void;
  note(message: string): void;
  /** the size in bytes of the SUCCESS response the framework sent to CloudFormation */
  responded(bytes: number): void;
}

/** The body the framework's cfn-response sends on success (Reason defaults to the status). */
export function successResponseBody(event: ProviderEvent, physicalId: string, data: Obj): string {
  return JSON.stringify({
    Status: 'SUCCESS',
    Reason: 'SUCCESS',
    StackId: event.StackId,
    RequestId: event.RequestId,
    PhysicalResourceId: physicalId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
}

/** The message of anything thrown, whatever realm or shape it comes from. */
export function messageOf(e: unknown): string {
  const m = (e as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' ? m : String(e);
}

/** One waiter execution (the framework's Step Functions state machine) polling isComplete. */
interface Waiter {
  readonly event: ProviderEvent & { Data?: Obj };
  attempts: number;
  dueMs: number;
  result?: Step & { done: true };
  /** order in which the executions ended: CloudFormation acts on the first response */
  endedAs?: number;
}

/**
 * One CloudFormation request to a custom resource, driven through the framework's steps.
 *
 * The framework (aws-cdk-lib 2.268.0, the minimum this library supports) starts its waiter without an
 * execution name, so every framework onEvent invocation that gets to StartExecution starts its own
 * waiter execution with its own input: an onEvent delivered twice runs two waiters, each polling
 * isComplete and each sending a response. CloudFormation acts on the first response; the other
 * execution still runs (and changes the service) until it ends. Simplification: the request is
 * reported when every execution has ended, with the first response.
 */
export class ProviderRequest {
  private waiters: Waiter[] = [];
  private onEventAttempts = 0;
  private ended = 0;

  constructor(
    private readonly handler: ProviderHandler,
    public readonly event: ProviderEvent,
    private readonly provider: ProviderInfo,
    private readonly clock: { now(): number },
    private readonly faults: HarnessFaults,
    private readonly matcher: FaultMatcher,
    private readonly observer: RequestObserver,
  ) {}

  /** onEvent, and the first isComplete at the same moment. */
  public async start(): Promise<Step> {
    const event = this.event;
    if (event.RequestType === 'Delete' && event.PhysicalResourceId === CREATE_FAILED_MARKER) {
      // The framework answers this Delete itself: the create never made anything.
      return { done: true, ok: true, physicalId: CREATE_FAILED_MARKER, data: {} };
    }
    let results: Obj[];
    try {
      results = await this.runOnEvent();
    } catch (e) {
      const physicalId = event.PhysicalResourceId ?? (event.RequestType === 'Create' ? CREATE_FAILED_MARKER : undefined);
      return { done: true, ok: false, physicalId, message: messageOf(e) };
    }
    for (const result of results) {
      const physicalId = typeof result.PhysicalResourceId === 'string' && result.PhysicalResourceId !== ''
        ? result.PhysicalResourceId
        : event.RequestType === 'Create' ? event.RequestId : event.PhysicalResourceId!;
      if (event.RequestType === 'Delete' && physicalId !== event.PhysicalResourceId) {
        return {
          done: true,
          ok: false,
          physicalId: event.PhysicalResourceId,
          message: `DELETE: cannot change the physical resource ID from "${event.PhysicalResourceId}" to "${physicalId}" during deletion`,
        };
      }
      if (!this.provider.hasIsComplete) return this.deliver({ done: true, ok: true, physicalId, data: obj(result.Data) ?? {} });
      const waitEvent = { ...event, ...result, PhysicalResourceId: physicalId } as ProviderEvent & { Data?: Obj };
      this.waiters.push({ event: waitEvent, attempts: 0, dueMs: this.clock.now() });
    }
    return this.poll();
  }

  /**
   * One round of isComplete invocations: every waiter execution due now (the executions of a
   * concurrent duplicate at the same time, otherwise one after the other).
   */
  public async poll(): Promise<Step> {
    const now = this.clock.now();
    const due = this.waiters.filter((w) => !w.result && w.dueMs <= now);
    if (this.faults.duplicateConcurrently) {
      await Promise.all(due.map((w) => this.pollWaiter(w)));
    } else {
      for (const w of due) await this.pollWaiter(w);
    }
    const running = this.waiters.filter((w) => !w.result);
    if (running.length > 0) return { done: false, dueMs: Math.min(...running.map((w) => w.dueMs)) };
    const [first, ...others] = [...this.waiters].sort((a, b) => a.endedAs! - b.endedAs!);
    for (const other of others) {
      const a = first.result!;
      const b = other.result!;
      if (a.ok !== b.ok || a.physicalId !== b.physicalId) {
        // The contract: PhysicalResourceId "must be identical for all responses for the same resource".
        this.observer.note(`${this.event.LogicalResourceId}: waiter executions of one request responded differently `
          + `(${a.ok ? 'SUCCESS' : 'FAILED'} ${String(a.physicalId)}, then ${b.ok ? 'SUCCESS' : 'FAILED'} ${String(b.physicalId)}); `
          + 'CloudFormation acted on the first');
      }
    }
    return this.deliver(first.result!);
  }

  /** The response as CloudFormation takes it: a SUCCESS body over its size limit fails the resource. */
  private deliver(step: Step & { done: true }): Step {
    if (!step.ok) return step;
    const bytes = Buffer.byteLength(successResponseBody(this.event, step.physicalId, step.data), 'utf8');
    this.observer.responded(bytes);
    if (bytes <= MAX_RESPONSE_BYTES) return step;
    return { done: true, ok: false, physicalId: step.physicalId, message: RESPONSE_TOO_LONG_MESSAGE };
  }

  /** One isComplete invocation of one waiter execution (the waiter's task or one of its retries). */
  private async pollWaiter(w: Waiter): Promise<void> {
    const physicalId = w.event.PhysicalResourceId!;
    w.attempts++;
    const end = (step: Step & { done: true }): void => {
      w.result = step;
      w.endedAs = ++this.ended;
    };
    let res: Obj;
    try {
      res = obj(await this.invoke('isComplete', w.event, w.attempts)) ?? {};
    } catch (e) {
      return end({ done: true, ok: false, physicalId, message: messageOf(e) });
    }
    if (res.IsComplete !== true) {
      if (Object.keys(obj(res.Data) ?? {}).length > 0) return end({ done: true, ok: false, physicalId, message: DATA_NOT_ALLOWED_MESSAGE });
      if (w.attempts > this.provider.timing.maxAttempts) return end({ done: true, ok: false, physicalId, message: TIMEOUT_MESSAGE });
      w.dueMs = this.clock.now() + this.provider.timing.queryIntervalMs;
      return;
    }
    const finalId = typeof res.PhysicalResourceId === 'string' ? res.PhysicalResourceId : physicalId;
    return end({ done: true, ok: true, physicalId: finalId, data: { ...obj(w.event.Data), ...obj(res.Data) } });
  }

  /**
   * onEvent with the Lambda-level faults applied: the results of the invocations whose framework
   * invocation went on to start a waiter (two for a duplicate delivery).
   */
  private async runOnEvent(): Promise<Obj[]> {
    const event = this.event;
    const phase = this.observer.phase;
    if (this.matcher.matches(this.faults.killAfterOnEvent, event, phase)) {
      try {
        await this.invoke('onEvent', event, ++this.onEventAttempts);
        this.observer.note(`${event.LogicalResourceId}: onEvent (${event.RequestType}) killed after it returned; retried`);
      } catch (e) {
        this.observer.note(`${event.LogicalResourceId}: onEvent (${event.RequestType}) killed after it failed (${messageOf(e)}); retried`);
      }
    }
    if (!this.matcher.matches(this.faults.duplicateOnEvent, event, phase)) {
      return [obj(await this.invoke('onEvent', event, ++this.onEventAttempts)) ?? {}];
    }
    const runs = this.faults.duplicateConcurrently
      ? await Promise.allSettled([this.invoke('onEvent', event, ++this.onEventAttempts), this.invoke('onEvent', event, ++this.onEventAttempts)])
      : [await settle(this.invoke('onEvent', event, ++this.onEventAttempts)), await settle(this.invoke('onEvent', event, ++this.onEventAttempts))];
    // A framework invocation whose onEvent failed sends FAILED at once: CloudFormation acts on it.
    const failed = runs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw new Error(`duplicate onEvent: ${messageOf(failed.reason)}`);
    const results = runs.map((r) => obj((r as PromiseFulfilledResult<unknown>).value) ?? {});
    const ids = results.map((r) => String(r.PhysicalResourceId));
    this.observer.note(`${event.LogicalResourceId}: onEvent (${event.RequestType}) ran twice${this.faults.duplicateConcurrently ? ' at the same time' : ''}; `
      + `${ids[0] === ids[1] ? `both returned ${ids[0]}` : `they returned ${ids.join(' and ')}`}; two waiter executions`);
    return results;
  }

  private async invoke(fn: 'onEvent' | 'isComplete', event: ProviderEvent, attempt: number): Promise<unknown> {
    const info: InvocationInfo = { fn, event, phase: this.observer.phase, attempt, elapsedMs: this.observer.elapsedMs() };
    await this.faults.beforeInvoke?.(info);
    // Looked at before and after: a state the invocation itself ends (DEGRADED -> deleted) is still seen.
    this.observer.invoked(event.PhysicalResourceId);
    this.observer.counted(fn);
    let result: unknown;
    try {
      result = await (fn === 'onEvent' ? this.handler.onEvent(event) : this.handler.isComplete(event));
    } catch (e) {
      this.observer.invoked(event.PhysicalResourceId);
      await this.faults.afterInvoke?.({ ...info, error: messageOf(e) });
      throw e;
    }
    const id = obj(result)?.PhysicalResourceId;
    this.observer.invoked(typeof id === 'string' ? id : event.PhysicalResourceId);
    await this.faults.afterInvoke?.({ ...info, result });
    return result;
  }
}

async function settle<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  try {
    return { status: 'fulfilled', value: await p };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}
