// One CloudFormation request to a custom resource, through aws-cdk-lib's own Provider framework
// runtime (framework.ts loads it): the framework's rules (default physical ids, the CREATE_FAILED
// marker, the onEvent result merged into the isComplete event, the Data merge, its failure
// messages) are the runtime's, not this file's. This file holds what the runtime does not contain:
// - Lambda: the user's functions (the bundled handler) invoked with the Lambda-level faults, and
//   answered as Invoke answers (the result as payload; an error as FunctionError with errorType,
//   errorMessage and trace, as the Node.js runtime reports it);
// - Step Functions: each StartExecution of the waiter state machine runs its task (the framework's
//   isComplete) at once, retries it on any error (States.ALL) after IntervalSeconds x BackoffRate^n
//   up to MaxAttempts times, then catches into the framework's onTimeout, all on virtual time;
// - CloudFormation: it acts on the first response PUT to the ResponseURL, and fails a response
//   over 4096 bytes.

import { AsyncLocalStorage } from 'node:async_hooks';
import { FaultMatcher, HarnessFaults, InvocationInfo } from './faults';
import { FrameworkFunctions, FrameworkRuntime, InvokeResponse } from './framework';
import { ProviderHandler } from './handler';
import { CfnTemplate, Phase, ProviderEvent } from './types';

/** CloudFormation refuses a custom-resource response body over this many bytes, with this message. */
export const MAX_RESPONSE_BYTES = 4096;
export const RESPONSE_TOO_LONG_MESSAGE = 'Response object is too long.';

export interface ProviderTiming {
  /** the waiter's Retry IntervalSeconds, in ms */
  readonly queryIntervalMs: number;
  /** the waiter's Retry MaxAttempts: isComplete runs once plus this many retries */
  readonly maxAttempts: number;
  /** the waiter's Retry BackoffRate: each wait is the previous one times this */
  readonly backoffRate: number;
}

