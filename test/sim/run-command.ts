// SSM Run Command on the simulated managed instances: commands, their per-instance invocations
// and the lifecycle the API reference describes (Pending -> InProgress -> Success | Failed |
// TimedOut). What a command does is decided by the CommandRunner (the bash sandbox in tests);
// it runs in real time, asynchronously, while the statuses move on the virtual clock:
// - an invocation is visible to GetCommandInvocation `invocationVisibleMs` after SendCommand
//   (before that the service answers InvocationDoesNotExist: it is eventually consistent);
// - it is delivered (InProgress) `commandDeliveryMs` after SendCommand, and the runner starts;
// - it ends when the runner's process ends (Success for exit code 0, else Failed) or, still
//   running, when its executionTimeout of virtual time has passed (TimedOut).
// `settled()` resolves once no runner process is running: the harness awaits it before it lets
// virtual time pass, so a command's real run and the virtual clock stay in step.

import { VirtualClock } from './clock';
import { InstanceRecord } from './instances';
import { SeededRandom } from './random';

export type InvocationStatus = 'Pending' | 'InProgress' | 'Delayed' | 'Success' | 'Cancelled' | 'TimedOut' | 'Failed' | 'Cancelling';
export const TERMINAL_STATUSES: readonly InvocationStatus[] = ['Success', 'Cancelled', 'TimedOut', 'Failed'];

/** What a runner gets: the instance and the shell commands of AWS-RunShellScript. */
export interface CommandRun {
  readonly instance: InstanceRecord;
  readonly commandId: string;
  readonly commands: readonly string[];
  readonly workingDirectory?: string;
  /** the document's executionTimeout, seconds */
  readonly executionTimeoutSeconds: number;
}

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** the runner killed the process at its own bound */
  readonly timedOut?: boolean;
}

export type CommandRunner = (run: CommandRun) => Promise<CommandResult>;

/** Faults of the command itself (not of the API call): it fails at once, or it never ends. */
export interface CommandFaultSpec {
  readonly kind: 'fail' | 'hang';
  /** the next K commands delivered (default: every one until cleared) */
  readonly nextCalls?: number;
  /** each delivered command with this probability (seeded) */
  readonly rate?: number;
  /** for 'fail': exit code (default 1) and stderr */
  readonly exitCode?: number;
  readonly stderr?: string;
}

export interface InvocationRecord {
  readonly commandId: string;
  readonly instanceId: string;
  status: InvocationStatus;
  statusDetails: string;
  /** -1 until the command has run (API reference) */
  responseCode: number;
  stdout: string;
  stderr: string;
  readonly visibleAtMs: number;
  startMs?: number;
  endMs?: number;
}

export interface CommandRecord {
  readonly commandId: string;
  readonly region: string;
  readonly documentName: string;
  readonly comment: string;
  readonly parameters: Record<string, string[]>;
  readonly instanceIds: string[];
  readonly requestedMs: number;
  readonly timeoutSeconds: number;
  readonly executionTimeoutSeconds: number;
  readonly invocations: InvocationRecord[];
}

export interface RunCommandTimings {
  /** SendCommand -> the invocation is visible to GetCommandInvocation */
  readonly invocationVisibleMs: number;
  /** SendCommand -> delivered to the instance (InProgress), the runner starts */
  readonly commandDeliveryMs: number;
}

const unavailableRunner: CommandRunner = async () => ({
  exitCode: 127, stdout: '', stderr: 'The simulator has no command runner for this instance (give one with setCommandRunner)\n',
});

