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

import { Change, DEFAULT_SERVICE_TIMEOUT_S, Failure, isCustomResourceType, RESPONSE_URL } from './engine-base';
import { HarnessTeardown } from './engine-delete';
import { dependencyMap, topologicalOrder } from './graph';
import { messageOf, ProviderRequest, Step } from './provider';
import { runTasks, Task } from './scheduler';
import { canonicalJson, resolveProperties, stringifyScalars } from './template';
import { CfnResource, CfnTemplate, DeployedResource, DeploymentReport, Outcome, ProviderEvent, RequestType } from './types';

export { isCustomResourceType } from './engine-base';
export type { HarnessOptions } from './engine-base';

/** A CloudFormation-like engine that deploys synthesized templates against the simulator. */
export class DeployHarness extends HarnessTeardown {
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
}
