// Fault hooks at the Provider framework level: what Lambda and CloudFormation can do to a
// handler that the simulator's API-level faults (throttle, 500, latency, dropped response)
// cannot. Matching is seeded, so a run with the same seed injects the same faults.

import { SeededIds } from './ids';
import { Phase, ProviderEvent, RequestType } from './types';

/** Which invocations a fault applies to. A function decides itself; an object matches fields. */
export type EventMatcher =
  | ((event: ProviderEvent, phase: Phase) => boolean)
  | {
    readonly logicalId?: string;
    readonly resourceType?: string;
    readonly requestType?: RequestType;
    readonly phase?: Phase;
    /** fire with this probability (seeded) */
    readonly rate?: number;
    /** fire at most this many times (default: every match) */
    readonly times?: number;
  };

export interface InvocationInfo {
  readonly fn: 'onEvent' | 'isComplete';
  readonly event: ProviderEvent;
  readonly phase: Phase;
  /** 1-based invocation number of this function for this request */
  readonly attempt: number;
  /** virtual ms since the start of the stack operation */
  readonly elapsedMs: number;
}

export interface HarnessFaults {
  /**
   * At-least-once delivery: the user's onEvent runs twice for one request and both runs finish.
   * As in the framework (aws-cdk-lib >= 2.268.0 names no waiter execution), each run starts its own
   * waiter execution with its own result; CloudFormation acts on the first response, and an error
   * in either run fails the resource.
   */
  readonly duplicateOnEvent?: EventMatcher;
  /**
   * Run both duplicate onEvent invocations at the same time instead of one after the other, and
   * then their two waiter executions' isComplete invocations at the same time too.
   */
  readonly duplicateConcurrently?: boolean;
  /**
   * The onEvent Lambda dies after its API calls: its result (or error) is lost and the
   * invocation is retried; the retry's result is what the framework uses.
   */
  readonly killAfterOnEvent?: EventMatcher;
  /** Called before every handler invocation: the place to change the simulator at an exact moment. */
  readonly beforeInvoke?: (info: InvocationInfo) => void | Promise<void>;
  /** Called after every handler invocation with its result or error message. */
  readonly afterInvoke?: (info: InvocationInfo & { readonly result?: unknown; readonly error?: string }) => void | Promise<void>;
}

/** Decides, with the harness's seeded sequence, whether a matcher fires for an event. */
export class FaultMatcher {
  private readonly fired = new Map<EventMatcher, number>();

  constructor(private readonly ids: SeededIds) {}

  public matches(matcher: EventMatcher | undefined, event: ProviderEvent, phase: Phase): boolean {
    if (!matcher) return false;
    if (typeof matcher === 'function') return matcher(event, phase);
    if (matcher.logicalId !== undefined && matcher.logicalId !== event.LogicalResourceId) return false;
    if (matcher.resourceType !== undefined && matcher.resourceType !== event.ResourceType) return false;
    if (matcher.requestType !== undefined && matcher.requestType !== event.RequestType) return false;
    if (matcher.phase !== undefined && matcher.phase !== phase) return false;
    const count = this.fired.get(matcher) ?? 0;
    if (matcher.times !== undefined && count >= matcher.times) return false;
    if (matcher.rate !== undefined && !(this.ids.draw() < matcher.rate)) return false;
    this.fired.set(matcher, count + 1);
    return true;
  }
}
