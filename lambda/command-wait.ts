import { Command, GetCommandInvocationCommand } from '@aws-sdk/client-ssm';
import { ssm } from './aws';
import { sleep } from './sleep';

/**
 * Waiting, within one isComplete, for a short SSM command that is running on its host. A command
 * like `cluster activate` ends seconds after its delivery; the poll that finds it running waits for
 * its end rather than leaving it to the next poll, one query interval later. Only while the command
 * is young: one that runs longer is left to the later polls, so a command that never ends costs no
 * more than this once.
 */

/** How long after SendCommand a running command is still waited for within a poll. */
export const QUICK_COMMAND_MS = 15_000;
/** Pause between two GetCommandInvocation reads while waiting. */
export const COMMAND_WAIT_PAUSE_MS = 1_000;

/** The statuses a command invocation ends with (API reference, GetCommandInvocation). */
const ENDED = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed']);

/**
 * The status the command ended with, if it ends within what is left of its QUICK_COMMAND_MS;
 * undefined when it is still running then (or cannot be read: the next poll looks again).
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
