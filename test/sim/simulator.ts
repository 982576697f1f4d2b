// CloudHsmSimulator: the stateful fake of the CloudHSM v2 API. It wires the operation
// handlers (ops/), the state (store.ts), the virtual clock and the fault injector
// together, and offers the control methods tests use to do what the API cannot
// (activate a cluster, degrade an HSM, make a backup now, let time pass, ...).

import { DEFAULT_START_MS, VirtualClock } from './clock';
import { makeClusterBackup, OperationHandler, setClusterState, SimContext } from './context';
import { internalFailure, serialization, SimError } from './errors';
import { CallLog, FaultInjector, FaultSpec } from './faults';
import { parseCidr } from './network';
import {
  copyBackupToRegion, deleteBackup, describeBackups, modifyBackupAttributes, restoreBackup,
} from './ops/backups';
import {
  createCluster, deleteCluster, describeClusters, initializeCluster, modifyCluster,
} from './ops/clusters';
import { createHsm, deleteHsm } from './ops/hsms';
import { listTags, tagResource, untagResource } from './ops/tags';
import { IdFactory, SeededRandom } from './random';
import { Store } from './store';
import {
  ClusterRecord, ClusterState, DEFAULT_TIMINGS, isOperation, JsonObject, Operation, SubnetInfo, Tag, Timings,
} from './types';
import { PATTERNS } from './validation';
import { backupView, clusterView } from './views';

export interface SimulatorOptions {
  /** virtual durations of the asynchronous transitions (see DEFAULT_TIMINGS) */
  readonly timings?: Partial<Timings>;
  /** seed of the ids, IPs and rate-based faults (default 1) */
  readonly seed?: number;
  /** account id in ARNs (default 123456789012) */
  readonly accountId?: string;
  /** virtual start time in epoch ms (default 2026-01-01T00:00:00Z) */
  readonly startTimeMs?: number;
  /** region of HTTP requests that carry no SigV4 credential scope (default us-east-1) */
  readonly defaultRegion?: string;
  /** virtual ms the clock moves on after every API call (default 0: time moves only by advance()) */
  readonly autoAdvanceMs?: number;
}

/** A call admitted past the fault check: what the server waits for, then runs. */
export interface CallPlan {
  readonly region: string;
  readonly operation: Operation;
  /** injected latency, real ms */
  readonly latencyMs: number;
  readonly virtualMs: number;
}

export interface SimResource {
  readonly region: string;
  readonly type: 'cluster' | 'hsm' | 'backup';
  readonly id: string;
  readonly state: string;
  /** the cluster of an HSM or a backup */
  readonly clusterId?: string;
}

const HANDLERS: Record<Operation, OperationHandler> = {
  CopyBackupToRegion: copyBackupToRegion,
  CreateCluster: createCluster,
  CreateHsm: createHsm,
  DeleteBackup: deleteBackup,
  DeleteCluster: deleteCluster,
  DeleteHsm: deleteHsm,
  DescribeBackups: describeBackups,
  DescribeClusters: describeClusters,
  InitializeCluster: initializeCluster,
  ListTags: listTags,
  ModifyBackupAttributes: modifyBackupAttributes,
  ModifyCluster: modifyCluster,
  RestoreBackup: restoreBackup,
  TagResource: tagResource,
  UntagResource: untagResource,
};

export class CloudHsmSimulator {
  public readonly clock: VirtualClock;
  public readonly timings: Timings;
  public readonly accountId: string;
  public readonly defaultRegion: string;
  public readonly faults: FaultInjector;
  public readonly calls = new CallLog();
  private readonly store = new Store();
  private readonly rng: SeededRandom;
  private readonly faultRng: SeededRandom;
  private readonly ids: IdFactory;
  private readonly ctx: SimContext;
  private readonly seed: number;
  private readonly autoAdvanceMs: number;

