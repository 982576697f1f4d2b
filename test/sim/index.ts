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
