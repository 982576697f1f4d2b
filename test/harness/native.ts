// Non-custom resources: they exist only as deterministic fake ids and attributes, except
// subnets, which the simulator must know (AZ, VPC, CIDR) for CreateCluster and CreateHsm.

import { SeededIds } from './ids';
import { canonicalJson } from './template';
import { SimulatorControl } from './types';

/** EC2 resource types whose ids look like `<prefix>-<17 hex>`. */
const EC2_PREFIX: Record<string, string> = {
  'AWS::EC2::VPC': 'vpc',
  'AWS::EC2::Subnet': 'subnet',
  'AWS::EC2::SecurityGroup': 'sg',
  'AWS::EC2::RouteTable': 'rtb',
  'AWS::EC2::InternetGateway': 'igw',
  'AWS::EC2::NatGateway': 'nat',
  'AWS::EC2::NetworkAcl': 'acl',
  'AWS::EC2::NetworkInterface': 'eni',
  'AWS::EC2::VPCEndpoint': 'vpce',
  'AWS::EC2::Instance': 'i',
  'AWS::EC2::Volume': 'vol',
  'AWS::EC2::TransitGateway': 'tgw',
};

/** Types CloudFormation replaces when anything but their tags changes (the ones CDK apps here use). */
const REPLACED_ON_CHANGE = new Set(['AWS::EC2::VPC', 'AWS::EC2::Subnet']);

export interface NativeResult {
  readonly physicalId: string;
  readonly attributes: Record<string, unknown>;
}

/**
 * CDK renders Availability Zones it could not look up as `dummy1a`, `dummy1b`, ...; in the
 * stack's region they become `<region>a`, `<region>b`. Real zone names pass through.
 */
export function availabilityZoneFor(value: unknown, region: string): string {
  const az = String(value ?? '');
  const dummy = /^dummy\d+([a-z])$/.exec(az);
  if (dummy) return `${region}${dummy[1]}`;
  return az === '' ? `${region}a` : az;
}

/**
 * CDK's cross-region references (`crossRegionReferences: true`) are custom resources of CDK's own
 * provider that write and read SSM parameters in the consumer's region. The harness models them as
 * native resources over this store, shared by every harness in the process (one per stack/region).
 */
export const CROSS_REGION_TYPES = new Set(['Custom::CrossRegionExportWriter', 'Custom::CrossRegionExportReader']);
const crossRegionParameters = new Map<string, string>();

/** Forget the cross-region parameters (between tests). */
export function resetCrossRegionParameters(): void {
  crossRegionParameters.clear();
}

function crossRegionAttributes(logicalId: string, type: string, props: Record<string, any>): Record<string, unknown> {
  if (type === 'Custom::CrossRegionExportWriter') {
    const { region, exports = {} } = props.WriterProps ?? {};
    for (const [name, value] of Object.entries(exports)) crossRegionParameters.set(`${region}|${name}`, String(value));
    return {};
  }
  const { region, imports = {} } = props.ReaderProps ?? {};
  const attributes: Record<string, unknown> = {};
  for (const name of Object.keys(imports)) {
    const value = crossRegionParameters.get(`${region}|${name}`);
    if (value === undefined) throw new Error(`${logicalId}: no exported parameter ${name} in ${region} (deploy the exporting stack first)`);
    attributes[name] = value;
  }
  return attributes;
}

export class NativeProvisioner {
  constructor(
    private readonly ids: SeededIds,
    private readonly sim: SimulatorControl,
    private readonly env: { readonly region: string; readonly account: string; readonly partition: string; readonly stackName: string },
  ) {}

  /** Whether a change of `props` makes CloudFormation replace the resource. */
  public needsReplacement(type: string, oldProps: Record<string, unknown>, newProps: Record<string, unknown>): boolean {
    if (!REPLACED_ON_CHANGE.has(type)) return false;
    const strip = ({ Tags: _tags, ...rest }: Record<string, unknown>) => canonicalJson(rest);
    return strip(oldProps) !== strip(newProps);
  }

  /** The fake physical id and attributes; a subnet is registered with the simulator. */
  public provision(logicalId: string, type: string, props: Record<string, unknown>, generation: number): NativeResult {
    const physicalId = this.physicalId(logicalId, type, generation);
    const attributes: Record<string, unknown> = { Arn: this.arn(type, physicalId) };
    if (CROSS_REGION_TYPES.has(type)) {
      Object.assign(attributes, crossRegionAttributes(logicalId, type, props));
    } else if (type === 'AWS::EC2::Subnet') {
      const az = availabilityZoneFor(props.AvailabilityZone, this.env.region);
      const vpcId = String(props.VpcId ?? '');
      const cidr = String(props.CidrBlock ?? '10.0.0.0/24');
      try {
        this.sim.registerSubnet(this.env.region, physicalId, { az, vpcId, cidr });
      } catch (e) {
        throw new Error(`${logicalId}: the simulator refused subnet ${physicalId} (${az}, ${vpcId}, ${cidr}): ${(e as Error).message}`);
      }
      Object.assign(attributes, { SubnetId: physicalId, AvailabilityZone: az, VpcId: vpcId, CidrBlock: cidr, Ipv6CidrBlocks: [] });
    } else if (type === 'AWS::EC2::VPC') {
      Object.assign(attributes, {
        VpcId: physicalId,
        CidrBlock: props.CidrBlock ?? '10.0.0.0/16',
        CidrBlockAssociations: [`vpc-cidr-assoc-${this.ids.hex(17, logicalId, generation, 'assoc')}`],
        DefaultSecurityGroup: `sg-${this.ids.hex(17, logicalId, generation, 'default-sg')}`,
        DefaultNetworkAcl: `acl-${this.ids.hex(17, logicalId, generation, 'default-acl')}`,
        Ipv6CidrBlocks: [],
      });
    } else if (type === 'AWS::EC2::SecurityGroup') {
      Object.assign(attributes, { GroupId: physicalId, VpcId: props.VpcId ?? '' });
    }
    return { physicalId, attributes };
  }

  /** An attribute CloudFormation would have but the fake does not model: a stable placeholder. */
  public placeholderAttribute(physicalId: string, name: string): string {
    return name.endsWith('Arn') ? `${physicalId}:${name}` : `${physicalId}.${name}`;
  }

  private physicalId(logicalId: string, type: string, generation: number): string {
    const prefix = EC2_PREFIX[type];
    if (prefix) return `${prefix}-${this.ids.hex(17, logicalId, generation)}`;
    // Names CloudFormation generates: <stack>-<logical id>-<suffix>, at most 64 characters.
    const base = `${this.env.stackName}-${logicalId}`.slice(0, 50);
    return `${base}-${this.ids.nameSuffix(logicalId, generation)}`;
  }

  private arn(type: string, physicalId: string): string {
    const [, service = 'unknown', kind = 'resource'] = type.split('::');
    const { partition, region, account } = this.env;
    if (type === 'AWS::Lambda::Function') return `arn:${partition}:lambda:${region}:${account}:function:${physicalId}`;
    if (type === 'AWS::IAM::Role') return `arn:${partition}:iam::${account}:role/${physicalId}`;
    if (type === 'AWS::Logs::LogGroup') return `arn:${partition}:logs:${region}:${account}:log-group:${physicalId}:*`;
    if (type === 'AWS::StepFunctions::StateMachine') return `arn:${partition}:states:${region}:${account}:stateMachine:${physicalId}`;
    return `arn:${partition}:${service.toLowerCase()}:${region}:${account}:${kind.toLowerCase()}/${physicalId}`;
  }
}
