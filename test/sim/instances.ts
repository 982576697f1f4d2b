// SSM managed instances: an EC2 instance registers with Systems Manager when its agent starts,
// a boot delay after launch, and from then on reports PingStatus Online until it is terminated.
// What runs on the instance (its user data, the commands Run Command sends) is the job of the
// CommandRunner given to the simulator (host/sandbox.ts runs it with bash).

import { VirtualClock } from './clock';

export type PingStatus = 'Online' | 'ConnectionLost' | 'Inactive';

export interface InstanceRecord {
  readonly id: string;
  readonly region: string;
  readonly launchedMs: number;
  /** when the SSM agent has registered and pings (launch + boot delay) */
  readonly onlineAtMs: number;
  readonly ipAddress: string;
  readonly computerName: string;
  /** the decoded user data the instance runs at boot, if any */
  readonly userData?: string;
  /** terminated instances stop pinging and leave DescribeInstanceInformation */
  terminatedMs?: number;
  /** set by the control API to model an agent that stopped pinging */
  connectionLost?: boolean;
  /** the user data run at boot: its outcome, once it has finished */
  userDataResult?: { readonly exitCode: number; readonly stdout: string; readonly stderr: string };
}

export interface LaunchOptions {
  readonly userData?: string;
  readonly ipAddress?: string;
  /** virtual ms from launch until the agent is Online (default: the simulator's instanceBootMs) */
  readonly bootMs?: number;
}

/** The instances of every region, by id. */
export class ManagedInstances {
  private readonly byKey = new Map<string, InstanceRecord>();
  /**
   * A fault for tests: every instance is in a subnet with no route to SSM (no NAT gateway, no VPC
   * endpoints), so its agent never registers. Cleared with the instances.
   */
  public noRouteToSsm = false;

  constructor(private readonly clock: VirtualClock) {}

  public add(record: InstanceRecord): void {
    this.byKey.set(`${record.region}/${record.id}`, record);
  }

  public get(region: string, id: string): InstanceRecord | undefined {
    return this.byKey.get(`${region}/${id}`);
  }

  public all(region?: string): InstanceRecord[] {
    return [...this.byKey.values()].filter((i) => region === undefined || i.region === region);
  }

  /** Registered with SSM: booted and not terminated. */
  public isRegistered(i: InstanceRecord): boolean {
    return !this.noRouteToSsm && i.terminatedMs === undefined && this.clock.now() >= i.onlineAtMs;
  }

  public pingStatus(i: InstanceRecord): PingStatus {
    return i.connectionLost ? 'ConnectionLost' : 'Online';
  }

  public clear(): void {
    this.byKey.clear();
    this.noRouteToSsm = false;
  }
}
