import { Command, GetCommandInvocationCommand, ListCommandsCommand } from '@aws-sdk/client-ssm';
import { ssm } from './aws';
import { RUN_SHELL_SCRIPT } from './host-command';
import { FAILED_LOGIN_MARK } from '../src/private/host-rules';

/**
 * The record of failed HSM logins, kept where a replaced admin host cannot lose it: SSM's command
 * history. A host script that fails to log in prints a FAILED_LOGIN_MARK line (user, secret id,
 * secret version) on standard error; before the next command of the same kind on the cluster,
 * the handler reads the last one that ended (on any host of the account) and sends the versions
 * back, so the script does not try a secret version that failed before (the CloudHSM CLI locks a
 * user after five failed logins). The host keeps nothing.
 */

/** One failed login as a host script recorded it. */
export interface FailedLogin {
  readonly user: string;
  readonly secretId: string;
  readonly versionId: string;
}

/** The failed logins recorded in a command's standard error. */
export function failedLoginsIn(stderr: string | undefined): FailedLogin[] {
  const found: FailedLogin[] = [];
  for (const line of (stderr ?? '').split('\n')) {
    const at = line.indexOf(FAILED_LOGIN_MARK);
    if (at < 0) continue;
    const [user, secretId, versionId] = line.slice(at + FAILED_LOGIN_MARK.length).trim().split(/\s+/);
    if (user && secretId && versionId) found.push({ user, secretId, versionId });
  }
  return found;
}

/** The statuses a command ends with (ListCommands). */
const ENDED = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);
/** How many pages of the account's Run Command history are read (50 commands each). */
const PAGES = 5;
/** How many failed commands are read back, newest first, for a record. */
const READS = 5;

/**
 * The commands that ended whose Comment starts with one of `prefixes` (kinds of command on one
 * cluster), on any instance (a host that replaced the one they ran on has no history of its own), newest first.
 */
async function endedCommands(prefixes: readonly string[]): Promise<Command[]> {
  const found: Command[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < PAGES; page++) {
    const out = await ssm().send(new ListCommandsCommand({
      Filters: [{ key: 'DocumentName', value: RUN_SHELL_SCRIPT }], MaxResults: 50, NextToken: nextToken,
    }));
    found.push(...(out.Commands ?? []).filter((c) => prefixes.some((p) => c.Comment?.startsWith(p)) && ENDED.has(c.Status ?? '')));
    nextToken = out.NextToken;
    if (!nextToken) break;
  }
  return found.sort((a, b) => (b.RequestedDateTime?.getTime() ?? 0) - (a.RequestedDateTime?.getTime() ?? 0));
}

/**
 * The failed logins of the newest command of this kind on the cluster that recorded any, among
 * those that failed since the last one that succeeded (a success means its logins worked). Several
 * prefixes make one history of kinds whose commands log in with the same secrets (a rotation's steps).
 */
export async function lastFailedLogins(prefix: string | readonly string[]): Promise<FailedLogin[]> {
  const ended = await endedCommands(typeof prefix === 'string' ? [prefix] : prefix);
  const success = ended.findIndex((c) => c.Status === 'Success');
  const sinceSuccess = success < 0 ? ended : ended.slice(0, success);
  for (const command of sinceSuccess.slice(0, READS)) {
    const instanceId = command.InstanceIds?.[0];
    if (!instanceId) continue;
    try {
      const inv = await ssm().send(new GetCommandInvocationCommand({ CommandId: command.CommandId, InstanceId: instanceId }));
      const failed = failedLoginsIn(inv.StandardErrorContent);
      if (failed.length > 0) return failed;
    } catch {
      // Unreadable (expired from the history): look at the one before.
    }
  }
  return [];
}

/** A user a host script logs in as, and the secret whose password it logs in with. */
export interface Login {
  readonly user: string;
  readonly secretId: string;
}

/**
 * The `--failed-login USER=VERSION` arguments of a host script (prelude.sh): for each of its
 * logins, the versions of that login's secret that failed before, if the record names any (a
 * rotation logs in as one user with two versions of its secret), each once. A failure with another
 * secret (the resource was given a new one) is not sent: the new secret is tried.
 */
export function failedLoginArgs(failed: readonly FailedLogin[], logins: readonly Login[]): string[] {
  const args = new Set<string>();
  for (const { user, secretId } of logins) {
    for (const f of failed) if (f.user === user && f.secretId === secretId) args.add(`${user}=${f.versionId}`);
  }
  return [...args].flatMap((arg) => ['--failed-login', arg]);
}
