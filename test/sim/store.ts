// The simulator's state: one RegionState per region (clusters and backups are regional,
// exactly as in the service), plus the registered subnets. Nothing here knows about
// operations or time; ops/ and simulator.ts mutate these records.

import { deriveSubnet } from './network';
import { BackupRecord, ClusterRecord, SubnetInfo } from './types';

export class RegionState {
  public readonly clusters = new Map<string, ClusterRecord>();
  public readonly backups = new Map<string, BackupRecord>();

  constructor(public readonly region: string) {}
}

export class Store {
  private readonly regions = new Map<string, RegionState>();
  private seq = 0;
  /**
   * HSMs still to fail into DEGRADED when their creation ends, per region (a fault: see
   * hsm-replacement.ts). Kept with the state so that `reset()` clears it.
   */
  public readonly hsmCreateFailures = new Map<string, Array<{ remaining: number; message: string }>>();

  /**
   * @param subnets the registered subnets; the stores of several accounts share one map, so a
   * subnet the harness registered has the same AZ whichever account's cluster uses it
   */
  constructor(private readonly subnets = new Map<string, SubnetInfo>()) {}

  /** A store of another account: its own clusters and backups, this store's subnets. */
  public sibling(): Store {
    return new Store(this.subnets);
  }

  /** The state of a region, created on first use. */
  public region(name: string): RegionState {
    let state = this.regions.get(name);
    if (!state) {
      state = new RegionState(name);
      this.regions.set(name, state);
    }
    return state;
  }

  public allRegions(): RegionState[] {
    return [...this.regions.values()];
  }

  public nextSeq(): number {
    return ++this.seq;
  }

  public registerSubnet(region: string, info: SubnetInfo): void {
    this.subnets.set(`${region}/${info.subnetId}`, info);
  }

  /** A registered subnet, or the one derived from its id (see network.ts). */
  public subnet(region: string, subnetId: string): SubnetInfo {
    return this.subnets.get(`${region}/${subnetId}`) ?? deriveSubnet(region, subnetId);
  }

  /** The cluster that has an HSM with this id, in one region. */
  public clusterOfHsm(region: string, hsmId: string): ClusterRecord | undefined {
    for (const c of this.region(region).clusters.values()) {
      if (c.hsms.some((h) => h.id === hsmId)) return c;
    }
    return undefined;
  }

  /** Every ENI IP in use in a subnet of a region (HSMs of all clusters). */
  public usedIps(region: string, subnetId: string): Set<string> {
    const used = new Set<string>();
    for (const c of this.region(region).clusters.values()) {
      for (const h of c.hsms) if (h.subnetId === subnetId) used.add(h.eniIp);
    }
    return used;
  }

  public clear(): void {
    this.regions.clear();
    this.subnets.clear();
    this.hsmCreateFailures.clear();
    this.seq = 0;
  }
}
