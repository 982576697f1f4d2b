// Resource policies on backups: GetResourcePolicy, PutResourcePolicy, DeleteResourcePolicy, and the
// check a cross-account CreateCluster makes against the source backup's policy.
//
// From the API reference (PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy, CreateCluster;
// the botocore model cloudhsmv2 2017-04-28, test/sim/models/cloudhsmv2.json):
// - "The following resources support CloudHSM resource policies: Backup - The resource policy allows
//   you to describe the backup and restore a cluster from the backup in another Amazon Web Services
//   account." So the actions a restoring account needs are cloudhsm:DescribeBackups and
//   cloudhsm:CreateCluster.
// - "In order to share a backup, it must be in a 'READY' state and you must own it."
// - "Cross-account use: No. You cannot perform this operation on an CloudHSM resource in a different
//   Amazon Web Services account." (all three operations)
// - "Deleting the resource policy attached to a backup will not impact any clusters created from that
//   backup." (DeleteResourcePolicy)
// - CreateCluster: "To perform this operation with an CloudHSM backup in a different AWS account,
//   specify the full backup ARN in the value of the SourceBackupId parameter."
// - ResourceArn (shape CloudHsmArn: backup, cluster or hsm ARNs) and Policy (1 to 20000 characters)
//   are checked by the model before a handler runs; neither member is required by the model.
// Assumed (not documented; this simulator's choices, listed in test/sim/README.md): a request without
// ResourceArn, a cluster or HSM ARN, or a policy that is not an IAM policy document (JSON object with
// a non-empty Statement of Allow/Deny statements, each with Principal and Action) is
// CloudHsmInvalidRequestException; another account's backup is CloudHsmAccessDeniedException; Get and
// Delete of a backup without a policy answer without Policy (Delete is then a no-op).

import { findBackup, OperationHandler, SimContext } from '../context';
import { invalidRequest, notFound, SimError } from '../errors';
import { BackupRecord, JsonObject } from '../types';
import { Validator } from '../validation';
import { backupArn } from '../views';

const ARN = /^arn:aws(-us-gov)?:cloudhsm:([^:]+):(\d{12}):(backup|cluster|hsm)\/(.+)$/;

/** A CloudHSM ARN's parts (the model has checked its pattern). */
export function parseCloudHsmArn(arn: string): { region: string; account: string; type: string; id: string } | undefined {
  const m = ARN.exec(arn);
  return m ? { region: m[2], account: m[3], type: m[4], id: m[5] } : undefined;
}

export function accessDenied(message: string): SimError {
  return new SimError('CloudHsmAccessDeniedException', message);
}

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal: unknown;
  readonly Action: unknown;
  readonly Resource?: unknown;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The statements of a policy document, or CloudHsmInvalidRequestException naming what is wrong. */
