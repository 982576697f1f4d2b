// The deployment engine: create, update and delete a stack's resources in CloudFormation's
// order and with its failure semantics, against the simulator. Custom resources go through the
// real handler behind aws-cdk-lib's Provider framework runtime (ProviderRequest); everything else
// gets fake ids (NativeProvisioner).
//
// CloudFormation behaviour modelled here:
// - create-stack: resources in dependency order, independent ones concurrently; on a failure,
//   in-flight work finishes, then every resource created (the failed one included) is deleted,
//   except DeletionPolicy Retain, which is kept and recorded.
// - update-stack: Create / Update / no-op per resource; a new physical id from an Update is a
//   replacement whose old resource is deleted in the cleanup step (unless UpdateReplacePolicy
//   Retain); removed resources are deleted in the cleanup step (unless DeletionPolicy Retain).
//   Cleanup failures do not fail the update. On a failure the rollback sends Updates back to
//   the old properties (failed resource included) and then deletes what the update created.
// - delete-stack: reverse dependency order, DeletionPolicy Retain honoured.
// Simplification: after a failure, in-flight custom resources run to their end before the
// rollback (CloudFormation cancels them and may never learn their physical id).

import { changesOf } from './changes';
import { HarnessFaults, FaultMatcher } from './faults';
import { DEFAULT_FRAMEWORK_RUNTIME_DIR, FrameworkRuntime } from './framework';
import { dependencyMap, dependents, topologicalOrder } from './graph';
import { ProviderHandler, loadBundledHandler } from './handler';
import { SeededIds } from './ids';
import { CROSS_REGION_TYPES, NativeProvisioner } from './native';
import { serviceResourceOf } from './physical';
import { FrameworkContext, messageOf, ProviderInfo, providerInfo, ProviderRequest, ProviderTiming, Step } from './provider';
import { countDelta, inventory, newInvocationCounts } from './report';
import { runTasks, Task, VirtualTime } from './scheduler';
import {
  canonicalJson, evaluateConditions, resolveProperties, ResolveContext, ResolveError, resolveValue, stringifyScalars,
} from './template';
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

const RESPONSE_URL = 'https://127.0.0.1/harness-has-no-response-url';
/** CloudFormation's own limit when a custom resource has no ServiceTimeout. */
const DEFAULT_SERVICE_TIMEOUT_S = 3600;

/** Bookkeeping of one stack operation, turned into its report at the end. */
class Run {
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
interface Failure {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly requestType: RequestType;
  readonly message: string;
}

/** A request the deploy step made, for the rollback to undo. */
interface Change {
  readonly logicalId: string;
  readonly requestType: 'Create' | 'Update';
  /** the resource before (Update) */
  readonly before?: DeployedResource;
  /** what now exists: the new resource, or the failed one's physical id */
  readonly after?: DeployedResource;
  readonly failedPhysicalId?: string;
  readonly attemptedProperties?: Record<string, unknown>;
}

export class DeployHarness {
  private readonly sim: SimulatorControl;
  private readonly region: string;
  private readonly account: string;
  private readonly partition: string;
  private readonly stackName: string;
  private readonly ids: SeededIds;
  private readonly matcher: FaultMatcher;
  private readonly native: NativeProvisioner;
  private readonly handlers = new Map<string, ProviderHandler>();
  private readonly fallbackTiming: ProviderTiming;
  private readonly framework: FrameworkContext;
  private resources = new Map<string, DeployedResource>();
  private template?: CfnTemplate;
  private stackId = '';
  private status = 'NONE';
  private readonly retainedAll: RetainedResource[] = [];
  private readonly serviceStates = new Map<string, string>();
  private run?: Run;
  private seq = 0;

