// SSM Run Command operations (API version 2014-11-06, target prefix AmazonSSM.): SendCommand,
// GetCommandInvocation, ListCommands, ListCommandInvocations, DescribeInstanceInformation.
// Input shapes (lengths, patterns, enums, required members) are the SSM model's, checked before any
// handler runs (test/sim/models/ssm.json). Statuses, behaviour and error types of the SSM API reference:
// - SendCommand: DocumentName required (AWS-RunShellScript here: Parameters.commands required,
//   workingDirectory, executionTimeout in seconds, default 3600); InstanceIds 0..50, each one a
//   registered, Online managed node (else InvalidInstanceId), no duplicates (DuplicateInstanceId);
//   Comment at most 100 characters; TimeoutSeconds 30..2592000.
// - GetCommandInvocation: CommandId (36 characters) + InstanceId; an unknown pair, or one asked
//   for too early, is InvocationDoesNotExist; StandardOutputContent holds the first 24,000
//   characters, StandardErrorContent the first 8,000; ResponseCode is -1 until the command ran.
// - ListCommands / ListCommandInvocations: CommandId, InstanceId, Filters (InvokedAfter,
//   InvokedBefore, Status, ExecutionStage, DocumentName), MaxResults 1..50, NextToken;
//   an unknown CommandId is InvalidCommandId. CommandPlugins[].Output holds 2,500 characters.
// - DescribeInstanceInformation: Filters (InstanceIds, PingStatus, PlatformTypes, ResourceType)
//   or InstanceInformationFilterList (instanceIds, pingStatus, ...), MaxResults 5..50.

import { SimError } from '../errors';
import { InstanceRecord, ManagedInstances } from '../instances';
import { commandStatus, CommandRecord, InvocationRecord, RunCommandEngine, TERMINAL_STATUSES } from '../run-command';
import { Json, JsonObject } from '../types';

export interface SsmContext {
  readonly clock: { now(): number };
  readonly instances: ManagedInstances;
  readonly runCommand: RunCommandEngine;
}

export type SsmHandler = (ctx: SsmContext, region: string, input: JsonObject) => JsonObject;

export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;
export const PLUGIN_OUTPUT_LIMIT = 2_500;
const PLUGIN_NAME = 'aws:runShellScript';
const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';
const RUN_SHELL_PARAMETERS = ['commands', 'workingDirectory', 'executionTimeout'];
const INSTANCE_ID = /^(i-(\w{8}|\w{17}))$|^(mi-\w{17})$/;

/** The member as a string, when the request has it (its shape is the model's, checked before). */
const optional = (input: JsonObject, name: string): string | undefined => (typeof input[name] === 'string' ? input[name] as string : undefined);

/** Offset paging: the token names the operation so it cannot be replayed elsewhere. */
function page<T>(items: readonly T[], operation: string, input: JsonObject, size: number): { items: T[]; nextToken?: string } {
  let start = 0;
  if (typeof input.NextToken === 'string') {
    const m = /^(\w+):(\d+)$/.exec(Buffer.from(input.NextToken, 'base64').toString('utf8'));
    if (!m || m[1] !== operation) throw new SimError('InvalidNextToken', 'The specified token isn\'t valid.');
    start = Number(m[2]);
  }
  const end = start + size;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(`${operation}:${end}`, 'utf8').toString('base64') : undefined,
  };
}

const iso = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString());
const seconds = (ms: number): number => ms / 1000;

function elapsed(inv: InvocationRecord, now: number): string {
  if (inv.startMs === undefined) return '';
  const end = inv.endMs ?? now;
  return `PT${((end - inv.startMs) / 1000).toFixed(3)}S`;
}

function commandView(c: CommandRecord): JsonObject {
  const { status, details } = commandStatus(c);
  const done = c.invocations.filter((i) => TERMINAL_STATUSES.includes(i.status));
  return {
    CommandId: c.commandId,
    DocumentName: c.documentName,
    DocumentVersion: '$DEFAULT',
    Comment: c.comment,
    ExpiresAfter: seconds(c.requestedMs + c.timeoutSeconds * 1000),
    Parameters: c.parameters,
    InstanceIds: c.instanceIds,
    Targets: [],
    RequestedDateTime: seconds(c.requestedMs),
    Status: status,
    StatusDetails: details,
    OutputS3Region: c.region,
    OutputS3BucketName: '',
    OutputS3KeyPrefix: '',
    MaxConcurrency: '50',
    MaxErrors: '0',
    TargetCount: c.invocations.length,
    CompletedCount: done.length,
    ErrorCount: done.filter((i) => i.status !== 'Success').length,
    DeliveryTimedOutCount: 0,
    ServiceRole: '',
    NotificationConfig: { NotificationArn: '', NotificationEvents: [], NotificationType: '' },
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
    TimeoutSeconds: c.timeoutSeconds,
  };
}

