// The deploy harness's state and plumbing: the stack's resources, status and reports, and how a
// resource's request reaches its handler; the steps of a stack operation build on it (engine.ts,
// engine-delete.ts).

import { changesOf } from './changes';
import { HarnessFaults, FaultMatcher } from './faults';
import { DEFAULT_FRAMEWORK_RUNTIME_DIR, FrameworkRuntime } from './framework';
import { ProviderHandler, loadBundledHandler } from './handler';
import { SeededIds } from './ids';
import { CROSS_REGION_TYPES, NativeProvisioner } from './native';
import { serviceResourceOf } from './physical';
import { FrameworkContext, messageOf, ProviderInfo, providerInfo, ProviderRequest, ProviderTiming } from './provider';
import { countDelta, inventory, newInvocationCounts } from './report';
import { VirtualTime } from './scheduler';
import { evaluateConditions, resolveProperties, ResolveContext, ResolveError, resolveValue } from './template';
import {
  CfnResource, CfnTemplate, DeployedResource, DeploymentReport, InvocationCounts, Outcome, Phase, ProviderEvent,
  RequestType, RetainedResource, SimulatorControl, StackOperation, Transition,
} from './types';

export interface HarnessOptions {
  readonly sim: SimulatorControl;
  /** the simulator's URL (only 127.0.0.1 / localhost) */
  readonly endpoint: string;
  readonly stackName?: string;
  /** default us-east-1 */
  readonly region?: string;
  /** default 123456789012 */
  readonly account?: string;
  /**
   * The access key id the handler signs with (default: the harness's own): with a simulator that
   * serves several accounts by access key (SimulatorOptions.accounts), the one of `account`.
   */
  readonly accessKeyId?: string;
  readonly partition?: string;
  /** seeds request ids, fake physical ids and rate-based fault hooks (default 1) */
  readonly seed?: number;
  /** use this handler instead of a fresh copy of assets/handler/index.js */
  readonly handler?: ProviderHandler;
  readonly handlerPath?: string;
  /** let the handler (and the Provider framework) print their log lines */
  readonly verboseHandler?: boolean;
  /**
   * The Provider framework runtime directory to run (default: aws-cdk-lib's own,
   * custom-resources/lib/provider-framework/runtime): a changed copy shows what depends on the framework.
   */
  readonly frameworkRuntimeDir?: string;
  /** when the template has no provider waiter to read it from (default 10) */
  readonly queryIntervalSeconds?: number;
  /** when the template has no provider waiter to read it from (default 50) */
  readonly totalTimeoutMinutes?: number;
  /** template parameter values (default: the parameters' defaults) */
  readonly parameters?: Record<string, unknown>;
  readonly faults?: HarnessFaults;
  /** every transition as it happens (the demo prints them) */
  readonly onTransition?: (t: Transition) => void;
}

