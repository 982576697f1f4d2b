import * as fs from 'fs';
import * as path from 'path';
import { Cluster } from '@aws-sdk/client-cloudhsm-v2';
import {
  Command, DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { messageOf, ssm } from './aws';
import { HOST_ONLINE_BOUND_MS, hostOfflineError, NOT_REGISTERED, requestStartOf } from './host-wait';
import { log } from './log';
import { sleep } from './sleep';
import { ResourceEvent } from './types';
import { hostRuleAssignments } from '../src/private/host-rules';

/**
 * What the handlers that run a script on the admin host share: the script as sent (rules, prelude,
 * script), the AWS-RunShellScript commands, and the one step that finds this request's command,
 * waits for it, checks the host and sends it (hostCommandStep). Scripts read passwords on the
 * host; nothing here ever holds one.
 */

/** The document AWS provides for shell commands on Linux. */
export const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';
/** How long the script may run on the host (setup wait + lock wait + the CLI), in seconds. */
export const EXECUTION_TIMEOUT_SECONDS = 1800;
/** How long SSM may take to deliver the command to the host's agent, in seconds. */
export const DELIVERY_TIMEOUT_SECONDS = 600;
/** How many lines of the command's error output a failure quotes (CloudFormation keeps responses under 4 KB). */
export const STDERR_LINES = 5;
const STDERR_MAX_CHARS = 1200;

/** SSM command statuses (ListCommands) that are not over yet. */
export const RUNNING = new Set(['Pending', 'InProgress', 'Delayed', 'Cancelling']);

/** A file of lambda/host, shipped next to the bundled handler (assets/handler) or read in place. */
function shippedScript(name: string): string {
  for (const candidate of [path.join(__dirname, name), path.join(__dirname, 'host', name)]) {
    if (fs.existsSync(candidate)) return fs.readFileSync(candidate, 'utf8');
  }
  throw new Error(`cdk-cloudhsm: ${name} is missing from the handler package`);
}

/** The shared part of every script the handler sends (lambda/host/prelude.sh). */
export const PRELUDE = 'prelude.sh';

/**
 * A host script as the host runs it: the rule values (src/private/host-rules.ts, so no script holds
 * its own), the shared prelude, then the script. The host keeps nothing of ours between commands.
 */
export function hostScript(name: string): string {
  const withoutShebang = (file: string) => shippedScript(file).replace(/^#!.*\n/, '');
  return ['#!/bin/bash', '# The rules of src/private/host-rules.ts, written in by the handler.', ...hostRuleAssignments(),
    withoutShebang(PRELUDE).replace(/\n$/, ''), `# ${name}`, withoutShebang(name)].join('\n');
}

const shellQuote = (value: string) => `'${value.replace(/'/g, '\'\\\'\'')}'`;

/**
 * The AWS-RunShellScript commands: the script fed to bash on stdin (a quoted here-document, so the
 * shell expands nothing in it), with `argv` quoted on the command line (ids, addresses, public data only).
 */
export function hereDocCommands(scriptName: string, heredocEnd: string, argv: string[]): string[] {
  const body = hostScript(scriptName).replace(/\n$/, '');
  if (body.split('\n').includes(heredocEnd)) throw new Error(`cdk-cloudhsm: ${scriptName} must not contain the line ${heredocEnd}`);
  return [`bash -s -- ${argv.map(shellQuote).join(' ')} <<'${heredocEnd}'`, ...body.split('\n'), heredocEnd];
}

/** Commands on the host whose Comment starts with `prefix`, newest first (ListCommands, a few pages at most). */
export async function commandsOnHost(instanceId: string, prefix: string): Promise<Command[]> {
  const found: Command[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 5; page++) {
    const out = await ssm().send(new ListCommandsCommand({ InstanceId: instanceId, MaxResults: 50, NextToken: nextToken }));
    found.push(...(out.Commands ?? []).filter((c) => c.Comment?.startsWith(prefix)));
    nextToken = out.NextToken;
    if (!nextToken) break;
  }
  return found.sort((a, b) => (b.RequestedDateTime?.getTime() ?? 0) - (a.RequestedDateTime?.getTime() ?? 0));
}

/** The host's SSM agent status: `Online`, another PingStatus, or why there is none. */
export async function hostIsOnline(instanceId: string): Promise<string> {
  const out = await ssm().send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
  return out.InstanceInformationList?.find((i) => i.InstanceId === instanceId)?.PingStatus ?? NOT_REGISTERED;
}

/** The last lines of a text, without blank lines, short enough for a CloudFormation response. */
export function lastLines(text: string | undefined, n = STDERR_LINES): string {
  const lines = (text ?? '').split('\n').map((l) => l.trim()).filter((l) => l.length > 0).slice(-n);
  const joined = lines.join(' | ');
  return joined.length > STDERR_MAX_CHARS ? `…${joined.slice(-STDERR_MAX_CHARS)}` : joined;
}

/**
 * The error for a command that failed: `what` (e.g. "activation of cluster X") with the command,
 * the host, the status, the exit code and the last lines of its error output.
 */
export async function commandFailure(who: string, what: string, instanceId: string, command: Command): Promise<Error> {
  let exitCode = 'unknown';
  let stderr = '';
  let status = command.Status ?? 'unknown';
  try {
    const inv = await ssm().send(new GetCommandInvocationCommand({ CommandId: command.CommandId, InstanceId: instanceId }));
    exitCode = String(inv.ResponseCode ?? 'unknown');
    stderr = lastLines(inv.StandardErrorContent);
    status = inv.StatusDetails ?? inv.Status ?? status;
  } catch (err) {
    stderr = `(GetCommandInvocation failed: ${messageOf(err)})`;
  }
  return new Error(`${who}: ${what} failed: command ${command.CommandId} `
    + `on ${instanceId} ended ${status} with exit code ${exitCode}: ${stderr || '(no error output)'}`);
}

/** How long after SendCommand a running command is still waited for within a poll. */
export const QUICK_COMMAND_MS = 15_000;
/** Pause between two GetCommandInvocation reads while waiting. */
export const COMMAND_WAIT_PAUSE_MS = 1_000;

/** The statuses a command invocation ends with (API reference, GetCommandInvocation). */
const ENDED = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed']);

/**
 * The status the command ended with, if it ends within what is left of its QUICK_COMMAND_MS;
 * undefined when it is still running then (or cannot be read: the next poll looks again).
 *
 * A command like `cluster activate` ends seconds after its delivery; the poll that finds it running
 * waits for its end rather than leaving it to the next poll, one query interval later. Only while
 * the command is young: one that runs longer is left to the later polls, so a command that never
 * ends costs no more than this once.
 */
export async function quickCommandEnd(command: Command, instanceId: string): Promise<string | undefined> {
  const sentMs = command.RequestedDateTime?.getTime();
  // Only a command delivered to its host (InProgress) is running; one still Pending is left to the next poll.
  if (sentMs === undefined || command.Status !== 'InProgress') return undefined;
  const deadline = sentMs + QUICK_COMMAND_MS;
  // A count bound as well as the clock: the reads stop even where the clock does not move.
  const reads = Math.ceil((deadline - Date.now()) / COMMAND_WAIT_PAUSE_MS);
  for (let n = 0; n < reads && Date.now() < deadline; n++) {
    await sleep(COMMAND_WAIT_PAUSE_MS);
    let status: string | undefined;
    try {
      const inv = await ssm().send(new GetCommandInvocationCommand({ CommandId: command.CommandId, InstanceId: instanceId }));
      status = inv.Status;
    } catch {
      return undefined;
    }
    if (status && ENDED.has(status)) return status;
  }
  return undefined;
}

/** One kind of host command on one cluster, as a handler asks hostCommandStep to run it. */
export interface HostCommand {
  /** Names the resource in errors (e.g. `HsmActivation Act (cluster-...)`). */
  readonly who: string;
  /** What the command does, for logs and errors (e.g. `activation of cluster X`). */
  readonly what: string;
  /** The kind in every Comment of this command (`activate`, `kmsuser`): commands are found by it. */
  readonly kind: string;
  /** The cluster the command works on and the admin host it runs on. */
  readonly on: { readonly clusterId: string; readonly instanceId: string };
  /** The AWS-RunShellScript commands for the cluster's ACTIVE HSM addresses. */
  commands(hsmIps: string[]): Promise<string[]>;
}

/**
 * The Comment of a command: its kind, the cluster and the CloudFormation request, at most 100
 * characters (SendCommand); every command of a kind on a cluster starts with the same prefix.
 */
export const commentPrefix = (kind: string, clusterId: string) => `cdk-cloudhsm ${kind} ${clusterId} `;
export const commentOf = (prefix: string, requestId: string) => `${prefix}${requestId}`.slice(0, 100);

/**
 * One poll's step of a host command: 'done' once this request's command succeeded; 'wait' while one
 * is running (this request's own, if young, is waited for here), while the host is not online in
 * SSM or the cluster has no ACTIVE HSM, or after sending it. A command of this request that failed
 * is an error quoting its output. Nothing is sent while any command of this kind runs on the host.
 * A host not online HOST_ONLINE_BOUND_MS after the request began (the start its pending physical
 * id carries, lambda/host-wait.ts) is an error naming the likely causes.
 */
export async function hostCommandStep(event: ResourceEvent, cluster: Cluster, c: HostCommand): Promise<'done' | 'wait'> {
  const { clusterId, instanceId } = c.on;
  const prefix = commentPrefix(c.kind, clusterId);
  const commands = await commandsOnHost(instanceId, prefix);
  const running = commands.find((x) => RUNNING.has(x.Status ?? ''));
  const comment = commentOf(prefix, event.RequestId);
  const own = commands.find((x) => x.Comment === comment);
  // This request's command, running on the host, usually ends within seconds: wait for it here.
  const ended = own && own === running ? await quickCommandEnd(own, instanceId) : undefined;
  if (running && !ended) {
    log(event, `waiting for the command: ${c.what}`, { clusterId, commandId: running.CommandId, status: running.Status });
    return 'wait';
  }
  if ((ended ?? own?.Status) === 'Success') return 'done';
  if (own) throw await commandFailure(c.who, c.what, instanceId, own);

  const ping = await hostIsOnline(instanceId);
  if (ping !== 'Online') {
    const { sinceMs } = requestStartOf(event.PhysicalResourceId);
    const waitedMs = sinceMs === undefined ? 0 : Date.now() - sinceMs;
    if (waitedMs >= HOST_ONLINE_BOUND_MS) throw hostOfflineError(c.who, c.what, instanceId, ping, waitedMs);
    log(event, 'waiting for the admin host to be online in SSM', { instanceId, pingStatus: ping });
    return 'wait';
  }
  const hsmIps = (cluster.Hsms ?? []).filter((h) => h.State === 'ACTIVE' && h.EniIp).map((h) => h.EniIp!);
  if (hsmIps.length === 0) {
    log(event, 'waiting for an ACTIVE HSM in the cluster', { clusterId });
    return 'wait';
  }
  const commandsText = await c.commands(hsmIps);
  try {
    const out = await ssm().send(new SendCommandCommand({
      DocumentName: RUN_SHELL_SCRIPT,
      InstanceIds: [instanceId],
      Comment: comment,
      TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
      Parameters: { commands: commandsText, executionTimeout: [String(EXECUTION_TIMEOUT_SECONDS)] },
    }));
    log(event, 'SendCommand', { clusterId, instanceId, commandId: out.Command?.CommandId });
  } catch (err) {
    throw new Error(`${c.who}: SendCommand to ${instanceId} failed: ${messageOf(err)}`);
  }
  return 'wait';
}