/** SSM's combined plugin output: stdout, then stderr after its marker, cut to 2,500 characters. */
function pluginOutput(inv: InvocationRecord): string {
  const text = inv.stderr ? `${inv.stdout}\n----------ERROR-------\n${inv.stderr}` : inv.stdout;
  return text.slice(0, PLUGIN_OUTPUT_LIMIT);
}

function invocationView(c: CommandRecord, inv: InvocationRecord, details: boolean): JsonObject {
  return {
    CommandId: c.commandId,
    InstanceId: inv.instanceId,
    InstanceName: '',
    Comment: c.comment,
    DocumentName: c.documentName,
    DocumentVersion: '$DEFAULT',
    RequestedDateTime: seconds(c.requestedMs),
    Status: inv.status,
    StatusDetails: inv.statusDetails,
    TraceOutput: '',
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    CommandPlugins: details ? [{
      Name: PLUGIN_NAME,
      Status: inv.status,
      StatusDetails: inv.statusDetails,
      ResponseCode: inv.responseCode,
      ...(inv.startMs !== undefined ? { ResponseStartDateTime: seconds(inv.startMs) } : {}),
      ...(inv.endMs !== undefined ? { ResponseFinishDateTime: seconds(inv.endMs) } : {}),
      Output: pluginOutput(inv),
      StandardOutputUrl: '',
      StandardErrorUrl: '',
      OutputS3Region: c.region,
      OutputS3BucketName: '',
      OutputS3KeyPrefix: '',
    }] : [],
    ServiceRole: '',
    NotificationConfig: { NotificationArn: '', NotificationEvents: [], NotificationType: '' },
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
}

function stringList(value: Json | undefined): string[] | undefined {
  return Array.isArray(value) && value.every((x) => typeof x === 'string') ? value as string[] : undefined;
}

export const sendCommand: SsmHandler = (ctx, region, input) => {
  const documentName = input.DocumentName as string;
  const instanceIds = (input.InstanceIds ?? []) as string[];
  const comment = optional(input, 'Comment') ?? '';
  const timeoutSeconds = (input.TimeoutSeconds ?? 3600) as number;
  const ids = instanceIds;
  if (ids.length === 0) throw new SimError('InvalidInstanceId', 'Specify at least one instance ID or target.');
  if (new Set(ids).size !== ids.length) throw new SimError('DuplicateInstanceId', 'You can\'t specify a managed node ID in more than one association.');
  if (documentName !== RUN_SHELL_SCRIPT) {
    throw new SimError('InvalidDocument', `Document ${String(documentName)} does not exist in this simulator (it serves ${RUN_SHELL_SCRIPT} only)`);
  }
  const parameters = (input.Parameters ?? {}) as JsonObject;
  const params: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(parameters)) {
    const list = stringList(value);
    if (!RUN_SHELL_PARAMETERS.includes(name) || !list) throw new SimError('InvalidParameters', `Parameter "${name}" is not valid for ${RUN_SHELL_SCRIPT}.`);
    params[name] = list;
  }
  if (!params.commands || params.commands.length === 0) {
    throw new SimError('InvalidParameters', 'Parameter "commands" is required for AWS-RunShellScript.');
  }
  const executionTimeout = params.executionTimeout?.[0] ?? '3600';
  if (!/^\d+$/.test(executionTimeout) || Number(executionTimeout) < 1 || Number(executionTimeout) > 172800) {
    throw new SimError('InvalidParameters', 'Parameter "executionTimeout" must be a number of seconds from 1 to 172800.');
  }
  const instances: InstanceRecord[] = [];
  for (const id of ids) {
    const instance = ctx.instances.get(region, id);
    if (!INSTANCE_ID.test(id) || !instance || !ctx.instances.isRegistered(instance) || ctx.instances.pingStatus(instance) !== 'Online') {
      // The reference: the node is not valid, not running, or its SSM Agent is not registered/online.
      throw new SimError('InvalidInstanceId', 'The following scenarios can result in this error: Instance id(s) not valid, not in a running state, or SSM Agent not registered or not online.');
    }
    instances.push(instance);
  }
  const record = ctx.runCommand.send({
    commandId: ctx.runCommand.newCommandId(),
    region,
    documentName: documentName as string,
    comment: comment as string,
    parameters: params,
    instanceIds: ids,
    timeoutSeconds: timeoutSeconds as number,
    executionTimeoutSeconds: Number(executionTimeout),
  }, instances);
  return { Command: commandView(record) };
};