export function isCustomResourceType(type: string): boolean {
  if (CROSS_REGION_TYPES.has(type)) return false; // modelled natively, see native.ts
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

export const RESPONSE_URL = 'https://127.0.0.1/harness-has-no-response-url';
/** CloudFormation's own limit when a custom resource has no ServiceTimeout. */
export const DEFAULT_SERVICE_TIMEOUT_S = 3600;

/** Bookkeeping of one stack operation, turned into its report at the end. */
export class Run {
  public readonly transitions: Transition[] = [];
  public readonly invocations: InvocationCounts = newInvocationCounts();
  public readonly responseBytes: Record<string, number> = {};
  public readonly warnings: string[] = [];
  public readonly retained: RetainedResource[] = [];
  public readonly startMs: number;
  public readonly startReal = Date.now();
  public readonly callsBefore: Record<string, number>;

  constructor(public readonly operation: StackOperation, sim: SimulatorControl) {
    this.startMs = sim.clock.now();
    this.callsBefore = { ...sim.callCounts?.() };
  }
}

/** A failure recorded while the deploy step runs. */
export interface Failure {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly requestType: RequestType;
  readonly message: string;
}

/** A request the deploy step made, for the rollback to undo. */
export interface Change {
  readonly logicalId: string;
  readonly requestType: 'Create' | 'Update';
  /** the resource before (Update) */
  readonly before?: DeployedResource;
  /** what now exists: the new resource, or the failed one's physical id */
  readonly after?: DeployedResource;
  readonly failedPhysicalId?: string;
  readonly attemptedProperties?: Record<string, unknown>;
}

/** What create, update and delete share: the stack's state, its reports and the requests to the handlers. */
export abstract class HarnessBase {
  protected readonly sim: SimulatorControl;
  protected readonly region: string;
  protected readonly account: string;
  protected readonly partition: string;
  protected readonly stackName: string;
  protected readonly ids: SeededIds;
  protected readonly matcher: FaultMatcher;
  protected readonly native: NativeProvisioner;
  protected readonly handlers = new Map<string, ProviderHandler>();
  protected readonly fallbackTiming: ProviderTiming;
  protected readonly framework: FrameworkContext;
  protected resources = new Map<string, DeployedResource>();
  protected template?: CfnTemplate;
  protected stackId = '';
  protected status = 'NONE';
  protected readonly retainedAll: RetainedResource[] = [];
  protected readonly serviceStates = new Map<string, string>();
  protected run?: Run;
  protected seq = 0;

  constructor(protected readonly options: HarnessOptions) {
    this.sim = options.sim;
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '123456789012';
    this.partition = options.partition ?? 'aws';
    this.stackName = options.stackName ?? 'HarnessStack';
    this.ids = new SeededIds(options.seed ?? 1, this.stackName);
    this.matcher = new FaultMatcher(this.ids);
    this.native = new NativeProvisioner(this.ids, this.sim, {
      region: this.region, account: this.account, partition: this.partition, stackName: this.stackName,
    });
    const intervalS = options.queryIntervalSeconds ?? 10;
    this.fallbackTiming = {
      queryIntervalMs: intervalS * 1000,
      maxAttempts: Math.floor(((options.totalTimeoutMinutes ?? 50) * 60) / intervalS),
      backoffRate: 1,
    };
    this.framework = {
      runtime: new FrameworkRuntime(options.frameworkRuntimeDir ?? DEFAULT_FRAMEWORK_RUNTIME_DIR),
      region: this.region,
      functionArnPrefix: `arn:${this.partition}:lambda:${this.region}:${this.account}:function:`,
      stateMachineArnPrefix: `arn:${this.partition}:states:${this.region}:${this.account}:stateMachine:`,
      verbose: options.verboseHandler,
    };
  }

  /** The stack's resources now, by logical id. */
  public get state(): ReadonlyMap<string, DeployedResource> {
    return this.resources;
  }

  /** CloudFormation-like stack status: NONE, CREATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE, ... */
  public get stackStatus(): string {
    return this.status;
  }

  /** Every resource retained by policy since this harness was made. */
  public get retained(): readonly RetainedResource[] {
    return this.retainedAll;
  }

  /** Creates the stack, or updates it when it exists. Resource failures are reported, not thrown. */

  // ---- plumbing ------------------------------------------------------------------------

  protected request(template: CfnTemplate, res: CfnResource, event: ProviderEvent, phase: Phase): ProviderRequest {
    const rawToken = template.Resources?.[event.LogicalResourceId]?.Properties?.ServiceToken ?? res.Properties?.ServiceToken;
    const info = providerInfo(template, rawToken, this.fallbackTiming);
    const run = this.run!;
    const observer = {
      phase,
      elapsedMs: () => this.sim.clock.now() - run.startMs,
      counted: (fn: 'onEvent' | 'isComplete') => {
        run.invocations[fn]++;
        const per = run.invocations.byResource[event.LogicalResourceId] ??= { onEvent: 0, isComplete: 0 };
        per[fn]++;
      },
      invoked: (physicalId: string | undefined) => this.observe(event, phase, physicalId),
      note: (message: string) => run.warnings.push(message),
      responded: (bytes: number) => {
        run.responseBytes[event.LogicalResourceId] = Math.max(bytes, run.responseBytes[event.LogicalResourceId] ?? 0);
      },
    };
    return new ProviderRequest(this.handlerFor(info), event, info, this.sim.clock, this.options.faults ?? {}, this.matcher, observer, this.framework);
  }

  protected handlerFor(info: ProviderInfo): ProviderHandler {
    if (this.options.handler) return this.options.handler;
    const key = `${info.exportNames.onEvent}/${info.exportNames.isComplete}`;
    let h = this.handlers.get(key);
    if (!h) {
      h = loadBundledHandler({
        endpoint: this.options.endpoint,
        region: this.region,
        path: this.options.handlerPath,
        accessKeyId: this.options.accessKeyId,
        verbose: this.options.verboseHandler,
        exportNames: info.exportNames,
        clock: this.sim.clock,
      });
      this.handlers.set(key, h);
    }
    return h;
  }

  /** After each invocation: a changed service-side state of the physical id becomes a transition. */
  protected observe(event: ProviderEvent, phase: Phase, physicalId: string | undefined): void {
    const found = serviceResourceOf(this.sim, physicalId);
    if (!found) return;
    const previous = this.serviceStates.get(found.id);
    if (previous === found.state) return;
    this.serviceStates.set(found.id, found.state);
    this.transition({
      kind: 'service',
      logicalId: event.LogicalResourceId,
      resourceType: event.ResourceType,
      requestType: event.RequestType,
      phase,
      status: found.state,
      previousStatus: previous,
      physicalId: found.id,
      custom: true,
    });
  }

  protected transition(t: Omit<Transition, 'seq' | 'elapsedMs'>): void {
    const run = this.run!;
    const full: Transition = { ...t, seq: ++this.seq, elapsedMs: this.sim.clock.now() - run.startMs };
    run.transitions.push(full);
    this.options.onTransition?.(full);
  }

  protected time(): VirtualTime {
    const clock = this.sim.clock;
    return {
      now: () => clock.now(),
      advanceTo: (ms) => void clock.advance(Math.max(0, ms - clock.now())),
      settle: async () => { await this.sim.settle?.(); },
    };
  }

  protected begin(operation: StackOperation): Run {
    if (this.run) throw new Error(`${this.stackName}: a ${this.run.operation} is still running`);
    this.run = new Run(operation, this.sim);
    return this.run;
  }

  protected finish(run: Run, outcome: Outcome, outputs: Record<string, string>): DeploymentReport {
    this.run = undefined;
    const { left, orphans } = inventory(this.sim.listResources(), this.resources.values(), this.retainedAll);
    return {
      operation: run.operation,
      stackName: this.stackName,
      outcome,
      stackStatus: this.status,
      transitions: run.transitions,
      invocations: run.invocations,
      responseBytes: run.responseBytes,
      resources: Object.fromEntries(this.resources),
      outputs,
      retained: run.retained,
      warnings: run.warnings,
      simulatedMs: this.sim.clock.now() - run.startMs,
      realMs: Date.now() - run.startReal,
      apiCalls: countDelta(run.callsBefore, { ...this.sim.callCounts?.() }),
      leftInSimulator: left,
      orphans,
      changes: changesOf(run.transitions, new Set(this.resources.keys())),
    };
  }

  /** Resources of the template whose Condition holds. */
  protected activeResources(template: CfnTemplate): Record<string, CfnResource> {
    const conditions = this.conditions(template);
    return Object.fromEntries(Object.entries(template.Resources ?? {})
      .filter(([, r]) => r.Condition === undefined || conditions[r.Condition]));
  }

  protected parameters(template: CfnTemplate): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(template.Parameters ?? {})) {
      if (p.Default !== undefined) values[name] = p.Default;
    }
    return { ...values, ...this.options.parameters };
  }

  protected conditions(template: CfnTemplate): Record<string, boolean> {
    const noResources = (what: string) => (id: string): never => {
      throw new ResolveError(`Conditions cannot use ${what} ${id}`);
    };
    return evaluateConditions(template, {
      region: this.region,
      account: this.account,
      partition: this.partition,
      stackName: this.stackName,
      stackId: this.stackId,
      parameters: this.parameters(template),
      physicalId: noResources('resource'),
      attribute: noResources('attribute of'),
    });
  }

  /** The resolution context over the resources deployed so far (`view`). */
  protected context(template: CfnTemplate, view: ReadonlyMap<string, DeployedResource>): ResolveContext {
    const find = (id: string, what: string): DeployedResource => {
      const r = view.get(id);
      if (!r) throw new ResolveError(`${what}: ${id} is not a deployed resource of the stack`);
      return r;
    };
    return {
      region: this.region,
      account: this.account,
      partition: this.partition,
      stackName: this.stackName,
      stackId: this.stackId,
      parameters: this.parameters(template),
      conditions: this.conditions(template),
      physicalId: (id) => find(id, `Ref ${id}`).physicalId,
      attribute: (id, name) => {
        const r = find(id, `Fn::GetAtt ${id}.${name}`);
        if (name in r.attributes) return r.attributes[name];
        if (r.custom) {
          throw new ResolveError(`Fn::GetAtt ${id}.${name}: the custom resource returned no attribute ${name} `
            + `(it returned ${Object.keys(r.attributes).join(', ') || 'none'})`);
        }
        return this.native.placeholderAttribute(r.physicalId, name);
      },
    };
  }

  /**
   * Properties of a non-custom resource. A subnet needs its AZ, VPC and CIDR; other resources
   * may use intrinsics the harness does not model, so they fall back to their raw properties.
   */
  protected resolveNative(res: CfnResource, ctx: ResolveContext): Record<string, unknown> {
    // these act in the simulator, so their properties must resolve
    if (['AWS::EC2::Subnet', 'AWS::EC2::Instance', 'AWS::SecretsManager::Secret'].includes(res.Type)) return resolveProperties(res.Properties, ctx);
    try {
      return resolveProperties(res.Properties, ctx);
    } catch {
      return { ...res.Properties };
    }
  }

  protected outputs(template: CfnTemplate, view: ReadonlyMap<string, DeployedResource>): Record<string, string> {
    const ctx = this.context(template, view);
    const out: Record<string, string> = {};
    for (const [name, o] of Object.entries(template.Outputs ?? {})) {
      if (o.Condition !== undefined && !ctx.conditions[o.Condition]) continue;
      try {
        const v = resolveValue(o.Value, ctx);
        out[name] = typeof v === 'string' ? v : JSON.stringify(v);
      } catch (e) {
        this.run?.warnings.push(`output ${name}: ${messageOf(e)}`);
      }
    }
    return out;
  }
}
