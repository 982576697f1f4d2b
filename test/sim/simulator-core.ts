// The simulator's request path: its state, and how one API call is admitted (faults), checked
// against the service's published model and dispatched to the operation handlers (ops/).
// CloudHsmSimulator (simulator.ts) adds the control methods tests use.

import { DEFAULT_START_MS, VirtualClock } from './clock';
import { clusterContent } from './cluster-content';
import { SimContext } from './context';
import { ErrorType, internalFailure, serialization, SimError } from './errors';
import { CallLog, FaultInjector } from './faults';
import { HsmUsers } from './hsm-users';
import { ManagedInstances } from './instances';
import { KmsState } from './kms';
import { serviceModel } from './models/model';
import type { ModelName } from './models/services';
import { validateInput } from './models/validate';
import { CLOUDHSM_HANDLERS } from './ops/cloudhsm';
import { KMS_HANDLERS } from './ops/kms';
import { SECRETS_HANDLERS } from './ops/secrets';
import { SSM_HANDLERS } from './ops/ssm';
import { PARAMETER_HANDLERS } from './ops/ssm-parameters';
import { ParameterStore } from './parameters';
import { IdFactory, SeededRandom } from './random';
import { CommandRunner, RunCommandEngine } from './run-command';
import { SecretStore } from './secrets';
import { Store } from './store';
import { AnyOperation, ClusterRecord, DEFAULT_TIMINGS, JsonObject, Timings } from './types';

export interface SimulatorOptions {
  /** virtual durations of the asynchronous transitions (see DEFAULT_TIMINGS) */
  readonly timings?: Partial<Timings>;
  /** seed of the ids, IPs and rate-based faults (default 1) */
  readonly seed?: number;
  /** account id in ARNs (default 123456789012) */
  readonly accountId?: string;
  /**
   * Other accounts the simulator serves, by the access key id of the requests' SigV4 credential
   * scope: each has its own CloudHSM clusters and backups (subnets are shared). Requests signed with
   * any other key, and calls without one, are the default account's (`accountId`).
   */
  readonly accounts?: Readonly<Record<string, string>>;
  /** virtual start time in epoch ms (default 2026-01-01T00:00:00Z) */
  readonly startTimeMs?: number;
  /** region of HTTP requests that carry no SigV4 credential scope (default us-east-1) */
  readonly defaultRegion?: string;
  /** virtual ms the clock moves on after every API call (default 0: time moves only by advance()) */
  readonly autoAdvanceMs?: number;
  /** what runs the commands and user data of managed instances (host/sandbox.ts); default: none */
  readonly commandRunner?: CommandRunner;
  /** KMS rotates kmsuser's password when it connects a key store, as ConnectCustomKeyStore documents (default true) */
  readonly rotateKmsUserPassword?: boolean;
}

/** The services the simulator serves, by the target prefix of their requests. */
export type Service = 'cloudhsm' | 'ssm' | 'secretsmanager' | 'kms';

/** A call admitted past the fault check: what the server waits for, then runs. */
export interface CallPlan {
  readonly region: string;
  /** the caller's account (default: the simulator's) */
  readonly account?: string;
  readonly service: Service;
  readonly operation: AnyOperation;
  /** injected latency, real ms */
  readonly latencyMs: number;
  readonly virtualMs: number;
}

/** An injected internal failure as the service names it (KMS: KMSInternalException). */
function asServiceError(service: Service, error: SimError): SimError {
  return service === 'kms' && error.type === 'CloudHsmInternalFailureException' ? new SimError('KMSInternalException', error.message, 500) : error;
}

/** Each service: its handlers, its published model, and the name it gives itself in errors. */
const SERVICES: Readonly<Record<Service, { readonly operations: readonly string[]; readonly model: ModelName; readonly name: string }>> = {
  cloudhsm: { operations: Object.keys(CLOUDHSM_HANDLERS), model: 'cloudhsmv2', name: 'BaldrApiService' },
  ssm: { operations: [...Object.keys(SSM_HANDLERS), ...Object.keys(PARAMETER_HANDLERS)], model: 'ssm', name: 'AmazonSSM' },
  secretsmanager: { operations: Object.keys(SECRETS_HANDLERS), model: 'secretsmanager', name: 'secretsmanager' },
  kms: { operations: Object.keys(KMS_HANDLERS), model: 'kms', name: 'TrentService' },
};

