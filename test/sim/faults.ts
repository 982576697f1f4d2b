// Fault injection and the call log. Faults are decided before an operation runs, so a
// throttled or failed call changes nothing; only 'dropResponse' acts after a successful
// call (the state changed, the caller sees a 500), like a Lambda killed right after its
// API call returned. Rate-based faults draw from their own seeded generator so they are
// reproducible and do not shift the ids the simulator generates.

import { internalFailure, SimError, throttling } from './errors';
import { SeededRandom } from './random';
import { AnyOperation as Operation } from './types';

export type FaultKind = 'throttle' | 'internalError' | 'latency' | 'dropResponse';
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'internalError', 'latency', 'dropResponse'];

export interface FaultSpec {
  /**
   * throttle: HTTP 400 ThrottlingException (the SDK retries it);
   * internalError: HTTP 500 CloudHsmInternalFailureException (the SDK retries it too);
   * latency: the HTTP response is delayed by latencyMs real milliseconds;
   * dropResponse: the operation runs, then the caller gets a 500 instead of the result.
   */
  readonly kind: FaultKind;
  /** an operation name, or '*' (default) for all */
  readonly operation?: Operation | '*';
  /** only calls to this region (default: all regions) */
  readonly region?: string;
  /** fire on each matching call with this probability (0..1), from the seeded generator */
  readonly rate?: number;
  /** fire on the Nth matching call only (1-based, counted from when the fault is added; for dropResponse: the Nth successful call) */
  readonly nthCall?: number;
  /** fire on the next K matching calls */
  readonly nextCalls?: number;
  /** for latency: the delay in real milliseconds (0..5000) */
  readonly latencyMs?: number;
  /** error message instead of the default */
  readonly message?: string;
}

export interface FaultStatus extends FaultSpec {
  readonly id: number;
  /** matching calls seen since the fault was added */
  readonly seen: number;
  /** how often it fired */
  readonly fired: number;
}

interface Rule {
  readonly id: number;
  readonly spec: FaultSpec;
  seen: number;
  fired: number;
}

export class FaultInjector {
  private rules: Rule[] = [];
  private nextId = 1;

  constructor(private readonly rng: SeededRandom) {}

  public add(spec: FaultSpec): number {
    if (!FAULT_KINDS.includes(spec.kind)) throw new Error(`Unknown fault kind '${spec.kind}' (one of ${FAULT_KINDS.join(', ')})`);
    const modes = [spec.rate, spec.nthCall, spec.nextCalls].filter((x) => x !== undefined).length;
    if (modes > 1) throw new Error('A fault takes at most one of rate, nthCall, nextCalls');
    if (spec.rate !== undefined && !(spec.rate >= 0 && spec.rate <= 1)) throw new Error(`rate must be within 0..1, got ${spec.rate}`);
    if (spec.nthCall !== undefined && !(Number.isInteger(spec.nthCall) && spec.nthCall >= 1)) throw new Error(`nthCall must be an integer >= 1, got ${spec.nthCall}`);
    if (spec.nextCalls !== undefined && !(Number.isInteger(spec.nextCalls) && spec.nextCalls >= 1)) throw new Error(`nextCalls must be an integer >= 1, got ${spec.nextCalls}`);
    if (spec.kind === 'latency' && !(spec.latencyMs !== undefined && spec.latencyMs >= 0 && spec.latencyMs <= 5000)) {
      throw new Error('a latency fault needs latencyMs within 0..5000');
    }
    const rule: Rule = { id: this.nextId++, spec: { ...spec }, seen: 0, fired: 0 };
    this.rules.push(rule);
    return rule.id;
  }

  public remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  public clear(): void {
    this.rules = [];
  }

  public list(): FaultStatus[] {
    return this.rules.map((r) => ({ ...r.spec, id: r.id, seen: r.seen, fired: r.fired }));
  }

  /** Decides the faults of a call before it runs: an error to return, and/or a delay. */
  public before(region: string, operation: Operation): { error?: SimError; latencyMs: number } {
    let error: SimError | undefined;
    let latencyMs = 0;
    for (const rule of this.rules) {
      if (rule.spec.kind === 'dropResponse' || !this.matches(rule, region, operation)) continue;
      if (!this.fires(rule)) continue;
      if (rule.spec.kind === 'latency') latencyMs += rule.spec.latencyMs ?? 0;
      else if (!error) error = rule.spec.kind === 'throttle' ? throttling(rule.spec.message) : internalFailure(rule.spec.message);
    }
    return { error, latencyMs };
  }

  /** After a successful call: the error to answer with instead of the result, if any. */
  public afterSuccess(region: string, operation: Operation): SimError | undefined {
    let error: SimError | undefined;
    for (const rule of this.rules) {
      if (rule.spec.kind !== 'dropResponse' || !this.matches(rule, region, operation)) continue;
      if (this.fires(rule) && !error) error = internalFailure(rule.spec.message);
    }
    return error;
  }

  private matches(rule: Rule, region: string, operation: Operation): boolean {
    const op = rule.spec.operation ?? '*';
    return (op === '*' || op === operation) && (rule.spec.region === undefined || rule.spec.region === region);
  }

  /** Counts the call and decides whether the rule fires on it. */
  private fires(rule: Rule): boolean {
    rule.seen++;
    const { nthCall, nextCalls, rate } = rule.spec;
    let fire: boolean;
    if (nthCall !== undefined) fire = rule.seen === nthCall;
    else if (nextCalls !== undefined) fire = rule.fired < nextCalls;
    else if (rate !== undefined) fire = this.rng.next() < rate;
    else fire = true;
    if (fire) rule.fired++;
    return fire;
  }
}

export type CallOutcome = 'ok' | 'error' | 'fault' | 'dropped';

export interface CallRecord {
  readonly seq: number;
  readonly region: string;
  readonly operation: Operation;
  /** virtual time when the call arrived */
  readonly virtualMs: number;
  readonly outcome: CallOutcome;
  readonly errorType?: string;
}

/** Every API call, in order (the last 10,000), for assertions such as "one Describe per poll". */
export class CallLog {
  private static readonly CAP = 10_000;
  private records: CallRecord[] = [];
  private seq = 0;
  private readonly totals = new Map<string, number>();

  public add(record: Omit<CallRecord, 'seq'>): void {
    this.records.push({ ...record, seq: ++this.seq });
    if (this.records.length > CallLog.CAP) this.records.shift();
    for (const key of [record.operation, `${record.region}/${record.operation}`]) {
      this.totals.set(key, (this.totals.get(key) ?? 0) + 1);
    }
  }

  /** Calls per operation (all outcomes), optionally of one region only. */
  public counts(region?: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, n] of this.totals) {
      const slash = key.indexOf('/');
      if (region === undefined && slash < 0) out[key] = n;
      if (region !== undefined && slash >= 0 && key.slice(0, slash) === region) out[key.slice(slash + 1)] = n;
    }
    return out;
  }

  public list(): CallRecord[] {
    return [...this.records];
  }

  public reset(): void {
    this.records = [];
    this.totals.clear();
  }
}