  constructor(opts: SimulatorOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings };
    this.accountId = opts.accountId ?? '123456789012';
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
  }

  /**
   * Runs one API operation in a region, as the HTTP server does (faults included, except
   * latency, which only the server can apply). Returns the response body; throws SimError.
   */
  public handle(region: string, operation: string, input: unknown = {}): JsonObject {
    return this.completeCall(this.beginCall(region, operation), input);
  }

  /** Admits a call: counts it and applies throttling / internal-error faults before anything runs. */
  public beginCall(region: string, operation: string): CallPlan {
    if (!isOperation(operation)) {
      throw new SimError('UnknownOperationException', `Operation '${operation}' is not supported by BaldrApiService`);
    }
    const virtualMs = this.clock.now();
    const decision = this.faults.before(region, operation);
    if (decision.error) {
      this.calls.add({ region, operation, virtualMs, outcome: 'fault', errorType: decision.error.type });
      this.afterCall();
      throw decision.error;
    }
    return { region, operation, latencyMs: decision.latencyMs, virtualMs };
  }

  /** Runs an admitted call. */
  public completeCall(plan: CallPlan, input: unknown): JsonObject {
    const { region, operation, virtualMs } = plan;
    let output: JsonObject;
    try {
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw serialization('The request body must be a JSON object');
      }
      output = HANDLERS[operation](this.ctx, region, input as JsonObject);
    } catch (e) {
      // anything but a SimError is a simulator bug: report it as the service reports internal failures
      const error = e instanceof SimError ? e : internalFailure(`Simulator failure in ${operation}: ${(e as Error).message}`);
      this.calls.add({ region, operation, virtualMs, outcome: 'error', errorType: error.type });
      this.afterCall();
      throw error;
    }
    const dropped = this.faults.afterSuccess(region, operation);
    this.calls.add({ region, operation, virtualMs, outcome: dropped ? 'dropped' : 'ok', errorType: dropped?.type });
    this.afterCall();
    if (dropped) throw dropped;
    return output;
  }

  // ---- control: time ------------------------------------------------------------------

  /** Lets virtual time pass, firing the transitions that fall due. */
  public advance(ms: number): number {
    return this.clock.advance(ms);
  }

  // ---- control: what the API cannot do --------------------------------------------------

  /**
   * INITIALIZED -> ACTIVE (in the service: the crypto officer password is set with the CloudHSM CLI).
   * The service backs the cluster up when it is activated (User Guide, cluster backups): a backup
   * CREATE_IN_PROGRESS, READY after backupCreateMs.
   */
  public activateCluster(region: string, clusterId: string): JsonObject {
    const c = this.cluster(region, clusterId);
    if (c.state !== 'INITIALIZED') throw new Error(`activateCluster: cluster '${clusterId}' is ${c.state}, not INITIALIZED`);
    setClusterState(c, 'ACTIVE');
    makeClusterBackup(this.ctx, region, c, 'CREATE_IN_PROGRESS');
    return clusterView(c);
  }

  /** Puts a cluster into DEGRADED with a StateMessage. */
  public degradeCluster(region: string, clusterId: string, message = 'Cluster is degraded.'): JsonObject {
    return this.forceClusterState(region, clusterId, 'DEGRADED', message);
  }

  /** Puts a cluster into any state (e.g. ROLLBACK_IN_PROGRESS); pending transitions of the old state no longer fire. */
  public forceClusterState(region: string, clusterId: string, state: ClusterState, message?: string): JsonObject {
    const c = this.cluster(region, clusterId);
    setClusterState(c, state, message);
    return clusterView(c);
  }

  /** Puts an HSM into DEGRADED with a StateMessage. */
  public degradeHsm(region: string, hsmId: string, message = 'HSM is degraded.'): JsonObject {
    const c = this.store.clusterOfHsm(region, hsmId);
    const h = c?.hsms.find((x) => x.id === hsmId);
    if (!c || !h) throw new Error(`degradeHsm: no HSM '${hsmId}' in ${region}`);
    h.state = 'DEGRADED';
    h.stateMessage = message;
    return clusterView(c);
  }

  /** A READY backup of a cluster, made now (no API call, no waiting). */
  public createBackup(region: string, clusterId: string, opts: { neverExpires?: boolean; tags?: Tag[] } = {}): JsonObject {
    const b = makeClusterBackup(this.ctx, region, this.cluster(region, clusterId), 'READY');
    b.neverExpires = opts.neverExpires ?? false;
    b.tags = (opts.tags ?? []).map((t) => ({ ...t }));
    return backupView(b, this.accountId);
  }

  /** Tells the simulator a subnet's AZ, VPC and CIDR (otherwise derived from its id). */
  public registerSubnet(region: string, subnetId: string, info: { az: string; vpcId: string; cidr: string }): SubnetInfo {
    if (!PATTERNS.subnetId.re.test(subnetId)) throw new Error(`registerSubnet: '${subnetId}' does not match ${PATTERNS.subnetId.text}`);
    if (!PATTERNS.availabilityZone.re.test(info.az)) throw new Error(`registerSubnet: '${info.az}' is not an Availability Zone`);
    if (!/^vpc-[0-9a-fA-F]+$/.test(info.vpcId)) throw new Error(`registerSubnet: '${info.vpcId}' is not a VPC id`);
    const subnet: SubnetInfo = { subnetId, az: info.az, vpcId: info.vpcId, cidr: info.cidr };
    parseCidr(info.cidr); // a bad CIDR fails here, not later in CreateHsm
    this.store.registerSubnet(region, subnet);
    return subnet;
  }

  /** The AZ, VPC and CIDR the simulator uses for a subnet. */
  public subnetInfo(region: string, subnetId: string): SubnetInfo {
    return this.store.subnet(region, subnetId);
  }

  /** A cluster's description without making (and counting) an API call. */
  public peekCluster(region: string, clusterId: string): JsonObject | undefined {
    const c = this.store.region(region).clusters.get(clusterId);
    return c ? clusterView(c) : undefined;
  }

  /** A backup's description without making (and counting) an API call. */
  public peekBackup(region: string, backupId: string): JsonObject | undefined {
    const b = this.store.region(region).backups.get(backupId);
    return b ? backupView(b, this.accountId) : undefined;
  }

  /** Every cluster, HSM and backup in every region, DELETED ones included (orphan checks). */
  public listResources(): SimResource[] {
    const out: SimResource[] = [];
    for (const r of this.store.allRegions()) {
      for (const c of r.clusters.values()) {
        out.push({ region: r.region, type: 'cluster', id: c.id, state: c.state });
        for (const h of c.hsms) out.push({ region: r.region, type: 'hsm', id: h.id, state: h.state, clusterId: c.id });
      }
      for (const b of r.backups.values()) {
        out.push({ region: r.region, type: 'backup', id: b.id, state: b.state, clusterId: b.clusterId });
      }
    }
    return out;
  }

  // ---- control: calls and faults --------------------------------------------------------

  /** API calls per operation (every outcome), optionally for one region. */
  public callCounts(region?: string): Record<string, number> {
    return this.calls.counts(region);
  }

  public resetCallCounts(): void {
    this.calls.reset();
  }

  /** Adds a fault (see FaultSpec); returns its id for removeFault(). */
  public injectFault(spec: FaultSpec): number {
    return this.faults.add(spec);
  }

  public removeFault(id: number): void {
    this.faults.remove(id);
  }

  public clearFaults(): void {
    this.faults.clear();
  }

  /** Back to a fresh simulator: no resources, subnets, faults or calls; clock at its start; same seed. */
  public reset(): void {
    this.store.clear();
    this.clock.reset();
    this.ids.reset();
    this.rng.reseed(this.seed);
    this.faultRng.reseed(this.seed + 7919);
    this.faults.clear();
    this.calls.reset();
  }

  private cluster(region: string, clusterId: string): ClusterRecord {
    const c = this.store.region(region).clusters.get(clusterId);
    if (!c) throw new Error(`no cluster '${clusterId}' in ${region}`);
    return c;
  }

  private afterCall(): void {
    if (this.autoAdvanceMs > 0) this.clock.advance(this.autoAdvanceMs);
  }
}
