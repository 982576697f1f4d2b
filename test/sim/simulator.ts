// CloudHsmSimulator: the stateful fake of the CloudHSM v2 API. It wires the operation
// handlers (ops/), the state (store.ts), the virtual clock and the fault injector
// together, and offers the control methods tests use to do what the API cannot
// (activate a cluster, degrade an HSM, make a backup now, let time pass, ...).

import { makeClusterBackup, setClusterState } from './context';
import { SimError } from './errors';
import { FaultSpec } from './faults';
import { CliOutcome, runHsmCli } from './hsm-cli';
import { failHsmCreates, HsmReplacement, replaceHsm, ReplaceHsmOptions } from './hsm-replacement';
import { InstanceRecord, LaunchOptions } from './instances';
import { ConnectionFault } from './kms';
import { parseCidr } from './network';
import { KMS_HANDLERS } from './ops/kms';
import { CommandFaultSpec, CommandRunner } from './run-command';
import { SecretRecord } from './secrets';
import { CallPlan, SimulatorCore } from './simulator-core';
import { ClusterState, JsonObject, SubnetInfo, Tag } from './types';
import { PATTERNS } from './validation';
import { backupView, clusterView } from './views';

export type { CallPlan, Service, SimulatorOptions } from './simulator-core';

export interface SimResource {
  readonly region: string;
  readonly type: 'cluster' | 'hsm' | 'backup' | 'instance' | 'secret' | 'key-store' | 'kms-key' | 'parameter';
  readonly id: string;
  readonly state: string;
  /** the cluster of an HSM, a backup, a key store or a KMS key in a key store */
  readonly clusterId?: string;
  /** the custom key store of a KMS key */
  readonly keyStoreId?: string;
  /** the owner of a cluster, HSM or backup of another account than the default one (SimulatorOptions.accounts) */
  readonly account?: string;
}

/** The simulator tests use: the request path of SimulatorCore plus the control methods that do what the API cannot. */
export class CloudHsmSimulator extends SimulatorCore {
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

  /**
   * The service replaces an HSM on its own: a new HSM id on the same ENI, address and AZ (rules and
   * assumed states: hsm-replacement.ts). Returns the ids, the replacement's included.
   */
  public replaceHsm(region: string, hsmId: string, opts?: ReplaceHsmOptions): HsmReplacement {
    return replaceHsm(this.ctx, region, hsmId, opts);
  }