function findCommand(ctx: SsmContext, region: string, commandId: string): CommandRecord | undefined {
  return ctx.runCommand.list(region).find((c) => c.commandId === commandId);
}

export const getCommandInvocation: SsmHandler = (ctx, region, input) => {
  const commandId = input.CommandId as string;
  const instanceId = input.InstanceId as string;
  if (input.PluginName !== undefined && input.PluginName !== PLUGIN_NAME) {
    throw new SimError('InvalidPluginName', 'The plugin name isn\'t valid.');
  }
  const command = findCommand(ctx, region, commandId!);
  const inv = command?.invocations.find((i) => i.instanceId === instanceId);
  if (!command || !inv || ctx.clock.now() < inv.visibleAtMs) {
    throw new SimError('InvocationDoesNotExist', 'The command id and managed node id you specified didn\'t match any invocations. Verify the command id and the managed node id and try again.');
  }
  const now = ctx.clock.now();
  return {
    CommandId: command.commandId,
    InstanceId: inv.instanceId,
    Comment: command.comment,
    DocumentName: command.documentName,
    DocumentVersion: '$DEFAULT',
    PluginName: PLUGIN_NAME,
    ResponseCode: inv.responseCode,
    ExecutionStartDateTime: iso(inv.startMs),
    ExecutionElapsedTime: elapsed(inv, now),
    ExecutionEndDateTime: iso(inv.endMs),
    Status: inv.status,
    StatusDetails: inv.statusDetails,
    StandardOutputContent: inv.stdout.slice(0, STDOUT_LIMIT),
    StandardOutputUrl: '',
    StandardErrorContent: inv.stderr.slice(0, STDERR_LIMIT),
    StandardErrorUrl: '',
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
  };
};

/** The commands a List* call is about, after CommandId, InstanceId and Filters. */
function selectCommands(ctx: SsmContext, region: string, input: JsonObject): CommandRecord[] {
  const commandId = optional(input, 'CommandId');
  const instanceId = optional(input, 'InstanceId');
  let list = [...ctx.runCommand.list(region)].sort((a, b) => b.requestedMs - a.requestedMs); // newest first
  if (commandId !== undefined) {
    list = list.filter((c) => c.commandId === commandId);
    if (list.length === 0) throw new SimError('InvalidCommandId', 'The specified command ID isn\'t valid. Verify the ID and try again.');
  }
  if (instanceId !== undefined) list = list.filter((c) => c.instanceIds.includes(instanceId));
  // Filters' shape (keys InvokedAfter, InvokedBefore, Status, ExecutionStage, DocumentName) is the model's.
  for (const f of (input.Filters ?? []) as JsonObject[]) {
    const key = String(f.key);
    const value = String(f.value);
    if (key === 'InvokedAfter' || key === 'InvokedBefore') {
      const t = Date.parse(value);
      if (Number.isNaN(t)) throw new SimError('ValidationException', `1 validation error detected: Value '${value}' at 'filters.${key}' failed to satisfy constraint: Member must be an ISO 8601 timestamp`);
      list = list.filter((c) => (key === 'InvokedAfter' ? c.requestedMs >= t : c.requestedMs <= t));
    } else if (key === 'Status') {
      list = list.filter((c) => commandStatus(c).status === value);
    } else if (key === 'ExecutionStage') {
      list = list.filter((c) => (TERMINAL_STATUSES.includes(commandStatus(c).status) ? 'Complete' : 'Executing') === value);
    } else {
      list = list.filter((c) => c.documentName === value);
    }
  }
  return list;
}

