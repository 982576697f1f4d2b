import { Annotations, CustomResource, RemovalPolicy, Resource, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { IHsmCluster } from './cluster';
import { hsmChainOf } from './private/hsm-chain';
import { P } from './private/property-names';
import { CloudHsmProvider, SERVICE_TIMEOUT } from './private/provider';
import { ACTIVATION_RULE_ADVICE, checkAvailabilityZone, checkIpInCidr, checkIpv4 } from './private/rules';

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
   * @default - an address the service chooses
   */
  readonly ipAddress?: string;

  /**
   * What happens to the HSM when it is removed from the stack. Deleting an HSM makes a backup of
   * the cluster first and keys stay in the cluster's other HSMs and backups, so the default deletes it.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Properties of an `Hsm`. */
export interface HsmProps extends HsmOptions {
  /** The cluster the HSM belongs to: created by `HsmCluster`, imported, or from a native `CfnCluster`. */
  readonly cluster: IHsmCluster;
}

/**
 * A hardware security module in a CloudHSM cluster (`Custom::CloudHsmHsm`). The deployment waits until
 * the HSM is ACTIVE. HSMs of one cluster are created one after another.
 *
 * A cluster holds only one HSM until it is initialized and activated: declare one HSM, deploy,
 * initialize and activate the cluster, then add more.
 */
export class Hsm extends Resource {
  /**
   * The HSM id, such as `hsm-ucxmqb2bg6d`.
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
    const placement = place(props, chain.count);

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
      },
    });
    // One CreateHsm at a time per cluster: the service refuses concurrent changes to a cluster.
    chain.add(this, this.resource);
    if (chain.count === 2 && !chain.activated) {
      Annotations.of(props.cluster).addWarningV2('@cdk-cloudhsm:hsmBeforeActivation',
        `${props.cluster.node.path} declares more than one HSM but is not known to be activated. `
        + `${ACTIVATION_RULE_ADVICE}. A deployment that creates the second HSM before that fails.`);
    }

    this.hsmId = this.resource.ref;
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

  if (known(props.ipAddress)) {
    const e = checkIpv4(P.ipAddress, props.ipAddress);
    if (e) {errors.push(e);} else {
      const cidr = subnet ? cidrOf(subnet) : undefined;
      const outside = known(cidr) ? checkIpInCidr(P.ipAddress, props.ipAddress, cidr, subnet!.node.path) : undefined;
      if (outside) errors.push(outside);
    }
  }
  return { availabilityZone: az, errors };
}

/** The subnet's IPv4 CIDR block, when it is known (imported subnets may not have one). */
function cidrOf(subnet: ec2.ISubnet): string | undefined {
  try {
    return subnet.ipv4CidrBlock;
  } catch {
    return undefined;
  }
}
