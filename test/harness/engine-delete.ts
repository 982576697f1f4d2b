// The deploy harness's undo steps: an Update back to the old properties (update rollback) and
// deletes in reverse dependency order with DeletionPolicy / UpdateReplacePolicy (rollback, cleanup,
// destroy).

import { Change, Failure, HarnessBase, RESPONSE_URL } from './engine-base';
import { dependents, topologicalOrder } from './graph';
import { messageOf, ProviderRequest, Step } from './provider';
import { runTasks, Task } from './scheduler';
import { DeployedResource, Phase, ProviderEvent, RetainedResource } from './types';

/** The rollback and delete steps of a stack operation. */
export abstract class HarnessTeardown extends HarnessBase {
  /** Sends an Update back to the old properties; the restored resource, or the error. */
  protected async rollbackUpdate(c: Change): Promise<DeployedResource | string> {
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
  protected async deleteAll(
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

  protected deleteTask(res: DeployedResource, deps: string[], phase: Phase, policy: 'DeletionPolicy' | 'UpdateReplacePolicy'): Task {
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
}