function statementsOf(policy: string): Statement[] {
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw invalidRequest('The policy is not valid JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalidRequest('The policy must be a JSON object');
  const statements = list((doc as { Statement?: unknown }).Statement);
  if (statements.length === 0) throw invalidRequest('The policy has no Statement');
  for (const s of statements) {
    const st = s as Partial<Statement> | null;
    if (st === null || typeof st !== 'object') throw invalidRequest('Each policy statement must be a JSON object');
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw invalidRequest(`Policy statement Effect must be Allow or Deny, got ${JSON.stringify(st.Effect)}`);
    if (st.Principal === undefined) throw invalidRequest('Each policy statement needs a Principal');
    if (list(st.Action).length === 0) throw invalidRequest('Each policy statement needs an Action');
  }
  return statements as Statement[];
}

/** Whether a statement's Principal names the account: `*`, the account id or its root ARN. */
function namesAccount(principal: unknown, accountId: string): boolean {
  if (principal === '*') return true;
  const aws = list((principal as { AWS?: unknown } | null)?.AWS);
  return aws.some((p) => p === '*' || p === accountId || (typeof p === 'string' && new RegExp(`^arn:aws(-us-gov)?:iam::${accountId}:root$`).test(p)));
}

const matchesAction = (actions: unknown, action: string): boolean =>
  list(actions).some((a) => typeof a === 'string' && (a === '*' || a.toLowerCase() === action.toLowerCase() || a.toLowerCase() === 'cloudhsm:*'));

const matchesResource = (resources: unknown, arn: string): boolean =>
  resources === undefined || list(resources).some((r) => r === '*' || r === arn);

/** IAM's evaluation for one account, one action, one resource: an explicit Deny wins, then an Allow. */
export function policyAllows(policy: string | undefined, accountId: string, action: string, arn: string): boolean {
  if (policy === undefined) return false;
  const applicable = statementsOf(policy)
    .filter((s) => namesAccount(s.Principal, accountId) && matchesAction(s.Action, action) && matchesResource(s.Resource, arn));
  return !applicable.some((s) => s.Effect === 'Deny') && applicable.some((s) => s.Effect === 'Allow');
}

/** The caller's backup that a request's ResourceArn names, in the request's region. */
function ownBackup(ctx: SimContext, region: string, v: Validator): { backup: BackupRecord; arn: string } {
  const arn = v.string('ResourceArn');
  if (arn === undefined) throw invalidRequest('ResourceArn is required: the ARN of the backup whose resource policy to use');
  const parts = parseCloudHsmArn(arn)!;
  if (parts.type !== 'backup') throw invalidRequest(`Only backups support resource policies; '${arn}' is a ${parts.type}`);
  if (parts.account !== ctx.accountId) {
    throw accessDenied(`Backup '${arn}' belongs to account ${parts.account}; resource policies can only be managed by the account that owns the backup`);
  }
  if (parts.region !== region) throw notFound(`Backup '${arn}' was not found in ${region}`);
  return { backup: findBackup(ctx, region, parts.id), arn };
}

export const putResourcePolicy: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const policy = v.string('Policy');
  const { backup, arn } = ownBackup(ctx, region, v);
  v.done();
  if (backup.state !== 'READY') {
    throw invalidRequest(`Backup '${backup.id}' is in state ${backup.state}; only a READY backup can be shared`);
  }
  if (policy === undefined) throw invalidRequest('Policy is required');
  statementsOf(policy);
  backup.policy = policy;
  return { ResourceArn: arn, Policy: policy };
};

export const getResourcePolicy: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const { backup } = ownBackup(ctx, region, v);
  v.done();
  const out: JsonObject = {};
  if (backup.policy !== undefined) out.Policy = backup.policy;
  return out;
};

export const deleteResourcePolicy: OperationHandler = (ctx, region, input) => {
  const v = new Validator(input);
  const { backup, arn } = ownBackup(ctx, region, v);
  v.done();
  const out: JsonObject = { ResourceArn: arn };
  if (backup.policy !== undefined) out.Policy = backup.policy;
  backup.policy = undefined;
  return out;
};

/**
 * The backup a SourceBackupId names: an id or ARN of the caller's backup in the region, or the ARN of
 * another account's backup whose resource policy allows the caller cloudhsm:CreateCluster on it.
 */
export function sourceBackupOf(ctx: SimContext, region: string, sourceBackup: string): BackupRecord {
  const parts = sourceBackup.startsWith('arn:') ? parseCloudHsmArn(sourceBackup) : undefined;
  const id = parts ? parts.id : sourceBackup;
  // A backup restores only in its own region (CopyBackupToRegion first): elsewhere it is not found.
  if (parts && parts.region !== region) throw notFound(`Backup '${sourceBackup}' was not found in ${region}`);
  if (!parts || parts.account === ctx.accountId) return findBackup(ctx, region, id);
  const owner = ctx.storeOf?.(parts.account);
  const backup = owner?.region(region).backups.get(id);
  if (!backup || backup.state === 'DELETED') throw notFound(`Backup '${sourceBackup}' was not found`);
  if (!policyAllows(backup.policy, ctx.accountId, 'cloudhsm:CreateCluster', backupArn(backup, parts.account))) {
    throw accessDenied(`Account ${ctx.accountId} is not authorized to perform cloudhsm:CreateCluster on backup '${sourceBackup}': `
      + 'no resource policy of the backup allows it');
  }
  return backup;
}
