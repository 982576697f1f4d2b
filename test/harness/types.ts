// Shared types of the deploy harness: the template shapes it reads, the slice of the simulator
// it drives, the Provider framework events it sends and the report it returns.

import type { ResourceChange } from './changes';

/** A synthesized CloudFormation template (only the parts the harness reads). */
export interface CfnTemplate {
  readonly Parameters?: Record<string, { readonly Type?: string; readonly Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Condition?: string }>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Condition?: string;
}

/** A resource the simulator holds, as `CloudHsmSimulator.listResources()` returns it. */
export interface SimResourceView {
  readonly region: string;
  readonly type: string;
  readonly id: string;
  readonly state: string;
  readonly clusterId?: string;
  /** the custom key store of a KMS key */
  readonly keyStoreId?: string;
  /** the owner, when it is another account than the simulator's default one */
  readonly account?: string;
}

/**
 * What the harness needs from the simulator. `CloudHsmSimulator` (test/sim) satisfies it as is;
 * the harness depends on this shape only, so it does not follow the simulator's internals.
 */
export interface SimulatorControl {
  readonly clock: { now(): number; advance(ms: number): number };
  registerSubnet(region: string, subnetId: string, info: { az: string; vpcId: string; cidr: string }): unknown;
  listResources(): readonly SimResourceView[];
  callCounts?(region?: string): Record<string, number>;
  /** a cluster's description without an API call (resolves pending cluster ids, see physical.ts) */
  peekCluster?(region: string, clusterId: string): Record<string, unknown> | undefined;
  /** an EC2 instance of the stack becomes an SSM managed instance that runs its user data */
  launchInstance?(region: string, opts: { id: string; userData?: string; ipAddress?: string }): unknown;
  terminateInstance?(region: string, instanceId: string): void;
  /** a Secrets Manager secret of the stack; returns its ARN (the secret's physical id) */
  createSecret?(region: string, name: string, secretString: string, opts?: { description?: string; replicaRegions?: string[] }): { arn: string };
  deleteSecret?(region: string, secretId: string, opts?: { forceDelete?: boolean }): void;
  /** an AWS::KMS::Alias of the stack: CreateAlias (targetKeyId) or DeleteAlias (undefined) in KMS */
  kmsAlias?(region: string, aliasName: string, targetKeyId: string | undefined): void;
  /** an AWS::SSM::Parameter of the stack: put (create, update) into and deleted from Parameter Store */
  putParameter?(region: string, name: string, value: string, type: 'String' | 'StringList'): void;
  deleteParameter?(region: string, name: string): void;
  /** the KeyState of a KMS key named by id, ARN or alias (undefined: no such key) */
  describeKmsKey?(region: string, keyId: string): string | undefined;
  /** resolves once nothing runs on the simulated hosts (real time); awaited before virtual time passes */
  settle?(): Promise<void>;
}

export type RequestType = 'Create' | 'Update' | 'Delete';

/** The event the Provider framework hands to the user's onEvent / isComplete functions. */
export interface ProviderEvent {
  readonly RequestType: RequestType;
  readonly ServiceToken: string;
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
  readonly Data?: Record<string, unknown>;
}

/** Which step of a stack operation a request belongs to. */
export type Phase = 'deploy' | 'cleanup' | 'rollback' | 'destroy';

/** The kind of stack operation a report describes. */
export type StackOperation = 'create' | 'update' | 'destroy';

/**
 * One change seen during a stack operation: either a CloudFormation resource status
 * (kind 'resource': CREATE_IN_PROGRESS, CREATE_COMPLETE, DELETE_SKIPPED, ...) or a change of the
 * service-side state of the resource's physical id in the simulator (kind 'service').
 */
export interface Transition {
  readonly seq: number;
  readonly kind: 'resource' | 'service';
  /** virtual ms since the start of this stack operation */
  readonly elapsedMs: number;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly requestType: RequestType;
  readonly phase: Phase;
  /** kind 'resource': the CloudFormation status; kind 'service': the new state in the simulator */
  readonly status: string;
  /** kind 'service': the state before (undefined the first time the resource is seen) */
  readonly previousStatus?: string;
  readonly physicalId?: string;
  readonly reason?: string;
  readonly custom: boolean;
}

/** A resource as the stack knows it after an operation. */
export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly custom: boolean;
  readonly physicalId: string;
  /** Data returned by the handler (custom) or the fake attributes (others) */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** the properties as last sent (custom: stringified as CloudFormation sends them) */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
  /** logical ids this resource depends on (from the template it was last deployed with) */
  readonly dependsOn: readonly string[];
  /** bumped when the resource is replaced: keeps fake ids distinct */
  readonly generation: number;
}

/** A physical resource left in place on purpose (DeletionPolicy / UpdateReplacePolicy Retain). */
export interface RetainedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
  readonly reason: 'DeletionPolicy' | 'UpdateReplacePolicy';
  readonly phase: Phase;
}

export type Outcome =
  | { readonly status: 'success' }
  | {
    readonly status: 'failed';
    /** the resource whose failure failed the operation */
    readonly logicalId: string;
    readonly resourceType: string;
    readonly requestType: RequestType;
    readonly message: string;
    /** create/update: the rollback ran and ended without errors */
    readonly rolledBack: boolean;
  };

/** Handler invocations, in total and per logical id. */
export interface InvocationCounts {
  onEvent: number;
  isComplete: number;
  readonly byResource: Record<string, { onEvent: number; isComplete: number }>;
}

export interface DeploymentReport {
  readonly operation: StackOperation;
  readonly stackName: string;
  readonly outcome: Outcome;
  /** CloudFormation-like stack status at the end, e.g. UPDATE_ROLLBACK_COMPLETE */
  readonly stackStatus: string;
  readonly transitions: readonly Transition[];
  readonly invocations: InvocationCounts;
  /** per custom resource, the largest SUCCESS response body (bytes) the framework sent to CloudFormation */
  readonly responseBytes: Readonly<Record<string, number>>;
  /** the stack's resources after the operation, by logical id */
  readonly resources: Readonly<Record<string, DeployedResource>>;
  readonly outputs: Readonly<Record<string, string>>;
  /** resources retained by policy during this operation */
  readonly retained: readonly RetainedResource[];
  /** errors that did not fail the operation (cleanup deletes, rollback steps, duplicate-invocation notes) */
  readonly warnings: readonly string[];
  /** virtual ms the operation took */
  readonly simulatedMs: number;
  readonly realMs: number;
  /** API calls per operation made during this stack operation (when the simulator counts them) */
  readonly apiCalls: Readonly<Record<string, number>>;
  /** everything in the simulator, all regions, that is not DELETED (or PENDING_DELETION for backups) */
  readonly leftInSimulator: readonly SimResourceView[];
  /** what of leftInSimulator belongs neither to the stack nor to a retained resource */
  readonly orphans: readonly SimResourceView[];
  /** the resources this operation created, updated, replaced or deleted (none for an unchanged redeploy) */
  readonly changes: readonly ResourceChange[];
}