export const listCommands: SsmHandler = (ctx, region, input) => {
  const size = (input.MaxResults ?? 50) as number;
  const { items, nextToken } = page(selectCommands(ctx, region, input), 'ListCommands', input, size);
  return { Commands: items.map(commandView), ...(nextToken ? { NextToken: nextToken } : {}) };
};

export const listCommandInvocations: SsmHandler = (ctx, region, input) => {
  const size = (input.MaxResults ?? 50) as number;
  const instanceId = typeof input.InstanceId === 'string' ? input.InstanceId : undefined;
  const details = input.Details === true;
  const all = selectCommands(ctx, region, input).flatMap((c) => c.invocations
    .filter((i) => (instanceId === undefined || i.instanceId === instanceId) && ctx.clock.now() >= i.visibleAtMs)
    .map((i) => invocationView(c, i, details)));
  const { items, nextToken } = page(all, 'ListCommandInvocations', input, size);
  return { CommandInvocations: items, ...(nextToken ? { NextToken: nextToken } : {}) };
};

const INSTANCE_FILTER_KEYS: Record<string, string> = {
  InstanceIds: 'InstanceIds',
  PingStatus: 'PingStatus',
  PlatformTypes: 'PlatformTypes',
  ResourceType: 'ResourceType',
  instanceIds: 'InstanceIds',
  pingStatus: 'PingStatus',
  platformTypes: 'PlatformTypes',
  resourceType: 'ResourceType',
};

export const describeInstanceInformation: SsmHandler = (ctx, region, input) => {
  const size = (input.MaxResults ?? 50) as number;
  const filters: Array<{ key: string; values: string[] }> = [];
  for (const f of (input.Filters ?? []) as JsonObject[]) {
    const key = INSTANCE_FILTER_KEYS[String(f?.Key)];
    if (!key) throw new SimError('InvalidFilterKey', 'The specified key isn\'t valid.');
    filters.push({ key, values: stringList(f.Values) ?? [] });
  }
  for (const f of (input.InstanceInformationFilterList ?? []) as JsonObject[]) {
    const key = INSTANCE_FILTER_KEYS[String(f?.key)];
    if (!key) throw new SimError('InvalidFilterKey', 'The specified key isn\'t valid.');
    filters.push({ key, values: stringList(f.valueSet) ?? [] });
  }
  for (const f of filters) {
    if (f.values.length === 0) throw new SimError('InvalidInstanceInformationFilterValue', `The filter ${f.key} has no value.`);
    if (f.key === 'InstanceIds' && f.values.some((id) => !INSTANCE_ID.test(id))) {
      throw new SimError('InvalidInstanceId', 'The following scenarios can result in this error: Instance id(s) not valid.');
    }
  }
  const list = ctx.instances.all(region)
    .filter((i) => ctx.instances.isRegistered(i))
    .filter((i) => filters.every((f) => {
      const value = { InstanceIds: i.id, PingStatus: ctx.instances.pingStatus(i), PlatformTypes: 'Linux', ResourceType: 'EC2Instance' }[f.key];
      return value !== undefined && f.values.includes(value);
    }))
    .sort((a, b) => a.launchedMs - b.launchedMs || a.id.localeCompare(b.id));
  const { items, nextToken } = page(list, 'DescribeInstanceInformation', input, size);
  return {
    InstanceInformationList: items.map((i) => ({
      InstanceId: i.id,
      PingStatus: ctx.instances.pingStatus(i),
      LastPingDateTime: seconds(ctx.clock.now()),
      AgentVersion: '3.3.1142.0',
      IsLatestVersion: true,
      PlatformType: 'Linux',
      PlatformName: 'Amazon Linux',
      PlatformVersion: '2023',
      ResourceType: 'EC2Instance',
      IPAddress: i.ipAddress,
      ComputerName: i.computerName,
      SourceId: i.id,
      SourceType: 'AWS::EC2::Instance',
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const SSM_HANDLERS: Record<string, SsmHandler> = {
  DescribeInstanceInformation: describeInstanceInformation,
  GetCommandInvocation: getCommandInvocation,
  ListCommandInvocations: listCommandInvocations,
  ListCommands: listCommands,
  SendCommand: sendCommand,
};