export class RunCommandEngine {
  private readonly commands: CommandRecord[] = [];
  private runner: CommandRunner = unavailableRunner;
  private faults: Array<CommandFaultSpec & { fired: number }> = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: SeededRandom,
    private readonly faultRng: SeededRandom,
    private readonly timings: RunCommandTimings,
  ) {}

  public setRunner(runner: CommandRunner | undefined): void {
    this.runner = runner ?? unavailableRunner;
  }

  public addFault(spec: CommandFaultSpec): void {
    if (spec.kind !== 'fail' && spec.kind !== 'hang') throw new Error(`Unknown command fault kind '${String(spec.kind)}' (fail or hang)`);
    this.faults.push({ ...spec, fired: 0 });
  }

  public clearFaults(): void {
    this.faults = [];
  }

  /** A command id: 36 characters, the UUID format of the API reference (seeded). */
  public newCommandId(): string {
    const hex = this.rng.pick('0123456789abcdef', 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** Records a command and schedules the delivery of one invocation per instance. */
  public send(command: Omit<CommandRecord, 'invocations' | 'requestedMs'>, instances: readonly InstanceRecord[]): CommandRecord {
    const now = this.clock.now();
    const record: CommandRecord = {
      ...command,
      requestedMs: now,
      invocations: instances.map((i) => ({
        commandId: command.commandId,
        instanceId: i.id,
        status: 'Pending',
        statusDetails: 'Pending',
        responseCode: -1,
        stdout: '',
        stderr: '',
        visibleAtMs: now + this.timings.invocationVisibleMs,
      })),
    };
    this.commands.push(record);
    record.invocations.forEach((inv, n) => {
      this.clock.schedule(this.timings.commandDeliveryMs, `command ${record.commandId} delivered to ${inv.instanceId}`,
        () => this.deliver(record, inv, instances[n]));
    });
    return record;
  }

  /** An instance's user data, run once at boot like cloud-init does; its outcome is kept on the instance. */
  public runUserData(instance: InstanceRecord, script: string): void {
    const run = this.runner({ instance, commandId: 'user-data', commands: [script], executionTimeoutSeconds: 3600 }).then(
      (result) => { instance.userDataResult = result; },
      (e: unknown) => { instance.userDataResult = { exitCode: 1, stdout: '', stderr: `user data runner failed: ${(e as Error).message}\n` }; },
    );
    this.track(run);
  }

  public list(region: string): CommandRecord[] {
    return this.commands.filter((c) => c.region === region);
  }

  public all(): readonly CommandRecord[] {
    return this.commands;
  }

  /** Resolves when no runner process is running (commands started meanwhile are waited for too). */
  public async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  public runningCount(): number {
    return this.running.size;
  }

  public clear(): void {
    this.commands.length = 0;
    this.faults = [];
  }

  private deliver(command: CommandRecord, inv: InvocationRecord, instance: InstanceRecord): void {
    if (inv.status !== 'Pending') return;
    inv.status = 'InProgress';
    inv.statusDetails = 'InProgress';
    inv.startMs = this.clock.now();
    this.clock.schedule(command.executionTimeoutSeconds * 1000, `command ${command.commandId} execution timeout on ${inv.instanceId}`, () => {
      if (inv.status !== 'InProgress') return;
      this.end(inv, 'TimedOut', 'ExecutionTimedOut', -1);
    });
    const fault = this.nextFault();
    if (fault?.kind === 'hang') return; // runs until the execution timeout
    if (fault?.kind === 'fail') {
      inv.stderr = fault.stderr ?? 'simulated command failure\n';
      this.end(inv, 'Failed', 'Failed', fault.exitCode ?? 1);
      return;
    }
    const commands = command.parameters.commands ?? [];
    const run = this.runner({
      instance,
      commandId: command.commandId,
      commands,
      workingDirectory: command.parameters.workingDirectory?.[0],
      executionTimeoutSeconds: command.executionTimeoutSeconds,
    }).then(
      (result) => this.finish(inv, result),
      (e: unknown) => this.finish(inv, { exitCode: 1, stdout: '', stderr: `command runner failed: ${(e as Error).message}\n` }),
    );
    this.track(run);
  }

  private track(run: Promise<unknown>): void {
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private finish(inv: InvocationRecord, result: CommandResult): void {
    if (inv.status !== 'InProgress') return; // timed out (virtual) before the process ended
    inv.stdout = result.stdout;
    inv.stderr = result.stderr;
    if (result.timedOut) this.end(inv, 'TimedOut', 'ExecutionTimedOut', -1);
    else if (result.exitCode === 0) this.end(inv, 'Success', 'Success', 0);
    else this.end(inv, 'Failed', 'Failed', result.exitCode);
  }

  private end(inv: InvocationRecord, status: InvocationStatus, details: string, code: number): void {
    inv.status = status;
    inv.statusDetails = details;
    inv.responseCode = code;
    inv.endMs = this.clock.now();
  }

  private nextFault(): CommandFaultSpec | undefined {
    for (const f of this.faults) {
      let fire: boolean;
      if (f.nextCalls !== undefined) fire = f.fired < f.nextCalls;
      else if (f.rate !== undefined) fire = this.faultRng.next() < f.rate;
      else fire = true;
      if (fire) {
        f.fired++;
        return f;
      }
    }
    return undefined;
  }
}

/** The overall status of a command from its invocations (one instance: the invocation's). */
export function commandStatus(c: CommandRecord): { status: InvocationStatus; details: string } {
  const statuses = c.invocations.map((i) => i.status);
  if (statuses.some((s) => s === 'InProgress' || s === 'Pending' || s === 'Delayed')) {
    const anyStarted = statuses.some((s) => s !== 'Pending');
    return anyStarted ? { status: 'InProgress', details: 'InProgress' } : { status: 'Pending', details: 'Pending' };
  }
  for (const s of ['Failed', 'TimedOut', 'Cancelled'] as const) {
    if (statuses.includes(s)) return { status: s, details: s === 'TimedOut' ? 'ExecutionTimedOut' : s };
  }
  return { status: 'Success', details: 'Success' };
}
