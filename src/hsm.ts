import { CustomResource, IResource, RemovalPolicy, Resource, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SLOT_STRIDE, slotAddresses } from './private/hsm-address';
import { hsmChainOf } from './private/hsm-chain';
import { P } from './private/property-names';
import { CloudHsmProvider, SERVICE_TIMEOUT } from './private/provider';
import { checkAvailabilityZone, checkHsmCount, checkIpInCidr, checkIpv4, MAX_DEGRADED_RETRIES } from './private/rules';

// IHsmCluster lives here, beside Hsm, not in cluster.ts: its addHsm returns an Hsm and an Hsm names
// its cluster, so one module holds both and src/ has no import cycle (cluster.ts imports this one).

/** A CloudHSM v2 cluster, created by this library or imported. */
export interface IHsmCluster extends IResource, ec2.IConnectable {
  /**
   * The cluster id, such as `cluster-jxhlf7644ne`.
   * @attribute
   */
  readonly clusterId: string;

  /**
   * The cluster ARN.
   * @attribute
   */
  readonly clusterArn: string;

  /** The security group CloudHSM created for the cluster's HSM network interfaces. */
  readonly securityGroup: ec2.ISecurityGroup;

  /**
   * The subnets of the cluster, where known: HSMs are placed in their Availability Zones.
   * Empty for an imported cluster whose subnets were not given.
   */
  readonly subnets: ec2.ISubnet[];

  /**
   * Adds an HSM to the cluster. A cluster takes a second HSM only once it is initialized and
   * activated; on an activated cluster the HSMs are created at the same time.
   *
   * @param id the construct id of the HSM (a child of the cluster)
   * @param options placement of the HSM
   */
  addHsm(id: string, options?: HsmOptions): Hsm;

  /**
   * Adds `count` HSMs spread over the cluster's Availability Zones in turn, with construct ids
   * `<idPrefix>1`, `<idPrefix>2`, ... On an activated cluster they are created at the same time.
   *
   * A cluster holds at most 28 HSMs. Accounts start with a lower quota of HSMs per Region (see
   * the Service Quotas console, AWS CloudHSM, or the quotas page of the CloudHSM user guide): ask
   * for more there before deploying more HSMs than it allows.
   *
   * @param count how many HSMs to add (0 or more; with those declared before, at most 28). 0 adds
   * none, for a count that comes from the deployment (a context value); see `allowZeroHsms`
   * @param idPrefix the start of their construct ids
   * @default idPrefix 'Hsm'
   */
  addHsms(count: number, idPrefix?: string): Hsm[];

  /**
   * Grants the given CloudHSM actions (for example `cloudhsm:CreateHsm`) on this cluster.
   *
   * @param grantee the principal
   * @param actions actions, with or without the `cloudhsm:` prefix
   */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;

  /** Grants `cloudhsm:DescribeClusters` and `cloudhsm:ListTags`, which read this cluster. */
  grantDescribe(grantee: iam.IGrantable): iam.Grant;

  /**
   * A CloudWatch metric of this cluster in the `AWS/CloudHSM` namespace.
   *
   * @param metricName the metric name, such as `HsmUnhealthy`
   * @param props options; add an `HsmId` dimension through `dimensionsMap` for one HSM
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** Where and how to create an HSM; used by `cluster.addHsm()`. */
export interface HsmOptions {
  /**
   * The Availability Zone of the HSM: one of the AZs of the cluster's subnets.
   *
   * @default - the AZ of `subnet` if given; otherwise HSMs are spread over the cluster's AZs in the
   * order they are declared (for an imported cluster whose subnets are unknown, the handler picks
   * the AZ with the fewest HSMs at deploy time)
   */
  readonly availabilityZone?: string;

  /**
   * The cluster subnet to place the HSM in (its AZ is used).
   *
   * @default - the cluster's subnet in `availabilityZone`
   */
  readonly subnet?: ec2.ISubnet;

  /**
   * The IPv4 address of the HSM's network interface, inside the subnet's CIDR block.
   *
   * The address is how the deployment tells this HSM from others of the cluster created at the same
   * moment, so it must be free in the subnet, and not one of the addresses reserved for the
   * cluster's HSMs without `ipAddress` (checked at synth time).
   *
   * @default - when the subnet's CIDR block is known (subnets of a `Vpc`, or imported with
   * `ipv4CidrBlock`): an address near the top of the subnet that is this HSM's alone among the
   * cluster's HSMs in the stack, skipping addresses other HSMs hold. Otherwise the service chooses
   * one, and the cluster's HSMs are then created one after another.
   */
  readonly ipAddress?: string;