/** The simulator's state and request path. */
export class SimulatorCore {
  public readonly clock: VirtualClock;
  public readonly timings: Timings;
  public readonly accountId: string;
  public readonly defaultRegion: string;
  public readonly faults: FaultInjector;
  public readonly calls = new CallLog();
  /** SSM managed instances (EC2 instances of a deployed stack) */
  public readonly instances: ManagedInstances;
  public readonly runCommand: RunCommandEngine;
  public readonly secrets: SecretStore;
  /** SSM Parameter Store: the parameters of deployed stacks */
  public readonly parameters = new ParameterStore();
  public readonly hsmUsers = new HsmUsers();
  /** KMS: CloudHSM key stores, their keys, aliases */
  public readonly kms: KmsState;
  protected readonly store = new Store();
  /** the CloudHSM state of the other accounts (`accounts`), by account id */
  protected readonly accountStores = new Map<string, Store>();
  private readonly accessKeys: Readonly<Record<string, string>>;
  protected readonly rng: SeededRandom;
  protected readonly faultRng: SeededRandom;
  protected readonly ids: IdFactory;
  protected readonly ctx: SimContext;
  protected readonly seed: number;
  protected readonly autoAdvanceMs: number;

  constructor(opts: SimulatorOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings };
    this.accountId = opts.accountId ?? '123456789012';
    this.accessKeys = opts.accounts ?? {};
    for (const account of Object.values(this.accessKeys)) {
      if (account !== this.accountId && !this.accountStores.has(account)) this.accountStores.set(account, this.store.sibling());
    }
    this.defaultRegion = opts.defaultRegion ?? 'us-east-1';
    this.autoAdvanceMs = opts.autoAdvanceMs ?? 0;
    this.clock = new VirtualClock(opts.startTimeMs ?? DEFAULT_START_MS);
    this.rng = new SeededRandom(this.seed);
    this.faultRng = new SeededRandom(this.seed + 7919);
    this.faults = new FaultInjector(this.faultRng);
    this.ids = new IdFactory(this.rng);
    this.ctx = {
      store: this.store, clock: this.clock, ids: this.ids, rng: this.rng, timings: this.timings, accountId: this.accountId,
    };
    // What the clusters' HSMs hold (users, KMS key material), for backups and restores.
    this.ctx = { ...this.ctx, content: clusterContent(this.hsmUsers, () => this.kms), storeOf: (account) => this.storeOf(account) };
    this.instances = new ManagedInstances(this.clock);
    this.runCommand = new RunCommandEngine(this.clock, this.rng, this.faultRng, this.timings);
    this.runCommand.setRunner(opts.commandRunner);
    this.secrets = new SecretStore(this.rng, this.accountId);
    this.kms = new KmsState(this.clock, this.ids, this.timings, this.store, this.hsmUsers, opts.rotateKmsUserPassword ?? true);
  }

  /**
   * Runs one API operation in a region, as the HTTP server does (faults included, except
   * latency, which only the server can apply). Returns the response body; throws SimError.
   */
  public handle(region: string, operation: string, input: unknown = {}, service: Service = 'cloudhsm', account?: string): JsonObject {
    return this.completeCall(this.beginCall(region, operation, service, account), input);
  }

  /** The account a request signed with this access key id acts as (`accounts`), or undefined for the default one. */
  public accountOfAccessKey(accessKeyId: string | undefined): string | undefined {
    return accessKeyId === undefined ? undefined : this.accessKeys[accessKeyId];
  }

  /** The CloudHSM state of an account the simulator serves: the default one's, or one of `accounts`. */
  protected storeOf(account: string): Store | undefined {
    return account === this.accountId ? this.store : this.accountStores.get(account);
  }

  /** Admits a call: counts it and applies throttling / internal-error faults before anything runs. */
  public beginCall(region: string, operation: string, service: Service = 'cloudhsm', account?: string): CallPlan {
    if (!SERVICES[service].operations.includes(operation)) {
      throw new SimError('UnknownOperationException', `Operation '${operation}' is not supported by ${SERVICES[service].name}`);
    }
    const op = operation as AnyOperation;
    const virtualMs = this.clock.now();
    const decision = this.faults.before(region, op);
    if (decision.error) {
      const error = asServiceError(service, decision.error);
      this.calls.add({ region, operation: op, virtualMs, outcome: 'fault', errorType: error.type });
      this.afterCall();
      throw error;
    }
    return { region, account, service, operation: op, latencyMs: decision.latencyMs, virtualMs };
  }

  /** Runs an admitted call. */
  public completeCall(plan: CallPlan, input: unknown): JsonObject {
    const { region, operation, virtualMs } = plan;
    let output: JsonObject;
    try {
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw serialization('The request body must be a JSON object');
      }
      output = this.dispatch(plan, input as JsonObject);
    } catch (e) {
      // anything but a SimError is a simulator bug: report it as the service reports internal failures
      const error = e instanceof SimError ? e : internalFailure(`Simulator failure in ${operation}: ${(e as Error).message}`);
      this.calls.add({ region, operation, virtualMs, outcome: 'error', errorType: error.type });
      this.afterCall();
      throw error;
    }
    const lost = this.faults.afterSuccess(region, operation);
    const dropped = lost && asServiceError(plan.service, lost);
    this.calls.add({ region, operation, virtualMs, outcome: dropped ? 'dropped' : 'ok', errorType: dropped?.type });
    this.afterCall();
    if (dropped) throw dropped;
    return output;
  }

  protected dispatch(plan: CallPlan, input: JsonObject): JsonObject {
    const { region, service, operation } = plan;
    // Every request meets its service's published input constraints first (test/sim/models/);
    // the handlers keep only the behavioural rules.
    const violation = validateInput(serviceModel(SERVICES[service].model), operation, input);
    if (violation) throw new SimError(violation.code as ErrorType, violation.message);
    if (service === 'ssm' && PARAMETER_HANDLERS[operation]) {
      return PARAMETER_HANDLERS[operation]({ parameters: this.parameters, accountId: this.accountId }, region, input);
    }
    if (service === 'ssm') {
      return SSM_HANDLERS[operation]({ clock: this.clock, instances: this.instances, runCommand: this.runCommand }, region, input);
    }
    if (service === 'secretsmanager') return SECRETS_HANDLERS[operation]({ clock: this.clock, secrets: this.secrets }, region, input);
    if (service === 'kms') return KMS_HANDLERS[operation](this.kmsContext(), region, input);
    return CLOUDHSM_HANDLERS[operation](this.contextOf(plan.account), region, input);
  }

  /** What a CloudHSM handler gets for a caller: the default account's context, or another account's clusters and backups. */
  protected contextOf(account: string | undefined): SimContext {
    const store = account === undefined ? undefined : this.accountStores.get(account);
    return store ? { ...this.ctx, store, accountId: account! } : this.ctx;
  }

  /** Back to a fresh simulator: no resources, subnets, faults or calls; clock at its start; same seed. */
  public reset(): void {
    this.store.clear();
    for (const store of this.accountStores.values()) store.clear();
    this.clock.reset();
    this.ids.reset();
    this.rng.reseed(this.seed);
    this.faultRng.reseed(this.seed + 7919);
    this.faults.clear();
    this.calls.reset();
    this.instances.clear();
    this.runCommand.clear();
    this.secrets.clear();
    this.parameters.clear();
    this.hsmUsers.clear();
    this.kms.clear();
  }

  protected kmsContext() {
    return { kms: this.kms, clock: this.clock, ids: this.ids, accountId: this.accountId };
  }

  protected cluster(region: string, clusterId: string): ClusterRecord {
    const c = this.store.region(region).clusters.get(clusterId);
    if (!c) throw new Error(`no cluster '${clusterId}' in ${region}`);
    return c;
  }

  protected afterCall(): void {
    if (this.autoAdvanceMs > 0) this.clock.advance(this.autoAdvanceMs);
  }
}
