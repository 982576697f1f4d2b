import { cloudHsm, isNotFound, messageOf } from './aws';
import { deleteResourcePolicy, getResourcePolicy, putResourcePolicy } from './cloudhsm-raw';
import { log } from './log';
import { ResourceEvent } from './types';
import { P } from '../src/private/property-names';
import { checkShareWith } from '../src/private/rules';

// A BackupCopy's sharing with other accounts: the copy's resource policy (PutResourcePolicy), kept in
// step with the ShareWith property. What a restoring account needs, from the API reference of
// PutResourcePolicy: "The resource policy allows you to describe the backup and restore a cluster
// from the backup in another Amazon Web Services account" -> cloudhsm:DescribeBackups and
// cloudhsm:CreateCluster, on the copy only. Every step reads the policy first and writes only a
// difference, so a retried or duplicated invocation changes nothing more.

/** The statement id cdk-cloudhsm gives its statement, so that it only ever removes its own policy. */
export const SHARE_SID = 'CdkCloudHsmRestoreFromBackup';

export const RESTORE_ACTIONS = ['cloudhsm:CreateCluster', 'cloudhsm:DescribeBackups'];

/** The ShareWith property: undefined when sharing is not managed, else the account ids (sorted, unique). */
export function parseShareWith(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const accounts = [...new Set((Array.isArray(raw) ? raw : [raw]).map(String))].sort();
  const errors = checkShareWith(P.shareWith, accounts);
  if (errors.length > 0) throw new Error(errors.join('; '));
  return accounts;
}

/** The account and partition of the stack (from its id): the copy is this account's backup. */
function stackAccount(event: ResourceEvent): { partition: string; account: string } {
  const [, partition, , , account] = event.StackId.split(':');
  return { partition, account };
}

/** The copy's ARN, as the resource policy names it. */
export function copyArn(event: ResourceEvent, region: string, backupId: string): string {
  const { partition, account } = stackAccount(event);
  return `arn:${partition}:cloudhsm:${region}:${account}:backup/${backupId}`;
}

/** The policy that lets `accounts` describe the copy and restore a cluster from it. */
export function sharingPolicy(partition: string, arn: string, accounts: readonly string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Sid: SHARE_SID,
      Effect: 'Allow',
      Principal: { AWS: accounts.map((a) => `arn:${partition}:iam::${a}:root`) },
      Action: RESTORE_ACTIONS,
      Resource: arn,
    }],
  });
}

const ownPolicy = (policy: string | undefined): boolean => {
  try {
    return policy !== undefined && JSON.parse(policy).Statement?.some?.((s: { Sid?: string }) => s.Sid === SHARE_SID) === true;
  } catch {
    return false;
  }
};

/**
 * Brings the READY copy's resource policy in step with `accounts`: puts the policy when it differs,
 * removes cdk-cloudhsm's policy when the list is empty (a policy someone else wrote is left alone).
 */
export async function syncSharing(event: ResourceEvent, region: string, backupId: string, accounts: readonly string[]): Promise<void> {
  const arn = copyArn(event, region, backupId);
  const client = cloudHsm(region);
  const { partition, account } = stackAccount(event);
  const errors = checkShareWith(P.shareWith, accounts, account);
  if (errors.length > 0) throw new Error(`BackupCopy ${event.LogicalResourceId}: ${errors.join('; ')}`);
  try {
    const { Policy: current } = await getResourcePolicy(client, arn);
    if (accounts.length === 0) {
      if (!ownPolicy(current)) return;
      await deleteResourcePolicy(client, arn);
      log(event, 'DeleteResourcePolicy: the copy is no longer shared', { backupId });
      return;
    }
    const wanted = sharingPolicy(partition, arn, accounts);
    if (current === wanted) return;
    await putResourcePolicy(client, arn, wanted);
    log(event, 'PutResourcePolicy: the copy is shared', { backupId, accounts });
  } catch (err) {
    throw new Error(`BackupCopy ${event.LogicalResourceId}: sharing the copy ${arn} with ${JSON.stringify(accounts)} failed: ${messageOf(err)}`);
  }
}

/** Whether the resource's properties share the copy with anyone (a Delete's properties may be anything). */
export function isShared(raw: Record<string, unknown> | undefined): boolean {
  try {
    return (parseShareWith(raw?.ShareWith) ?? []).length > 0;
  } catch {
    return false;
  }
}

/** Removes cdk-cloudhsm's policy from a copy about to be deleted; a copy already gone has none. */
export async function unshare(event: ResourceEvent, region: string, backupId: string): Promise<void> {
  const arn = copyArn(event, region, backupId);
  try {
    const { Policy: current } = await getResourcePolicy(cloudHsm(region), arn);
    if (!ownPolicy(current)) return;
    await deleteResourcePolicy(cloudHsm(region), arn);
    log(event, 'DeleteResourcePolicy: the copy is deleted', { backupId });
  } catch (err) {
    if (isNotFound(err)) return;
    throw new Error(`BackupCopy ${event.LogicalResourceId}: removing the resource policy of ${arn} failed: ${messageOf(err)}`);
  }
}