  constructor(private readonly options: HarnessOptions) {
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
  public async deploy(template: CfnTemplate): Promise<DeploymentReport> {
    const exists = this.resources.size > 0 || /^(CREATE|UPDATE)_/.test(this.status);
    return exists ? this.update(template) : this.create(template);
  }

  /** Deletes the stack's resources in reverse dependency order, honouring DeletionPolicy. */
  public async destroy(): Promise<DeploymentReport> {
    const run = this.begin('destroy');
    const deps = new Map([...this.resources].map(([id, r]) => [id, r.dependsOn]));
    const failures = await this.deleteAll([...this.resources.values()], deps, 'destroy', 'DeletionPolicy');
    this.status = failures.length === 0 ? 'DELETE_COMPLETE' : 'DELETE_FAILED';
    if (failures.length === 0) this.template = undefined;
    const outcome: Outcome = failures.length === 0 ? { status: 'success' } : { status: 'failed', ...failures[0], rolledBack: false };
    return this.finish(run, outcome, {});
  }

  // ---- create and update ------------------------------------------------------------------

  private async create(template: CfnTemplate): Promise<DeploymentReport> {
    const run = this.begin('create');
    this.stackId = `arn:${this.partition}:cloudformation:${this.region}:${this.account}:stack/${this.stackName}/${this.ids.requestId()}`;
    this.status = 'CREATE_IN_PROGRESS';
    this.resources = new Map();
    const { failure, changes, next, deps } = await this.applyTemplate(template, new Map());
    if (!failure) {
      this.resources = next;
      this.template = template;
      this.status = 'CREATE_COMPLETE';
      return this.finish(run, { status: 'success' }, this.outputs(template, next));
    }
    // Rollback of a failed create: delete everything this deployment made, the failed resource included.
    this.status = 'ROLLBACK_IN_PROGRESS';
    const made = changes.flatMap((c) => (c.after ? [c.after] : []));
    const rollbackFailures = await this.deleteAll(made, deps, 'rollback', 'DeletionPolicy');
    this.resources = new Map(made.filter((r) => rollbackFailures.some((f) => f.logicalId === r.logicalId)).map((r) => [r.logicalId, r]));
    this.status = rollbackFailures.length === 0 ? 'ROLLBACK_COMPLETE' : 'ROLLBACK_FAILED';
    for (const f of rollbackFailures) run.warnings.push(`rollback: ${f.logicalId} ${f.requestType} failed: ${f.message}`);
    return this.finish(run, { status: 'failed', ...failure, rolledBack: rollbackFailures.length === 0 }, {});
  }

  private async update(template: CfnTemplate): Promise<DeploymentReport> {
    const run = this.begin('update');
    const old = new Map(this.resources);
    this.status = 'UPDATE_IN_PROGRESS';
    const { failure, changes, next, deps } = await this.applyTemplate(template, old);
    if (!failure) {
      // Cleanup: old physical resources of replacements, then resources no longer in the template.
      this.status = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
      const replaced = changes.filter((c) => c.requestType === 'Update' && c.after && c.before
        && c.after.physicalId !== c.before.physicalId).map((c) => c.before!);
      const removed = [...old.values()].filter((r) => !next.has(r.logicalId));
      const oldDeps = new Map([...old].map(([id, r]) => [id, r.dependsOn]));
      const cleanup = [
        ...await this.deleteAll(replaced, new Map(), 'cleanup', 'UpdateReplacePolicy'),
        ...await this.deleteAll(removed, oldDeps, 'cleanup', 'DeletionPolicy'),
      ];
      // CloudFormation finishes the update anyway; what failed to delete is no longer the stack's.
      for (const f of cleanup) run.warnings.push(`cleanup: ${f.logicalId} Delete failed (left behind): ${f.message}`);
      this.resources = next;
      this.template = template;
      this.status = 'UPDATE_COMPLETE';
      return this.finish(run, { status: 'success' }, this.outputs(template, next));
    }

    // Rollback: Updates back to the old properties, in the old order; then delete what the update created.
    this.status = 'UPDATE_ROLLBACK_IN_PROGRESS';
    const restored = new Map(old);
    const revert = changes.filter((c) => c.requestType === 'Update' && c.before
      && (c.after ? c.after.physicalId === c.before.physicalId : (c.failedPhysicalId ?? c.before.physicalId) === c.before.physicalId));
    const oldOrder = topologicalOrder([...old.keys()], new Map([...old].map(([id, r]) => [id, r.dependsOn])));
    revert.sort((a, b) => oldOrder.indexOf(a.logicalId) - oldOrder.indexOf(b.logicalId));
    const rollbackErrors: string[] = [];
    for (const c of revert) {
      const r = await this.rollbackUpdate(c);
      if (typeof r === 'string') rollbackErrors.push(`${c.logicalId}: ${r}`);
      else restored.set(c.logicalId, r);
    }
    const created = changes.flatMap((c) => {
      if (c.requestType === 'Create') return c.after ? [c.after] : [];
      // a replacement made (or half made) by the failed update
      const newId = c.after?.physicalId ?? c.failedPhysicalId;
      if (!c.before || !newId || newId === c.before.physicalId) return [];
      return [{ ...(c.after ?? c.before), physicalId: newId, properties: c.attemptedProperties ?? c.before.properties }];
    });
    this.status = 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS';
    const deleteFailures = await this.deleteAll(created, deps, 'rollback', 'DeletionPolicy');
    for (const f of deleteFailures) rollbackErrors.push(`${f.logicalId} Delete: ${f.message}`);
    for (const e of rollbackErrors) run.warnings.push(`rollback: ${e}`);
    this.resources = restored;
    this.status = rollbackErrors.length === 0 ? 'UPDATE_ROLLBACK_COMPLETE' : 'UPDATE_ROLLBACK_FAILED';
    return this.finish(run, { status: 'failed', ...failure, rolledBack: rollbackErrors.length === 0 }, this.outputs(this.template ?? {}, restored));
  }

  /** The deploy step shared by create and update: every resource of the template, in order. */
  private async applyTemplate(template: CfnTemplate, old: ReadonlyMap<string, DeployedResource>): Promise<{
    failure?: Failure; changes: Change[]; next: Map<string, DeployedResource>; deps: Map<string, string[]>;
  }> {
    const resources = this.activeResources(template);
    const deps = dependencyMap(resources);
    const order = topologicalOrder(Object.keys(resources), deps);
    const next = new Map<string, DeployedResource>();
    const changes: Change[] = [];
    let failure: Failure | undefined;
    const tasks = order.map((id) => this.deployTask(template, id, resources[id], deps.get(id) ?? [], old.get(id), next, changes));
    await runTasks(tasks, this.time(), {
      haltOnFailure: true,
      onDone: (task, result) => {
        if (result.status === 'failed' && !failure) {
          const type = resources[task.id].Type;
          const before = old.get(task.id);
          const requestType: RequestType = before && before.type === type ? 'Update' : 'Create';
          failure = { logicalId: task.id, resourceType: type, requestType, message: result.message };
        }
      },
    });
    return { failure, changes, next, deps };
  }

  private deployTask(
    template: CfnTemplate, id: string, res: CfnResource, deps: string[],
    before: DeployedResource | undefined, next: Map<string, DeployedResource>, changes: Change[],
  ): Task {
    const custom = isCustomResourceType(res.Type);
    let request: ProviderRequest | undefined;
    let started = 0;
    let serviceTimeoutMs = DEFAULT_SERVICE_TIMEOUT_S * 1000;
    let requestType: 'Create' | 'Update' = 'Create';
    let properties: Record<string, unknown> = {};
    const base = (physicalId: string, attributes: Record<string, unknown>, generation: number): DeployedResource => ({
      logicalId: id,
      type: res.Type,
      custom,
      physicalId,
      attributes,
      properties,
      generation,
      deletionPolicy: res.DeletionPolicy,
      updateReplacePolicy: res.UpdateReplacePolicy,
      dependsOn: deps,
    });
    const settle = (step: Step): Step => {
      if (!step.done && step.dueMs > started + serviceTimeoutMs) {
        this.time().advanceTo(started + serviceTimeoutMs);
        return { done: true, ok: false, physicalId: request?.event.PhysicalResourceId, message: 'CloudFormation did not receive a response from your Custom Resource within its ServiceTimeout' };
      }
      if (!step.done) return step;
      const status = `${requestType.toUpperCase()}_${step.ok ? 'COMPLETE' : 'FAILED'}`;
      if (step.ok) {
        const replaced = before !== undefined && requestType === 'Update' && step.physicalId !== before.physicalId;
        const generation = replaced ? before.generation + 1 : before?.generation ?? 0;
        const r = base(step.physicalId, step.data, generation);
        next.set(id, r);
        changes.push({ logicalId: id, requestType, before, after: r, attemptedProperties: properties });
        this.transition({ kind: 'resource', logicalId: id, resourceType: res.Type, requestType, phase: 'deploy', status, physicalId: step.physicalId, custom });
      } else {
        changes.push({ logicalId: id, requestType, before, failedPhysicalId: step.physicalId, attemptedProperties: properties });
        if (requestType === 'Create' && step.physicalId) {
          // CloudFormation deletes a failed create during the rollback, with the id the FAILED response
          // carried; for the framework's CREATE_FAILED marker the framework answers that Delete itself.
          changes[changes.length - 1] = { ...changes[changes.length - 1], after: base(step.physicalId, {}, 0) };
        }
        this.transition({
          kind: 'resource',
          logicalId: id,
          resourceType: res.Type,
          requestType,
          phase: 'deploy',
          status,
          physicalId: step.physicalId,
          reason: step.message,
          custom,
        });
      }
      return step;
    };

    return {
      id,
      deps,
      start: async () => {
        requestType = before && before.type === res.Type ? 'Update' : 'Create';
        const ctx = this.context(template, next);
        try {
          properties = custom ? stringifyScalars(resolveProperties(res.Properties, ctx)) as Record<string, unknown>
            : this.resolveNative(res, ctx);
        } catch (e) {
          return settle({ done: true, ok: false, physicalId: before?.physicalId, message: messageOf(e) });
        }
        if (before && before.type === res.Type && canonicalJson(properties) === canonicalJson(before.properties)) {
          // Unchanged: no request; the policies and dependencies follow the new template.
          next.set(id, { ...before, deletionPolicy: res.DeletionPolicy, updateReplacePolicy: res.UpdateReplacePolicy, dependsOn: deps });
          return { done: true, ok: true, physicalId: before.physicalId, data: { ...before.attributes } };
        }
        if (!custom) {
          const generation = before && (before.type !== res.Type || this.native.needsReplacement(res.Type, before.properties, properties))
            ? before.generation + 1 : before?.generation ?? 0;
          try {
            const made = this.native.provision(id, res.Type, properties, generation);
            const step: Step = { done: true, ok: true, physicalId: made.physicalId, data: made.attributes };
            return settle(step);
          } catch (e) {
            return settle({ done: true, ok: false, physicalId: before?.physicalId, message: messageOf(e) });
          }
        }
        const event: ProviderEvent = {
          RequestType: requestType,
          ServiceToken: String(properties.ServiceToken ?? ''),
          ResponseURL: RESPONSE_URL,
          StackId: this.stackId,
          RequestId: this.ids.requestId(),
          LogicalResourceId: id,
          ResourceType: res.Type,
          ResourceProperties: properties,
          ...(requestType === 'Update' ? { PhysicalResourceId: before!.physicalId, OldResourceProperties: before!.properties } : {}),
        };
        serviceTimeoutMs = Number(properties.ServiceTimeout ?? DEFAULT_SERVICE_TIMEOUT_S) * 1000;
        started = this.sim.clock.now();
        this.transition({
          kind: 'resource',
          logicalId: id,
          resourceType: res.Type,
          requestType,
          phase: 'deploy',
          status: `${requestType.toUpperCase()}_IN_PROGRESS`,
          physicalId: event.PhysicalResourceId,
          custom,
        });
        request = this.request(template, res, event, 'deploy');
        return settle(await request.start());
      },
      poll: async () => settle(await request!.poll()),
    };
  }

  /** Sends an Update back to the old properties; the restored resource, or the error. */
  private async rollbackUpdate(c: Change): Promise<DeployedResource | string> {
    const before = c.before!;
    if (!before.custom) return before;
    const event: ProviderEvent = {
      RequestType: 'Update',
      ServiceToken: String(before.properties.ServiceToken ?? ''),
      ResponseURL: RESPONSE_URL,
      StackId: this.stackId,
      RequestId: this.ids.requestId(),
      LogicalResourceId: before.logicalId,
      ResourceType: before.type,
      PhysicalResourceId: before.physicalId,
      ResourceProperties: before.properties,
      OldResourceProperties: c.attemptedProperties ?? before.properties,
    };
    const base = { kind: 'resource' as const, logicalId: before.logicalId, resourceType: before.type, requestType: 'Update' as const, phase: 'rollback' as const, custom: true };
    this.transition({ ...base, status: 'UPDATE_IN_PROGRESS', physicalId: before.physicalId });
    const request = this.request(this.template ?? {}, { Type: before.type, Properties: before.properties }, event, 'rollback');
    const task = { id: before.logicalId, deps: [], start: () => request.start(), poll: () => request.poll() };
    const results = await runTasks([task], this.time(), { haltOnFailure: true });
    const r = results.get(before.logicalId)!;
    if (r.status !== 'ok') {
      const message = r.status === 'failed' ? r.message : r.status;
      this.transition({ ...base, status: 'UPDATE_FAILED', physicalId: before.physicalId, reason: message });
      return message;
    }
    this.transition({ ...base, status: 'UPDATE_COMPLETE', physicalId: r.physicalId });
    return { ...before, physicalId: r.physicalId, attributes: r.data };
  }

  // ---- delete ---------------------------------------------------------------------------

  /**
   * Deletes resources, dependents first. A resource whose policy (DeletionPolicy, or
   * UpdateReplacePolicy for a replaced resource) is Retain is kept and recorded. Returns failures.
   */
  private async deleteAll(
    list: readonly DeployedResource[], deps: ReadonlyMap<string, readonly string[]>, phase: Phase,
    policy: 'DeletionPolicy' | 'UpdateReplacePolicy',
  ): Promise<Failure[]> {
    const ids = new Set(list.map((r) => r.logicalId));
    const scoped = new Map([...ids].map((id) => [id, (deps.get(id) ?? []).filter((d) => ids.has(d))]));
    const mustGoFirst = dependents(scoped);
    const order = topologicalOrder([...ids].reverse(), mustGoFirst);
    const byId = new Map(list.map((r) => [r.logicalId, r]));
    const failures: Failure[] = [];
    const tasks = order.map((id) => this.deleteTask(byId.get(id)!, mustGoFirst.get(id) ?? [], phase, policy));
    const results = await runTasks(tasks, this.time(), { haltOnFailure: false });
    for (const [id, r] of results) {
      const res = byId.get(id)!;
      if (r.status === 'ok') {
        this.resources.delete(id);
      } else {
        const message = r.status === 'failed' ? r.message : 'not deleted: a resource that depends on it could not be deleted';
        failures.push({ logicalId: id, resourceType: res.type, requestType: 'Delete', message });
      }
    }
    return failures;
  }

  private deleteTask(res: DeployedResource, deps: string[], phase: Phase, policy: 'DeletionPolicy' | 'UpdateReplacePolicy'): Task {
    const base = { kind: 'resource' as const, logicalId: res.logicalId, resourceType: res.type, requestType: 'Delete' as const, phase, custom: res.custom };
    let request: ProviderRequest | undefined;
    const settle = (step: Step): Step => {
      if (step.done) {
        this.transition({
          ...base, status: step.ok ? 'DELETE_COMPLETE' : 'DELETE_FAILED', physicalId: res.physicalId, reason: step.ok ? undefined : step.message,
        });
      }
      return step;
    };
    return {
      id: res.logicalId,
      deps,
      start: async () => {
        const policyValue = policy === 'DeletionPolicy' ? res.deletionPolicy : res.updateReplacePolicy;
        const retain = policyValue === 'Retain' || (policyValue === 'RetainExceptOnCreate' && phase !== 'rollback');
        // A create that failed before making anything has nothing to retain.
        if (retain && res.physicalId !== this.framework.runtime.createFailedMarker) {
          const kept: RetainedResource = { logicalId: res.logicalId, type: res.type, physicalId: res.physicalId, reason: policy, phase };
          this.retainedAll.push(kept);
          this.run?.retained.push(kept);
          this.transition({ ...base, status: 'DELETE_SKIPPED', physicalId: res.physicalId, reason: `${policy}: ${policyValue}` });
          return { done: true, ok: true, physicalId: res.physicalId, data: {} };
        }
        if (!res.custom) {
          try {
            this.native.remove(res.type, res.physicalId);
          } catch (e) {
            return settle({ done: true, ok: false, physicalId: res.physicalId, message: messageOf(e) });
          }
          return settle({ done: true, ok: true, physicalId: res.physicalId, data: {} });
        }
        const event: ProviderEvent = {
          RequestType: 'Delete',
          ServiceToken: String(res.properties.ServiceToken ?? ''),
          ResponseURL: RESPONSE_URL,
          StackId: this.stackId,
          RequestId: this.ids.requestId(),
          LogicalResourceId: res.logicalId,
          ResourceType: res.type,
          PhysicalResourceId: res.physicalId,
          ResourceProperties: res.properties,
        };
        this.transition({ ...base, status: 'DELETE_IN_PROGRESS', physicalId: res.physicalId });
        request = this.request(this.template ?? {}, { Type: res.type, Properties: res.properties }, event, phase);
        return settle(await request.start());
      },
      poll: async () => settle(await request!.poll()),
    };
  }

  // ---- plumbing ------------------------------------------------------------------------

  private request(template: CfnTemplate, res: CfnResource, event: ProviderEvent, phase: Phase): ProviderRequest {
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

  private handlerFor(info: ProviderInfo): ProviderHandler {
    if (this.options.handler) return this.options.handler;
    const key = `${info.exportNames.onEvent}/${info.exportNames.isComplete}`;
    let h = this.handlers.get(key);
    if (!h) {
      h = loadBundledHandler({
        endpoint: this.options.endpoint,
        region: this.region,
        path: this.options.handlerPath,
        verbose: this.options.verboseHandler,
        exportNames: info.exportNames,
        clock: this.sim.clock,
      });
      this.handlers.set(key, h);
    }
    return h;
  }

  /** After each invocation: a changed service-side state of the physical id becomes a transition. */
  private observe(event: ProviderEvent, phase: Phase, physicalId: string | undefined): void {
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

  private transition(t: Omit<Transition, 'seq' | 'elapsedMs'>): void {
    const run = this.run!;
    const full: Transition = { ...t, seq: ++this.seq, elapsedMs: this.sim.clock.now() - run.startMs };
    run.transitions.push(full);
    this.options.onTransition?.(full);
  }

  private time(): VirtualTime {
    const clock = this.sim.clock;
    return {
      now: () => clock.now(),
      advanceTo: (ms) => void clock.advance(Math.max(0, ms - clock.now())),
      settle: async () => { await this.sim.settle?.(); },
    };
  }

  private begin(operation: StackOperation): Run {
    if (this.run) throw new Error(`${this.stackName}: a ${this.run.operation} is still running`);
    this.run = new Run(operation, this.sim);
    return this.run;
  }

  private finish(run: Run, outcome: Outcome, outputs: Record<string, string>): DeploymentReport {
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
  private activeResources(template: CfnTemplate): Record<string, CfnResource> {
    const conditions = this.conditions(template);
    return Object.fromEntries(Object.entries(template.Resources ?? {})
      .filter(([, r]) => r.Condition === undefined || conditions[r.Condition]));
  }

  private parameters(template: CfnTemplate): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(template.Parameters ?? {})) {
      if (p.Default !== undefined) values[name] = p.Default;
    }
    return { ...values, ...this.options.parameters };
  }

  private conditions(template: CfnTemplate): Record<string, boolean> {
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
  private context(template: CfnTemplate, view: ReadonlyMap<string, DeployedResource>): ResolveContext {
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
  private resolveNative(res: CfnResource, ctx: ResolveContext): Record<string, unknown> {
    // these act in the simulator, so their properties must resolve
    if (['AWS::EC2::Subnet', 'AWS::EC2::Instance', 'AWS::SecretsManager::Secret'].includes(res.Type)) return resolveProperties(res.Properties, ctx);
    try {
      return resolveProperties(res.Properties, ctx);
    } catch {
      return { ...res.Properties };
    }
  }

  private outputs(template: CfnTemplate, view: ReadonlyMap<string, DeployedResource>): Record<string, string> {
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
