// Public entry point of the CloudHSM v2 simulator (see README.md beside this file).

export { DEFAULT_START_MS, VirtualClock } from './clock';
export type { PendingTimer } from './clock';
export { SimError } from './errors';
export { fakePem, IDEMPOTENCY_WINDOW_MS, PcaError, PCA_TARGET_PREFIX, PrivateCaFake } from './pca';
export type { PrivateCaFakeOptions } from './pca';
export type { ErrorType } from './errors';
export { FAULT_KINDS } from './faults';
export type { CallOutcome, CallRecord, FaultKind, FaultSpec, FaultStatus } from './faults';
export { notYetActivatedMessage } from './ops/hsms';
export { CONTROL_COMMANDS, regionFromAuthorization, startSimulatorServer } from './server';
export type { SimulatorServer } from './server';
export { CloudHsmSimulator } from './simulator';
export type { CallPlan, SimResource, SimulatorOptions } from './simulator';
export { DEFAULT_TIMINGS, OPERATIONS } from './types';
export type {
  BackupState, ClusterState, HsmState, Operation, SubnetInfo, Tag, Timings,
} from './types';
export { CLI_MESSAGES, PASSWORD_MAX, PASSWORD_MIN } from './hsm-cli';
export type { CliOutcome } from './hsm-cli';
export { HsmUsers, UNACTIVATED_ADMIN_PASSWORD } from './hsm-users';
export type { HsmUser, HsmUserRole } from './hsm-users';
export type { InstanceRecord, LaunchOptions, PingStatus } from './instances';
export { PLUGIN_OUTPUT_LIMIT, STDERR_LIMIT, STDOUT_LIMIT } from './ops/ssm';
export type { CommandFaultSpec, CommandResult, CommandRun, CommandRunner, InvocationStatus } from './run-command';
export type { SecretRecord } from './secrets';
export type { Service } from './simulator';
export { CONNECTION_ERROR_CODES, hasTwoActiveAzs, KMS_USER, KmsState } from './kms';
export type { ConnectionErrorCode, ConnectionFault, ConnectionState, KeyState, KeyStoreRecord, KmsKeyRecord } from './kms';
export { KMS_HANDLERS } from './ops/kms';
export { KMS_OPERATIONS } from './types';
export type { KmsOperation } from './types';