  /**
   * What happens to the HSM when it is removed from the stack. Deleting an HSM makes a backup of
   * the cluster first and keys stay in the cluster's other HSMs and backups, so the default deletes it.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How often an HSM that goes DEGRADED while it is being created is deleted and created again (at
   * the same address) before the deployment fails with the service's state message. Each retry is
   * another HSM creation (10 to 20 minutes) within the deployment's time limit. The HSM ids that were
   * replaced are in the handler's log and in the resource's `DegradedHsmIds` attribute. The count is
   * kept in a tag of the cluster under `cdk-cloudhsm:` while the create runs; on a cluster that
   * already has 50 tags no retry is made.
   *
   * @default 1
   */
  readonly degradedRetries?: number;
}

/** Properties of an `Hsm`. */
export interface HsmProps extends HsmOptions {
  /** The cluster the HSM belongs to: created by `HsmCluster`, imported, or from a native `CfnCluster`. */
  readonly cluster: IHsmCluster;
}

/**
 * A hardware security module in a CloudHSM cluster (`Custom::CloudHsmHsm`). The deployment waits until
 * the HSM is ACTIVE.
 *
 * A cluster holds at most 28 HSMs; accounts start with a lower quota of HSMs per Region (Service
 * Quotas console, AWS CloudHSM).
 *
 * A cluster holds only one HSM until it is initialized and activated. On a cluster known to be
 * activated (`activated: true`, or restored from a backup) the HSMs are created (and deleted) at the
 * same time; on a new cluster the first HSM comes alone and the others follow the activation
 * together. Without activation in the stack: declare one HSM, deploy, initialize and activate the
 * cluster, then add more.
 */
export class Hsm extends Resource {
  /**
   * The HSM id, such as `hsm-ucxmqb2bg6d`, as of the resource's last create or update.
   *
   * AWS replaces an HSM that fails or loses its network on its own: the replacement has a new HSM id
   * on the same network interface (same address, same Availability Zone). The resource follows it
   * (it knows its HSM by the network interface), and the next update of the resource reports the new
   * id. So do not pin clients to HSM ids: Client SDK 5 finds the cluster's HSMs by cluster id
   * (`configure-cli --cluster-id`), and `eniIp` stays the same across replacements.
   * @attribute
   */
  public readonly hsmId: string;

  /**
   * The id of the HSM's elastic network interface.
   * @attribute
   */
  public readonly eniId: string;

  /**
   * The IP address of the HSM's elastic network interface; clients connect to it.
   * @attribute
   */
  public readonly eniIp: string;

  /**
   * The IPv6 address of the HSM's elastic network interface, in a cluster whose network type is
   * `DUALSTACK`; an empty string in an `IPV4` cluster.
   * @attribute
   */
  public readonly eniIpV6: string;

  /**
   * The type of the HSM, such as `hsm2m.medium`, as the service describes it.
   * @attribute
   */
  public readonly hsmType: string;

  /**
   * The Availability Zone of the HSM.
   * @attribute
   */
  public readonly availabilityZone: string;

  /**
   * The cluster's certificate signing request (PEM) when the HSM became ACTIVE on an uninitialized
   * cluster: sign it to initialize the cluster. Empty when the cluster was already initialized.
   * @attribute
   */
  public readonly clusterCsr: string;

  /** The cluster of the HSM. */
  public readonly cluster: IHsmCluster;

