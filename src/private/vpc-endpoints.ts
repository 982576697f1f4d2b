import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { HostVpcEndpoint } from '../types';

/** The interface endpoints an admin host without internet egress needs, with their construct ids. */
const INTERFACE_SERVICES: Array<[HostVpcEndpoint, string, ec2.InterfaceVpcEndpointAwsService]> = [
  [HostVpcEndpoint.SSM, 'Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
  [HostVpcEndpoint.SSM_MESSAGES, 'SsmMessages', ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES],
  [HostVpcEndpoint.EC2_MESSAGES, 'Ec2Messages', ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES],
  [HostVpcEndpoint.SECRETS_MANAGER, 'SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
];

/**
 * The VPC endpoints the admin hosts of one VPC share. EC2 refuses a second interface endpoint with
 * private DNS for a service, or a second S3 gateway endpoint, in a VPC: each endpoint is made once,
 * by the first host that needs it (under that host, so a stack with one host keeps its logical
 * ids), and later hosts of the VPC are let in to it.
 */
export class HostVpcEndpoints {
  private readonly interfaces = new Map<HostVpcEndpoint, ec2.InterfaceVpcEndpoint>();
  private s3?: ec2.GatewayVpcEndpoint;
  private cloudHsm?: ec2.InterfaceVpcEndpoint;
  private owner?: Construct;

  constructor(private readonly vpc: ec2.IVpc) {}

  /**
   * Makes the endpoints `host` needs that neither the VPC (`existing`) nor an earlier host has, and
   * opens those interface endpoints to the host's security group.
   */
  public provide(host: Construct, subnet: ec2.ISubnet, securityGroup: ec2.ISecurityGroup, existing: ReadonlySet<HostVpcEndpoint>): void {
    this.checkStack(host);
    const subnets = { subnets: [subnet] };
    for (const [kind, id, service] of INTERFACE_SERVICES) {
      if (existing.has(kind)) continue;
      let endpoint = this.interfaces.get(kind);
      if (!endpoint) {
        endpoint = new ec2.InterfaceVpcEndpoint(host, `${id}Endpoint`, { vpc: this.vpc, service, subnets, open: false });
        this.interfaces.set(kind, endpoint);
      }
      endpoint.connections.allowDefaultPortFrom(securityGroup);
    }
    if (existing.has(HostVpcEndpoint.S3)) return;
    if (!this.s3) {
      this.s3 = new ec2.GatewayVpcEndpoint(host, 'S3Endpoint', { vpc: this.vpc, service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [subnets] });
    } else {
      addRouteTable(this.s3, subnet);
    }
  }

  /**
   * The endpoints a client host without internet egress needs: the admin host's (SSM for the
   * parameter, Secrets Manager for the password, S3 for the packages) and CloudHSM's API, which
   * the Client SDK calls (DescribeClusters) when it is configured with `--cluster-id`.
   */
  public provideForClient(host: Construct, subnet: ec2.ISubnet, securityGroup: ec2.ISecurityGroup, existing: ReadonlySet<HostVpcEndpoint>): void {
    this.provide(host, subnet, securityGroup, existing);
    this.cloudHsm ??= new ec2.InterfaceVpcEndpoint(host, 'CloudHsmEndpoint', {
      vpc: this.vpc, service: ec2.InterfaceVpcEndpointAwsService.CLOUDHSM, subnets: { subnets: [subnet] }, open: false,
    });
    this.cloudHsm.connections.allowDefaultPortFrom(securityGroup);
  }

  /** The endpoints are in the stack of the first host; a host of the VPC in another stack cannot share them. */
  private checkStack(host: Construct): void {
    if (!this.owner) {
      this.owner = host;
      return;
    }
    if (Stack.of(this.owner) !== Stack.of(host)) {
      throw new Error(`HsmAdminHost ${host.node.path}: createVpcEndpoints: the VPC ${this.vpc.node.path} gets its endpoints from `
        + `${this.owner.node.path} in the stack ${Stack.of(this.owner).node.path}, and EC2 allows each once per VPC; list them in `
        + 'existingVpcEndpoints (or set vpcEndpointsExist: true) instead of createVpcEndpoints on this host');
    }
  }
}

/** The S3 gateway endpoint routes the route table of `subnet` too (a later host in another subnet). */
function addRouteTable(endpoint: ec2.GatewayVpcEndpoint, subnet: ec2.ISubnet): void {
  const cfn = endpoint.node.defaultChild as ec2.CfnVPCEndpoint;
  const ids = cfn.routeTableIds ?? [];
  const id = subnet.routeTable.routeTableId;
  if (Token.isUnresolved(ids) || ids.includes(id)) return;
  cfn.routeTableIds = [...ids, id];
}

const registry = new WeakMap<ec2.IVpc, HostVpcEndpoints>();

/** The endpoints of a VPC, shared by every admin host of the app in it. */
export function vpcEndpointsOf(vpc: ec2.IVpc): HostVpcEndpoints {
  let endpoints = registry.get(vpc);
  if (!endpoints) {
    endpoints = new HostVpcEndpoints(vpc);
    registry.set(vpc, endpoints);
  }
  return endpoints;
}