  /** A fault: the next `count` HSMs created in the region end their creation DEGRADED with `message`. */
  public failHsmCreates(region: string, count: number, message?: string): void {
    failHsmCreates(this.ctx, region, count, message);
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

  /** A cluster's description without making (and counting) an API call; `account` for another account's. */
  public peekCluster(region: string, clusterId: string, account = this.accountId): JsonObject | undefined {
    const c = this.storeOf(account)?.region(region).clusters.get(clusterId);
    return c ? clusterView(c) : undefined;
  }

  /** A backup's description without making (and counting) an API call; `account` for another account's. */
  public peekBackup(region: string, backupId: string, account = this.accountId): JsonObject | undefined {
    const b = this.storeOf(account)?.region(region).backups.get(backupId);
    return b ? backupView(b, account) : undefined;
  }

  /** A backup's resource policy (PutResourcePolicy), without an API call. */
  public peekResourcePolicy(region: string, backupId: string, account = this.accountId): string | undefined {
    return this.storeOf(account)?.region(region).backups.get(backupId)?.policy;
  }

  /** Every cluster, HSM and backup in every region, DELETED ones included (orphan checks). */
  public listResources(): SimResource[] {
    const out: SimResource[] = [];
    for (const [store, account] of [[this.store, undefined] as const, ...[...this.accountStores].map(([a, st]) => [st, a] as const)]) {
      const owner = account === undefined ? {} : { account };
      for (const r of store.allRegions()) {
        for (const c of r.clusters.values()) {
          out.push({ region: r.region, type: 'cluster', id: c.id, state: c.state, ...owner });
          for (const h of c.hsms) out.push({ region: r.region, type: 'hsm', id: h.id, state: h.state, clusterId: c.id, ...owner });
        }
        for (const b of r.backups.values()) {
          out.push({ region: r.region, type: 'backup', id: b.id, state: b.state, clusterId: b.clusterId, ...owner });
        }
      }
    }
    for (const i of this.instances.all()) {
      out.push({ region: i.region, type: 'instance', id: i.id, state: i.terminatedMs === undefined ? 'running' : 'terminated' });
    }
    for (const s of this.secrets.all()) {
      out.push({ region: s.region, type: 'secret', id: s.arn, state: s.deletedMs === undefined ? 'ACTIVE' : 'DELETED' });
    }
    // A deleted parameter is gone from Parameter Store
    for (const p of this.parameters.all()) out.push({ region: p.region, type: 'parameter', id: p.name, state: 'ACTIVE' });
    // A deleted key store or KMS key is gone from KMS; a key pending deletion is listed as such.
    for (const s of this.kms.keyStores.values()) out.push({ region: s.region, type: 'key-store', id: s.id, state: s.state, clusterId: s.clusterId });
    for (const k of this.kms.keys.values()) {
      out.push({ region: k.region, type: 'kms-key', id: k.id, state: this.kms.keyState(k), clusterId: k.clusterId, keyStoreId: k.keyStoreId });
    }
    return out;
  }

  // ---- control: hosts, commands, secrets, HSM users -------------------------------------

  /**
   * An EC2 instance: it registers with SSM (PingStatus Online) `bootMs` after now and then runs
   * its user data with the command runner. Ids are `i-` and 17 hex digits (seeded unless given).
   */
  public launchInstance(region: string, opts: LaunchOptions & { id?: string } = {}): InstanceRecord {
    const id = opts.id ?? this.ids.hex17('eni').replace(/^eni-/, 'i-');
    if (!/^i-[0-9a-f]{17}$/.test(id)) throw new Error(`launchInstance: '${id}' is not an instance id (i- and 17 hex digits)`);
    if (this.instances.get(region, id)) throw new Error(`launchInstance: instance ${id} exists in ${region}`);
    const now = this.clock.now();
    const ipAddress = opts.ipAddress ?? `10.0.${this.rng.int(250) + 1}.${this.rng.int(250) + 4}`;
    const instance: InstanceRecord = {
      id,
      region,
      launchedMs: now,
      onlineAtMs: now + (opts.bootMs ?? this.timings.instanceBootMs),
      ipAddress,
      computerName: `ip-${ipAddress.replace(/\./g, '-')}.${region}.compute.internal`,
      userData: opts.userData,
    };
    this.instances.add(instance);
    if (opts.userData !== undefined) {
      this.clock.schedule(instance.onlineAtMs - now, `instance ${id} runs its user data`, () => {
        if (instance.terminatedMs === undefined) this.runCommand.runUserData(instance, opts.userData!);
      });
    }
    return instance;
  }

  /** Terminates an instance: it stops pinging and leaves DescribeInstanceInformation. */
  public terminateInstance(region: string, instanceId: string): void {
    const instance = this.instances.get(region, instanceId);
    if (!instance) throw new Error(`terminateInstance: no instance '${instanceId}' in ${region}`);
    instance.terminatedMs ??= this.clock.now();
  }

  /** Who runs the commands and user data of instances (host/sandbox.ts), or none. */
  public setCommandRunner(runner: CommandRunner | undefined): void {
    this.runCommand.setRunner(runner);
  }

  /** A fault of the delivered commands themselves: they fail at once, or never end. */
  public injectCommandFault(spec: CommandFaultSpec): void {
    this.runCommand.addFault(spec);
  }

  public clearCommandFaults(): void {
    this.runCommand.clearFaults();
  }

  /** Resolves once no command or user data is running on any instance (real time). */
  public settle(): Promise<void> {
    return this.runCommand.settled();
  }

  /** A Secrets Manager secret (as CloudFormation's AWS::SecretsManager::Secret makes it). */
  public createSecret(region: string, name: string, secretString: string,
    opts: { description?: string; tags?: Tag[]; replicaRegions?: readonly string[] } = {}): SecretRecord {
    return this.secrets.create(region, name, secretString, this.clock.now(), opts);
  }

  /** An SSM parameter (as CloudFormation's AWS::SSM::Parameter makes or updates it); hosts read it with GetParameter. */
  public putParameter(region: string, name: string, value: string, type: 'String' | 'StringList' = 'String'): void {
    this.parameters.put(region, name, value, type, this.clock.now());
  }

  /** DeleteParameter (CloudFormation deleting an AWS::SSM::Parameter); none there is no error, as for a deleted resource. */
  public deleteParameter(region: string, name: string): void {
    this.parameters.delete(region, name);
  }

  /** DeleteSecret: at once with forceDelete, else scheduled (reads are refused meanwhile). */
  public deleteSecret(region: string, secretId: string, opts: { forceDelete?: boolean } = {}): void {
    const secret = this.secrets.find(region, secretId);
    if (!secret) throw new Error(`deleteSecret: no secret '${secretId}' in ${region}`);
    if (opts.forceDelete) this.secrets.remove(secret.arn);
    else secret.deletedMs ??= this.clock.now();
  }

  /**
   * One CloudHSM CLI command against the cluster behind `servers` (the stand-in CLI uses it);
   * `session` names the CLI process a login belongs to.
   */
  public hsmCli(region: string, servers: readonly string[], args: readonly string[], password?: string, session?: string): CliOutcome {
    return runHsmCli(this.store, this.hsmUsers, region, servers, args, password, session,
      (c) => makeClusterBackup(this.ctx, region, c, 'CREATE_IN_PROGRESS'));
  }

  /** The end of a CLI process: its login ends. */
  public endHsmCliSession(session: string): void {
    this.hsmUsers.endSession(session);
  }

  // ---- control: KMS -------------------------------------------------------------------

  /** The next connection attempts (of one key store, or any) end FAILED with this ConnectionErrorCode. */
  public injectConnectionFault(fault: ConnectionFault): void {
    this.kms.addConnectionFault(fault);
  }

  /** A key store as DescribeCustomKeyStores shows it, without an API call. */
  public peekKeyStore(region: string, keyStoreId: string): JsonObject | undefined {
    if (this.kms.keyStores.get(keyStoreId)?.region !== region) return undefined;
    const out = KMS_HANDLERS.DescribeCustomKeyStores(this.kmsContext(), region, { CustomKeyStoreId: keyStoreId });
    return (out.CustomKeyStores as JsonObject[])[0];
  }

  /** A KMS key's metadata, without an API call. */
  public peekKey(region: string, keyId: string): JsonObject | undefined {
    const k = this.kms.keys.get(keyId);
    return k?.region === region ? (KMS_HANDLERS.DescribeKey(this.kmsContext(), region, { KeyId: keyId }).KeyMetadata as JsonObject) : undefined;
  }

  /** The KeyState of a key named by id, ARN or alias, without an API call; undefined if there is none. */
  public describeKmsKey(region: string, keyId: string): string | undefined {
    try {
      return (KMS_HANDLERS.DescribeKey(this.kmsContext(), region, { KeyId: keyId }).KeyMetadata as JsonObject).KeyState as string;
    } catch (e) {
      if (e instanceof SimError && e.type === 'NotFoundException') return undefined;
      throw e;
    }
  }

  /** CreateAlias / DeleteAlias without an API call (the harness's AWS::KMS::Alias). */
  public kmsAlias(region: string, aliasName: string, targetKeyId: string | undefined): void {
    const plan: CallPlan = { region, service: 'kms', operation: targetKeyId === undefined ? 'DeleteAlias' : 'CreateAlias', latencyMs: 0, virtualMs: this.clock.now() };
    // not an API call (not counted, no faults), but the same checks: the model's, then the handler's
    this.dispatch(plan, targetKeyId === undefined ? { AliasName: aliasName } : { AliasName: aliasName, TargetKeyId: targetKeyId });
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
}