  private readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: HsmProps) {
    super(scope, id);
    this.cluster = props.cluster;
    const chain = hsmChainOf(props.cluster);
    const slot = chain.count;
    const placement = place(props, slot);
    const tooMany = checkHsmCount(P.cluster, slot + 1, props.cluster.node.path);
    if (tooMany) placement.errors.push(tooMany);
    const retries = props.degradedRetries;
    if (retries !== undefined && !Token.isUnresolved(retries)
      && (!Number.isInteger(retries) || retries < 0 || retries > MAX_DEGRADED_RETRIES)) {
      placement.errors.push(`${P.degradedRetries}: ${retries} is not a whole number from 0 to ${MAX_DEGRADED_RETRIES}`);
    }

    const provider = CloudHsmProvider.of(this);
    provider.enableHsms(chain.createdByProvider ? undefined : props.cluster.clusterArn);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CloudHsmHsm',
      serviceTimeout: SERVICE_TIMEOUT,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
      properties: {
        ClusterId: props.cluster.clusterId,
        AvailabilityZone: placement.availabilityZone,
        IpAddress: props.ipAddress,
        // Without an address, the handler derives this HSM's own from the subnet's CIDR and the slot.
        SubnetCidr: props.ipAddress === undefined ? placement.subnetCidr : undefined,
        Slot: props.ipAddress === undefined && placement.subnetCidr !== undefined ? String(slot) : undefined,
        // Only when given: the handler's default applies otherwise, and templates of earlier versions stay as they were.
        DegradedRetries: props.degradedRetries === undefined ? undefined : String(props.degradedRetries),
      },
    });
    // Order among the cluster's HSMs: see HsmChain (the first alone, then the others together once activated).
    chain.add(this, this.resource, {
      ipAddress: props.ipAddress, subnetCidr: placement.subnetCidr, slot, availabilityZone: placement.availabilityZone,
    });

    // Not the physical id: that names the HSM's network interface, which outlives the HSM id (see the handler's hsm-eni.ts).
    this.hsmId = this.resource.getAttString('HsmId');
    this.eniId = this.resource.getAttString('EniId');
    this.eniIp = this.resource.getAttString('EniIp');
    this.eniIpV6 = this.resource.getAttString('EniIpV6');
    this.hsmType = this.resource.getAttString('HsmType');
    this.availabilityZone = this.resource.getAttString('AvailabilityZone');
    this.clusterCsr = this.resource.getAttString('ClusterCsr');

    if (placement.errors.length > 0) throw new Error(`Hsm ${this.node.path}: ${placement.errors.join('; ')}`);
  }
}

interface Placement {
  readonly availabilityZone?: string;
  /** The CIDR block of the HSM's subnet, when known (it may be a token). */
  readonly subnetCidr?: string;
  readonly errors: string[];
}

const known = (v: string | undefined): v is string => v !== undefined && !Token.isUnresolved(v);

/** The HSM's AZ from its options and the cluster's subnets, with what is wrong about them. */
function place(props: HsmProps, index: number): Placement {
  const errors: string[] = [];
  const subnets = props.cluster.subnets;
  const zones = subnets.map((s) => s.availabilityZone).filter(known);
  let az = props.availabilityZone;
  let subnet = props.subnet;

  if (known(az)) {
    const e = checkAvailabilityZone(P.availabilityZone, az);
    if (e) {errors.push(e);} else if (zones.length > 0 && !zones.includes(az)) {
      errors.push(`${P.availabilityZone}: "${az}" is not one of the cluster's Availability Zones (${zones.join(', ')})`);
    }
  }
  if (subnet) {
    const inCluster = subnets.length === 0 || subnets.some((s) => s === subnet || s.subnetId === subnet!.subnetId);
    if (!inCluster) errors.push(`${P.subnet}: ${subnet.node.path} is not one of the cluster's subnets`);
    if (known(az) && known(subnet.availabilityZone) && subnet.availabilityZone !== az) {
      errors.push(`${P.subnet}: ${subnet.node.path} is in ${subnet.availabilityZone}, not in ${P.availabilityZone} "${az}"`);
    }
    az = az ?? subnet.availabilityZone;
  }
  if (az === undefined && subnets.length > 0) {
    // Spread over the cluster's subnets in declaration order.
    subnet = subnets[index % subnets.length];
    az = subnet.availabilityZone;
  }
  if (subnet === undefined && known(az)) subnet = subnets.find((s) => s.availabilityZone === az);

  const cidr = subnet ? cidrOf(subnet) : undefined;
  if (known(props.ipAddress)) {
    const e = checkIpv4(P.ipAddress, props.ipAddress);
    if (e) {errors.push(e);} else {
      const outside = known(cidr) ? checkIpInCidr(P.ipAddress, props.ipAddress, cidr, subnet!.node.path) : undefined;
      if (outside) errors.push(outside);
    }
  } else if (cidr !== undefined) {
    if (index >= SLOT_STRIDE) {
      errors.push(`the cluster declares ${index + 1} HSMs without ${P.ipAddress}; at most ${SLOT_STRIDE} get an address of their own (give ${P.ipAddress})`);
    } else if (known(cidr) && slotAddresses(cidr, index).length === 0) {
      errors.push(`subnet ${subnet!.node.path} (${cidr}) is too small to give HSM number ${index + 1} of the cluster an address of its own; give ${P.ipAddress}`);
    }
  }
  return { availabilityZone: az, subnetCidr: cidr, errors };
}

/** The subnet's IPv4 CIDR block, when it is known (imported subnets may not have one). */
function cidrOf(subnet: ec2.ISubnet): string | undefined {
  try {
    return subnet.ipv4CidrBlock;
  } catch {
    return undefined;
  }
}
