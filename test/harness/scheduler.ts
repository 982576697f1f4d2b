// Runs a set of resource operations the way CloudFormation does: everything whose dependencies
// are done starts at once, in-flight operations are polled in order of their next due time on
// the simulator's virtual clock (never by sleeping), and after a failure nothing new starts
// while what is in flight runs to its end.

import { Step } from './provider';

export interface Task {
  readonly id: string;
  /** ids of tasks in the same run that must succeed before this one starts */
  readonly deps: readonly string[];
  start(): Promise<Step>;
  poll(): Promise<Step>;
}

export type TaskResult =
  | { readonly status: 'ok'; readonly physicalId: string; readonly data: Record<string, unknown> }
  | { readonly status: 'failed'; readonly physicalId?: string; readonly message: string }
  /** a dependency failed or was blocked */
  | { readonly status: 'blocked' }
  /** not started because an earlier failure halted the run */
  | { readonly status: 'skipped' };

export interface VirtualTime {
  now(): number;
  advanceTo(ms: number): void;
  /** waits for work that runs in real time (commands on simulated hosts) before time passes */
  settle?(): Promise<void>;
}

function toResult(step: Step & { done: true }): TaskResult {
  return step.ok
    ? { status: 'ok', physicalId: step.physicalId, data: step.data }
    : { status: 'failed', physicalId: step.physicalId, message: step.message };
}

/**
 * Runs the tasks; `onDone` sees each result as it happens. With `haltOnFailure` (create and
 * update) the first failure stops new starts; without it (deletes) independent work goes on.
 */
export async function runTasks(
  tasks: readonly Task[],
  time: VirtualTime,
  opts: { readonly haltOnFailure: boolean; readonly onDone?: (task: Task, result: TaskResult) => void },
): Promise<Map<string, TaskResult>> {
  const ids = new Set(tasks.map((t) => t.id));
  const results = new Map<string, TaskResult>();
  const pending = [...tasks];
  const running: { task: Task; dueMs: number; order: number }[] = [];
  let halted = false;
  let order = 0;

  const finish = (task: Task, result: TaskResult): void => {
    results.set(task.id, result);
    if (result.status === 'failed' && opts.haltOnFailure) halted = true;
    opts.onDone?.(task, result);
  };

  for (;;) {
    // Start everything that is ready, in task order; a start may finish at once and unblock more.
    let progressed = true;
    while (progressed && !halted) {
      progressed = false;
      for (const task of [...pending]) {
        if (halted) break;
        const depResults = task.deps.filter((d) => ids.has(d)).map((d) => results.get(d));
        if (depResults.some((r) => r && r.status !== 'ok')) {
          pending.splice(pending.indexOf(task), 1);
          finish(task, { status: 'blocked' });
          progressed = true;
        } else if (depResults.every((r) => r?.status === 'ok')) {
          pending.splice(pending.indexOf(task), 1);
          const step = await task.start();
          if (step.done) finish(task, toResult(step));
          else running.push({ task, dueMs: step.dueMs, order: order++ });
          progressed = true;
        }
      }
    }
    if (running.length === 0) break;
    running.sort((a, b) => a.dueMs - b.dueMs || a.order - b.order);
    const next = running.shift()!;
    await time.settle?.();
    time.advanceTo(next.dueMs);
    const step = await next.task.poll();
    if (step.done) finish(next.task, toResult(step));
    else running.push({ task: next.task, dueMs: step.dueMs, order: next.order });
  }
  for (const task of pending) finish(task, { status: halted ? 'skipped' : 'blocked' });
  return results;
}