/** What the harness knows of the provider serving a custom resource. */
export interface ProviderInfo {
  readonly timing: ProviderTiming;
  /** the handler exports named by the user functions' Handler property */
  readonly exportNames: { readonly onEvent: string; readonly isComplete: string };
  /** false: a provider without isComplete (complete when onEvent returns) */
  readonly hasIsComplete: boolean;
  /** the logical ids of the user functions and the waiter state machine (their ARNs' names) */
  readonly names: { readonly onEvent: string; readonly isComplete: string; readonly waiter: string };
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
  const names = { onEvent: 'OnEventHandler', isComplete: 'IsCompleteHandler', waiter: 'Waiter' };
  const defaults: ProviderInfo = {
    timing: fallback, exportNames: { onEvent: 'onEvent', isComplete: 'isComplete' }, hasIsComplete: true, names, source: 'default',
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
  const ids = {
    onEvent: getAttTarget(vars.USER_ON_EVENT_FUNCTION_ARN) ?? names.onEvent,
    isComplete: getAttTarget(vars.USER_IS_COMPLETE_FUNCTION_ARN) ?? names.isComplete,
    waiter: typeof smId === 'string' ? smId : names.waiter,
  };
  const text = typeof smId === 'string' ? definitionText(template.Resources?.[smId]?.Properties?.DefinitionString) : undefined;
  let timing = fallback;
  let source: ProviderInfo['source'] = 'default';
  if (text) {
    const states = obj(obj(JSON.parse(text))?.States) ?? {};
    const task = Object.entries(states).find(([name]) => name.includes('isComplete'))?.[1];
    const retry = (obj(task)?.Retry as Obj[] | undefined)?.[0];
    if (typeof retry?.IntervalSeconds === 'number' && typeof retry?.MaxAttempts === 'number') {
      const backoffRate = typeof retry.BackoffRate === 'number' ? retry.BackoffRate : 2; // Step Functions' default
      timing = { queryIntervalMs: retry.IntervalSeconds * 1000, maxAttempts: retry.MaxAttempts, backoffRate };
      source = 'template';
    }
  }
  return { timing, exportNames, hasIsComplete, names: ids, source };
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

/** Where the framework runs: its runtime, and the names its environment gives the ARNs. */
export interface FrameworkContext {
  readonly runtime: FrameworkRuntime;
  readonly region: string;
  /** `arn:<partition>:lambda:<region>:<account>:function:` */
  readonly functionArnPrefix: string;
  /** `arn:<partition>:states:<region>:<account>:stateMachine:` */
  readonly stateMachineArnPrefix: string;
  /** let the framework's log lines through */
  readonly verbose?: boolean;
}

/** The message of anything thrown, whatever realm or shape it comes from. */
export function messageOf(e: unknown): string {
  const m = (e as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' ? m : String(e);
}

/** A function error as the Lambda Node.js runtime reports it (Invoke's payload, Step Functions' Cause). */
function lambdaError(e: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const name = (e as { name?: unknown } | undefined)?.name;
  const stack = (e as { stack?: unknown } | undefined)?.stack;
  return {
    errorType: typeof name === 'string' ? name : 'Error',
    errorMessage: messageOf(e),
    trace: typeof stack === 'string' ? stack.split('\n') : [],
  };
}

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

/** One execution of the waiter state machine. */
interface Execution {
  readonly input: string;
  /** task invocations so far (the first one and its retries) */
  attempts: number;
  dueMs: number;
  ended: boolean;
}

/** A response the framework PUT to the ResponseURL, as CloudFormation received it. */
interface CfnResponse {
  readonly body: Obj;
  readonly bytes: number;
}

/** Which waiter execution's task attempt an isComplete invocation belongs to, across its awaits. */
const executionContext = new AsyncLocalStorage<{ readonly attempt: number }>();

const COUNT_WORDS = ['no waiter execution', 'one waiter execution', 'two waiter executions'];

/**
 * One CloudFormation request to a custom resource. CloudFormation invokes the framework's onEvent
 * (twice for a duplicate delivery, again after a killed invocation); each framework onEvent that
 * gets to StartExecution starts its own waiter execution (aws-cdk-lib 2.268.0, the minimum this
 * library supports, names no execution), each execution polls isComplete and sends a response.
 * CloudFormation acts on the first response; the other executions still run (and change the
 * service) until they end. Simplification: the request is reported when every execution has ended.
 */
export class ProviderRequest {
  private readonly executions: Execution[] = [];
  private readonly responses: CfnResponse[] = [];
  /** what each (not killed) user onEvent invocation returned, for the duplicate-delivery note */
  private readonly onEventOutcomes: string[] = [];
  private onEventAttempts = 0;
  /** set while a killed framework onEvent runs: called when its user onEvent has ended */
  private killAfterUserOnEvent?: () => void;
  private readonly env: Record<string, string>;
  private readonly framework: FrameworkFunctions;

  constructor(
    private readonly handler: ProviderHandler,
    public readonly event: ProviderEvent,
    private readonly provider: ProviderInfo,
    private readonly clock: { now(): number },
    private readonly faults: HarnessFaults,
    private readonly matcher: FaultMatcher,
    private readonly observer: RequestObserver,
    context: FrameworkContext,
  ) {
    // The variables the Provider construct gives the framework's functions.
    this.env = { AWS_REGION: context.region, USER_ON_EVENT_FUNCTION_ARN: context.functionArnPrefix + provider.names.onEvent };
    if (provider.hasIsComplete) {
      this.env.USER_IS_COMPLETE_FUNCTION_ARN = context.functionArnPrefix + provider.names.isComplete;
      this.env.WAITER_STATE_MACHINE_ARN = context.stateMachineArnPrefix + provider.names.waiter;
    }
    this.framework = context.runtime.instance(this.env, {
      invokeFunction: (req) => this.lambdaInvoke(req),
      startExecution: async (req) => this.startExecution(req),
      httpRequest: async (options, body) => this.receiveResponse(options, body),
    }, context.verbose);
  }

  /** The framework's onEvent (as CloudFormation delivers it), then the first isComplete at the same moment. */
  public async start(): Promise<Step> {
    const event = this.event;
    const phase = this.observer.phase;
    if (this.matcher.matches(this.faults.killAfterOnEvent, event, phase) && !await this.deliverKilled()) {
      return this.poll(); // the framework answered without the user's onEvent: nothing to kill
    }
    if (!this.matcher.matches(this.faults.duplicateOnEvent, event, phase)) {
      await this.deliver();
      return this.poll();
    }
    const before = this.onEventOutcomes.length;
    if (this.faults.duplicateConcurrently) {
      await Promise.all([this.deliver(), this.deliver()]);
    } else {
      await this.deliver();
      await this.deliver();
    }
    const outcomes = this.onEventOutcomes.slice(before);
    const returned = outcomes.length === 2 && outcomes[0] === outcomes[1] ? `both returned ${outcomes[0]}` : `they returned ${outcomes.join(' and ')}`;
    this.observer.note(`${event.LogicalResourceId}: onEvent (${event.RequestType}) ran twice${this.faults.duplicateConcurrently ? ' at the same time' : ''}; `
      + `${returned}; ${COUNT_WORDS[this.executions.length] ?? `${this.executions.length} waiter executions`}`);
    return this.poll();
  }

  /**
   * One round of the waiter executions' tasks: every execution due now (the executions of a
   * concurrent duplicate at the same time, otherwise one after the other).
   */
  public async poll(): Promise<Step> {
    const now = this.clock.now();
    const due = this.executions.filter((x) => !x.ended && x.dueMs <= now);
    if (this.faults.duplicateConcurrently) {
      await Promise.all(due.map((x) => this.runTask(x)));
    } else {
      for (const x of due) await this.runTask(x);
    }
    const running = this.executions.filter((x) => !x.ended);
    if (running.length > 0) return { done: false, dueMs: Math.min(...running.map((x) => x.dueMs)) };
    return this.outcome();
  }

  /** One delivery of the request to the framework's onEvent function (a fresh copy of the event, as JSON over the wire). */
  private async deliver(): Promise<void> {
    await this.framework.onEvent(JSON.parse(JSON.stringify(this.event)));
  }

  /**
   * A delivery whose framework invocation dies once the user's onEvent has ended (its result is
   * lost, nothing after it runs); the deliveries after it are Lambda's retry of that asynchronous
   * invocation. False when the framework answered without invoking the user's onEvent.
   */
  private async deliverKilled(): Promise<boolean> {
    const dies = new Promise<true>((resolve) => {
      this.killAfterUserOnEvent = () => resolve(true);
    });
    const killed = await Promise.race([this.deliver().then(() => false), dies]);
    this.killAfterUserOnEvent = undefined;
    return killed;
  }

  /** The waiter's task (the framework's isComplete), with the state machine's Retry and Catch. */
  private async runTask(x: Execution): Promise<void> {
    x.attempts++;
    try {
      await executionContext.run({ attempt: x.attempts }, () => this.framework.isComplete(JSON.parse(x.input)));
      x.ended = true;
    } catch (e) {
      const timing = this.provider.timing;
      if (x.attempts <= timing.maxAttempts) {
        x.dueMs = this.clock.now() + timing.queryIntervalMs * timing.backoffRate ** (x.attempts - 1);
        return;
      }
      x.ended = true;
      // Catch (States.ALL) -> the onTimeout task, with the failed task's error output.
      const error = lambdaError(e);
      try {
        await this.framework.onTimeout({ Error: error.errorType, Cause: JSON.stringify(error) });
      } catch {
        // the execution fails without a response: CloudFormation waits for its ServiceTimeout
      }
    }
  }

  /** CloudFormation's side: the first response counts; a SUCCESS over its size limit fails. */
  private outcome(): Step {
    const [first, ...others] = this.responses;
    // No response at all: nothing will come; the engine fails the resource at its ServiceTimeout.
    if (!first) return { done: false, dueMs: Number.POSITIVE_INFINITY };
    const said = (r: CfnResponse): string => `${String(r.body.Status)} ${String(r.body.PhysicalResourceId)}`;
    for (const other of others) {
      if (said(other) !== said(first)) {
        // The contract: PhysicalResourceId "must be identical for all responses for the same resource".
        this.observer.note(`${this.event.LogicalResourceId}: framework invocations of one request responded differently `
          + `(${said(first)}, then ${said(other)}); CloudFormation acted on the first`);
      }
    }
    const body = first.body;
    const physicalId = typeof body.PhysicalResourceId === 'string' ? body.PhysicalResourceId : undefined;
    if (body.Status !== 'SUCCESS') return { done: true, ok: false, physicalId, message: String(body.Reason) };
    this.observer.responded(first.bytes);
    if (first.bytes > MAX_RESPONSE_BYTES) return { done: true, ok: false, physicalId, message: RESPONSE_TOO_LONG_MESSAGE };
    return { done: true, ok: true, physicalId: physicalId ?? '', data: obj(body.Data) ?? {} };
  }

  // ---- the framework's outbound calls, answered --------------------------------------------

  /** Lambda Invoke (RequestResponse) of a user function. */
  private async lambdaInvoke(req: { FunctionName: string; Payload: string | Uint8Array }): Promise<InvokeResponse> {
    const fn = req.FunctionName === this.env.USER_ON_EVENT_FUNCTION_ARN ? 'onEvent'
      : req.FunctionName === this.env.USER_IS_COMPLETE_FUNCTION_ARN ? 'isComplete' : undefined;
    if (!fn) throw new Error(`ResourceNotFoundException: Function not found: ${req.FunctionName}`);
    const event = JSON.parse(typeof req.Payload === 'string' ? req.Payload : Buffer.from(req.Payload).toString('utf8')) as ProviderEvent;
    const attempt = fn === 'onEvent' ? ++this.onEventAttempts : executionContext.getStore()?.attempt ?? 1;
    const kill = fn === 'onEvent' ? this.killAfterUserOnEvent : undefined;
    let result: unknown;
    let error: { e: unknown } | undefined;
    try {
      result = await this.invoke(fn, event, attempt);
    } catch (e) {
      error = { e };
    }
    if (kill) {
      this.observer.note(`${event.LogicalResourceId}: onEvent (${event.RequestType}) killed after it `
        + `${error ? `failed (${messageOf(error.e)})` : 'returned'}; retried`);
      kill();
      return new Promise<never>(() => undefined); // the process is gone: the framework never hears back
    }
    if (fn === 'onEvent') this.onEventOutcomes.push(error ? `an error (${messageOf(error.e)})` : String(obj(result)?.PhysicalResourceId));
    if (error) return { StatusCode: 200, FunctionError: 'Unhandled', ExecutedVersion: '$LATEST', Payload: utf8(JSON.stringify(lambdaError(error.e))) };
    return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: utf8(JSON.stringify(result ?? null)) };
  }

  /** Step Functions StartExecution of the waiter: its first task runs at once (at the next poll). */
  private startExecution(req: { stateMachineArn: string; input: string }): { executionArn: string; startDate: Date } {
    if (req.stateMachineArn !== this.env.WAITER_STATE_MACHINE_ARN) throw new Error(`StateMachineDoesNotExist: ${req.stateMachineArn}`);
    this.executions.push({ input: req.input, attempts: 0, dueMs: this.clock.now(), ended: false });
    const executionArn = `${req.stateMachineArn.replace(':stateMachine:', ':execution:')}:${this.event.RequestId}-${this.executions.length}`;
    return { executionArn, startDate: new Date(this.clock.now()) };
  }

  /** The framework's PUT to the ResponseURL, as CloudFormation receives it. */
  private receiveResponse(options: { path?: string; method?: string; headers?: Record<string, unknown> }, body: string): void {
    const url = new URL(this.event.ResponseURL);
    if (options.method !== 'PUT' || options.path !== url.pathname + url.search) {
      throw new Error(`the framework sent ${String(options.method)} ${String(options.path)}, not a PUT to the ResponseURL`);
    }
    this.responses.push({ body: JSON.parse(body) as Obj, bytes: Number(options.headers?.['content-length']) });
  }

  /** One user function invocation with the Lambda-level fault hooks. */
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
