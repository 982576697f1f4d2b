import * as fs from 'fs';
import * as path from 'path';
import {
  Command, DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandsCommand,
} from '@aws-sdk/client-ssm';
import { messageOf, ssm } from './aws';

/**
 * What the handlers that run a script on the admin host share: finding the script, building the
 * AWS-RunShellScript commands, finding commands sent before, the host's SSM status and how a
 * failed command reads. Scripts read passwords on the host; nothing here ever holds one.
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

/** A host script, shipped next to the bundled handler (assets/handler) or in lambda/host. */
export function hostScript(name: string): string {
  for (const candidate of [path.join(__dirname, name), path.join(__dirname, 'host', name)]) {
    if (fs.existsSync(candidate)) return fs.readFileSync(candidate, 'utf8');
  }
  throw new Error(`cdk-cloudhsm: ${name} is missing from the handler package`);
}

const shellQuote = (value: string) => `'${value.replace(/'/g, '\'\\\'\'')}'`;

/**
 * The AWS-RunShellScript commands: the script fed to bash on stdin (a quoted here-document, so the
 * shell expands nothing in it), with `argv` quoted on the command line (ids, addresses, public data only).
 */
export function hereDocCommands(scriptName: string, script: string, heredocEnd: string, argv: string[]): string[] {
  const body = script.replace(/\n$/, '');
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
  return out.InstanceInformationList?.find((i) => i.InstanceId === instanceId)?.PingStatus ?? 'not registered with SSM yet';
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
